"""What must not drift with the campaign's size: typos that recur among a million sign-ups,
phones one digit apart among hundreds of thousands of numbers."""

from __future__ import annotations

import numpy as np

from rollcall.transforms.matching import blocking
from rollcall.transforms.matching.rules import established, established_count


def test_a_name_of_its_own_needs_more_sign_ups_in_a_big_campaign() -> None:
    assert [established_count(n) for n in (1_000, 100_000, 1_000_000)] == [3, 3, 30]
    # name codes 1..4: "david" 9,000, "daid" 5, "davdi" 4 ("david" mistyped), "lucas" 6,000, "lucie" 5,000
    counts = np.array([0, 9_000, 5, 4, 6_000, 5_000])
    pairs = (np.array([2, 4, 1]), np.array([3, 5, 2]))  # daid/davdi, lucas/lucie, david/daid
    assert established(counts, *pairs, min_count=established_count(100_000)).tolist() == [True, True, False]
    # among a million sign-ups, two recurring slips are no names; Lucas and Lucie still are
    assert established(counts, *pairs, min_count=established_count(1_000_000)).tolist() == [False, True, False]


def test_phones_one_digit_apart_are_found_among_many() -> None:
    """Numbers sharing their first and last digits with hundreds of others: a digit off in the
    middle, two neighbouring digits swapped; two digits apart is not a typo."""
    rng = np.random.default_rng(7)
    middle = rng.choice(10_000, size=3_000, replace=False)
    phones = [""] + [f"+336{m:04d}1234" for m in middle.tolist()]
    base = phones.index(f"+336{middle[0]:04d}1234")
    number = phones[base]
    mistyped = number[:7] + str((int(number[7]) + 5) % 10) + number[8:]
    swapped = number[:5] + number[6] + number[5] + number[7:]
    far = number[:5] + str((int(number[5]) + 3) % 10) + str((int(number[6]) + 3) % 10) + number[7:]
    extra = [p for p in (mistyped, swapped, far) if p not in phones]
    phones += extra
    codes = np.arange(len(phones))
    a, b = blocking.phone_neighbours(codes, phones)
    found = {frozenset((phones[x], phones[y])) for x, y in zip(a.tolist(), b.tolist())}
    assert frozenset((number, mistyped)) in found
    if number[5] != number[6]:
        assert frozenset((number, swapped)) in found
    assert frozenset((number, far)) not in found
    assert all(sum(p != q for p, q in zip(*pair)) <= 2 for pair in map(tuple, found) if len(pair) == 2)


def test_an_add_finds_the_phone_neighbours_a_full_run_finds() -> None:
    """On an add only the new numbers' groups are looked at: the pairs touching a new record
    are exactly those of a run over everything (numbers shared by several records included)."""
    rng = np.random.default_rng(11)
    phones = [""] + [f"+3361234{m:04d}" for m in rng.choice(10_000, size=2_000, replace=False).tolist()]
    codes = rng.integers(0, len(phones), size=5_000)  # 0: no phone; most numbers on 2-3 records
    start = 4_700
    full = blocking.phone_neighbours(codes, phones)
    touching = {(a, b) for a, b in zip(*(x.tolist() for x in full)) if a >= start or b >= start}
    added = set(zip(*(x.tolist() for x in blocking.phone_neighbours(codes, phones, start))))
    assert added == touching and len(added) > 50


def test_unique_ints_is_numpys_unique() -> None:
    values = np.random.default_rng(3).integers(0, 1 << 40, size=10_000)
    values = np.concatenate([values, values[:3_000], np.empty(0, np.int64)])
    assert blocking.unique_ints(values).tolist() == np.unique(values).tolist()
    assert blocking.unique_ints(np.array([5])).tolist() == [5]
    assert blocking.unique_ints(np.empty(0, np.int64)).tolist() == []
