"""Incremental matching: a nightly batch against the people already known."""

from __future__ import annotations

from rollcall.transforms.matching import Decision, MatchRecord, PeopleIndex


def row(rid: str, first: str, last: str, email: str = "", phone: str = "", site: str = "Reims") -> MatchRecord:
    return MatchRecord(rid, first, last, email, phone, site, submitted_at="2022-09-01")


FIELDS = ("first_name", "last_name", "email", "phone", "site", "city", "submitted_at", "source")

KNOWN = [
    row("k1", "Marie", "Dupont", "marie.dupont@gmail.com", "0611111111"),
    row("k2", "Jean", "Dupont", "", "0611111111"),  # k1's phone, other first name: own person
    row("k3", "Sophie", "Leclerc", "sophie.leclerc@orange.fr", ""),
]


def index(catalog) -> PeopleIndex:
    built = PeopleIndex(catalog)
    built.add(KNOWN)
    return built


def test_new_sign_ups_join_known_people(catalog) -> None:
    people = index(catalog)
    batch = people.add([
        row("n1", "MARIE", "DUPONT", "mariedupont@gmail.com"),  # k1 by email (gmail dots)
        row("n2", "Jean", "Dupont", "", "06 11 11 11 11"),  # k2, not k1: first name
        row("n3", "Paul", "Girard", "pgirard@free.fr"),  # nobody: a new person, keyed n3
    ])  # fmt: skip
    assert batch.person_of == {"n1": "k1", "n2": "k2", "n3": "n3"}


def test_rerun_changes_nothing(catalog) -> None:
    people = index(catalog)
    first = people.add([row("n1", "Marie", "Dupont", "marie.dupont@gmail.com")]).person_of
    second = people.add([row("n1", "Marie", "Dupont", "marie.dupont@gmail.com")]).person_of
    assert first == second == {"n1": "k1"}
    assert len(people) == len(KNOWN) + 1


def test_known_people_are_not_merged_by_a_batch(catalog) -> None:
    people = index(catalog)
    # Sophie Leclerc's email and Marie Dupont's phone: joins one, the other link goes to review
    batch = people.add([row("n4", "Sophie", "Leclerc", "sophie.leclerc@orange.fr", "0611111111")])
    assert batch.person_of == {"n4": "k3"}


def test_from_people_loads_stored_people_without_matching(catalog) -> None:
    people = PeopleIndex.from_people(KNOWN, ["P-1", "P-2", "P-3"], catalog)
    batch = people.add([row("n5", "Sophie", "Leclerc", "sophie.leclerc@orange.fr")])  # k3's email
    assert batch.person_of == {"n5": "P-3"}


def test_a_sign_up_never_joins_a_person_whose_members_clearly_differ_from_it(catalog) -> None:
    # a stored person holding k1 (Marie) and k3 (Sophie), e.g. merged by hand
    people = PeopleIndex.from_people(KNOWN, ["P-1", "P-2", "P-1"], catalog)
    batch = people.add([row("n5", "Sophie", "Leclerc", "sophie.leclerc@orange.fr")])  # k3's email
    assert batch.person_of == {"n5": "n5"}
    assert [r.rule for r in batch.review] == ["refused_link"]


def test_decision_different_is_respected_in_later_batches(catalog) -> None:
    people = index(catalog)
    batch = people.add(
        [row("n6", "Marie", "Dupont", "marie.dupont@gmail.com")],
        decisions=[Decision("n6", "k1", same=False)],
    )
    assert batch.person_of == {"n6": "n6"}


def test_an_add_blocks_the_same_name_site_and_day_as_a_full_run(catalog) -> None:
    """The add groups only the (name, site, day) of its batch: the pairs with a new sign-up
    are those a run over everything finds."""
    from bench.generate import generate

    rows, _ = generate(4_000, seed=5)
    records = [MatchRecord(f"r{i}", **{k: r[k] for k in FIELDS}) for i, r in enumerate(rows)]
    start = 3_600
    whole = PeopleIndex(catalog)
    whole.add(records)
    a, b = whole._same_name_site_day(0)
    touching = {(min(x, y), max(x, y)) for x, y in zip(a.tolist(), b.tolist()) if max(x, y) >= start}
    known = PeopleIndex(catalog)
    known.add(records[:start])
    known.add(records[start:])
    a, b = known._same_name_site_day(start)
    assert {(min(x, y), max(x, y)) for x, y in zip(a.tolist(), b.tolist())} == touching
    assert len(touching) > 5
