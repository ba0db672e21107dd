"""New or returning volunteers, decided by the matching engine against the volunteer base."""

from rollcall.transforms.matching import MatchRecord
from rollcall.transforms.returning import NEW_LABEL, RETURNING_LABEL, BaseVolunteer, returning_people, volunteer_label

SIGNUPS = [
    MatchRecord("S1", "Jeanne", "Moreau", "jeanne.moreau@example.org", "0612345678", site="Paris"),
    MatchRecord("S2", "Jeanne", "MOREAU", None, "+33 6 12 34 56 78", site="Lyon"),  # same person, Lyon
    MatchRecord("S3", "Karim", "Benali", "karim.b@example.com", None, site="Lille"),
    MatchRecord("S4", "Odile", "Texier", None, "0799887766", site="Reims"),
]
PERSON_OF = {"S1": 10, "S2": 10, "S3": 11, "S4": 12}


def test_a_registrant_found_in_the_base_by_a_contact_is_returning(catalog) -> None:
    base = [
        BaseVolunteer("row 2", "jeanne", "MOREAU", "JEANNE.MOREAU@EXAMPLE.ORG", None),
        BaseVolunteer("row 3", "Odile", "Texier", None, "07 99 88 77 66"),
    ]
    assert returning_people(SIGNUPS, PERSON_OF, base, catalog) == {10, 12}


def test_someone_only_in_the_base_or_a_namesake_without_contact_is_not_a_registrant(catalog) -> None:
    base = [
        BaseVolunteer("row 2", "Claire", "Perrin", "claire.perrin@example.org", "0199001122"),
        BaseVolunteer("row 3", "Karim", "Benali", "autre.karim@example.net", "0611223344"),
    ]
    assert returning_people(SIGNUPS, PERSON_OF, base, catalog) == set()


def test_no_base_means_everyone_is_new(catalog) -> None:
    assert returning_people(SIGNUPS, PERSON_OF, [], catalog) == set()
    assert returning_people([], {}, [BaseVolunteer("row 2", "A", "B", "a@example.org")], catalog) == set()


def test_the_answer_does_not_depend_on_the_order_of_the_base(catalog) -> None:
    base = [BaseVolunteer(f"row {i}", "Jeanne", "Moreau", "jeanne.moreau@example.org") for i in range(2, 5)]
    assert (
        returning_people(SIGNUPS, PERSON_OF, base, catalog)
        == returning_people(SIGNUPS, PERSON_OF, base[::-1], catalog)
        == {10}
    )


def test_labels() -> None:
    assert (
        (volunteer_label(False), volunteer_label(True)) == (NEW_LABEL, RETURNING_LABEL) == ("Nouveau", "Déjà bénévole")
    )
