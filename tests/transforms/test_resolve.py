"""Deduplication rules, each on a few inline sign-ups with a comment per expectation."""

from __future__ import annotations

import pytest

from transforms.resolve import EMAIL, NEW, PHONE, Identity, PeopleIndex, assign_people, names_clearly_differ


def signup(ref: int, first: str, last: str, email: str | None = None, phone: str | None = None) -> Identity:
    return Identity(ref, first, last, email, phone)


@pytest.mark.parametrize(
    "a, b, differ",
    [
        pytest.param(("helene", "muller"), ("helene", "muller"), False, id="identical"),
        pytest.param(("jean pierre", "martin"), ("jean", "martin"), False, id="compound_first_name_shortened"),
        pytest.param(("helene", "dupont"), ("helena", "dupont"), False, id="typo_in_long_first_name"),
        pytest.param(("paul", "dupont"), ("paul", "dupond"), False, id="typo_in_last_name"),
        pytest.param(("martin", "sophie"), ("sophie", "martin"), False, id="first_and_last_swapped"),
        pytest.param(("segolene", "vasseur kergoat"), ("segolene", "vasseur"), False, id="double_last_name_shortened"),
        pytest.param(("marie", ""), ("marie", "dupont"), False, id="last_name_missing_on_one"),
        pytest.param(("marie", "dupont"), ("jean", "dupont"), True, id="family_different_first_names"),
        pytest.param(("jean", "dupont"), ("jeanne", "dupont"), True, id="jean_and_jeanne_are_two_people"),
        pytest.param(("louis", "petit"), ("louise", "petit"), True, id="louis_and_louise_are_two_people"),
        pytest.param(("marie", "dupont"), ("marie", "lefebvre"), True, id="same_first_other_family"),
    ],
)
def test_names_clearly_differ(a: tuple[str, str], b: tuple[str, str], differ: bool) -> None:
    assert names_clearly_differ(Identity(1, *a), Identity(2, *b)) is differ


def test_same_email_same_person() -> None:
    rows = [
        signup(1, "helene", "muller", email="h.muller@example.org"),
        # same address, accents and case already stripped by normalisation -> same person
        signup(2, "helene", "muller", email="h.muller@example.org", phone="+33612345678"),
    ]
    result = assign_people(rows, PeopleIndex())
    assert [a.person_ref for a in result] == [-1, -1]
    assert [a.rule for a in result] == [NEW, EMAIL]


def test_same_phone_same_person_even_with_other_email() -> None:
    rows = [
        signup(1, "jean pierre", "martin", email="jp@example.org", phone="+33612345678"),
        # new address, same phone, compound name written differently -> same person
        signup(2, "jean", "martin", email="jean.martin@example.net", phone="+33612345678"),
    ]
    result = assign_people(rows, PeopleIndex())
    assert result[1].person_ref == result[0].person_ref and result[1].rule == PHONE


def test_family_sharing_email_and_phone_are_separate_people() -> None:
    rows = [
        signup(1, "marie", "dupont", email="famille.dupont@example.org", phone="+33612345678"),
        # mother and son share the address and the phone -> two people
        signup(2, "lucas", "dupont", email="famille.dupont@example.org", phone="+33612345678"),
        # the son again -> the son, not the mother
        signup(3, "lucas", "dupont", email="famille.dupont@example.org"),
    ]
    result = assign_people(rows, PeopleIndex())
    assert result[0].person_ref != result[1].person_ref
    assert result[2].person_ref == result[1].person_ref


def test_namesakes_without_shared_contact_are_separate_people() -> None:
    rows = [
        signup(1, "marie", "martin", email="marie.martin@example.org"),
        # same name, nothing shared -> another Marie Martin
        signup(2, "marie", "martin", email="mm75@example.net", phone="+33698765432"),
    ]
    result = assign_people(rows, PeopleIndex())
    assert result[0].person_ref != result[1].person_ref


def test_matches_known_people_first_and_oldest_wins() -> None:
    index = PeopleIndex([
        Identity(7, "paul", "durand", "paul@example.org", None),
        Identity(3, "paul", "durand", None, "+33611111111"),
    ])
    # email points at person 7 -> email wins over the phone's person 3
    result = assign_people([signup(10, "paul", "durand", "paul@example.org", "+33611111111")], index)
    assert (result[0].person_ref, result[0].rule) == (7, EMAIL)
    index = PeopleIndex([Identity(7, "paul", "durand", "p@example.org", None),
                         Identity(3, "paul", "durand", "p@example.org", None)])
    # two known people share the email and the name -> the oldest (lowest id)
    assert assign_people([signup(11, "paul", "durand", "p@example.org")], index)[0].person_ref == 3


def test_rerun_of_the_same_batch_is_stable() -> None:
    rows = [signup(i, "anne", "roux", email="anne@example.org") for i in range(1, 4)]
    first = assign_people(rows, PeopleIndex())
    second = assign_people(rows, PeopleIndex())
    assert first == second and {a.person_ref for a in first} == {-1}
