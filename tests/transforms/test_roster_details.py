"""Time slot, remarks and minor flag: read from a source, kept per sign-up, shown per
registration; the Émargement and À compléter tabs."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from rollcall.models.records import CANCELLED, REGISTERED, NormalisedSignup, SignupDetails, Site
from rollcall.transforms.normalise import normalise_signup
from rollcall.transforms.roster import registration_details
from rollcall.transforms.sheet_roster import SheetEntry, sign_in_grid
from rollcall.transforms.sites import SiteCatalog
from rollcall.transforms.to_complete import NOTHING_TO_COMPLETE, QuarantinedSignup, to_complete_tab, waiting_by_site

SITES = SiteCatalog(
    [
        Site("LIL", "Lille", "Lille", date(2022, 10, 15), "59", ("59000", "59800")),
        Site("RBX", "Roubaix", "Roubaix", date(2022, 10, 8), "59", ("59100",)),
        Site("PAR", "Paris", "Paris", date(2022, 10, 8), "75"),
    ]
)
BASE = {"first_name": "Awa", "last_name": "Diallo", "email": "awa@example.org", "site": "Lille"}


@pytest.mark.parametrize(
    ("age", "answer", "minor"),
    [
        pytest.param("16", None, True, id="age_16"),
        pytest.param("18", None, False, id="age_18"),
        pytest.param("2004-10-16", None, True, id="born_a_day_too_late_for_18_on_the_day"),
        pytest.param("2004-10-15", None, False, id="eighteen_on_the_day"),
        pytest.param("15/10/2004", None, False, id="day_first_birth_date"),
        pytest.param(None, "Oui", True, id="answer_yes"),
        pytest.param(None, "non", False, id="answer_no"),
        pytest.param(None, None, None, id="nothing_said"),
    ],
)
def test_minor_flag_from_an_age_a_birth_date_or_an_answer(age, answer, minor) -> None:
    signup = normalise_signup({**BASE, "age": age, "minor": answer}, SITES)
    assert isinstance(signup, NormalisedSignup) and signup.minor is minor


def test_an_unreadable_age_is_a_warning_not_a_rejection() -> None:
    signup = normalise_signup({**BASE, "age": "bientôt"}, SITES)
    assert isinstance(signup, NormalisedSignup) and signup.minor is None and "unparsed_age" in signup.warnings


def test_time_slot_and_remarks_kept_as_typed_on_one_line() -> None:
    signup = normalise_signup(
        {
            **BASE,
            "time_slot": "Samedi 15 octobre 2022 (10h00 - 13h00)",
            "remarks": "vient le matin\nseulement",
            "age": " ",
        },
        SITES,
    )
    assert isinstance(signup, NormalisedSignup)
    assert signup.time_slot == "Samedi 15 octobre 2022 (10h00 - 13h00)"
    assert signup.remarks == "vient le matin seulement" and signup.minor is None


def details(key: str, *, slot=None, remarks=None, minor=None, cancelled=False, consent=None) -> SignupDetails:
    return SignupDetails(("src", key), cancelled, consent, slot, remarks, minor)


def test_registration_details_join_live_consented_sign_ups() -> None:
    assert registration_details(
        [
            details("1", slot="10h-13h", remarks="vient avec sa fille"),
            details("2", slot="10h-13h", remarks="PMR", minor=False),
            details("3", slot="14h-17h", cancelled=True),  # a cancelled sign-up's slot is no longer chosen
            details("4", remarks="ne pas appeler", consent=False, minor=True),  # refused: gives nothing
        ]
    ) == ("10h-13h", "vient avec sa fille ; PMR", False)


def test_minor_wins_over_adult_and_a_cancelled_registration_keeps_its_details() -> None:
    assert registration_details([details("1", minor=False), details("2", minor=True)])[2] is True
    assert registration_details([details("1", slot="10h", cancelled=True)]) == ("10h", "", None)
    assert registration_details([]) == ("", "", None)


@pytest.mark.parametrize("consent", [None, True, False])
@pytest.mark.parametrize("cancelled", [False, True])
@pytest.mark.parametrize("slot", [None, "", "   ", " 10h-13h "])
@pytest.mark.parametrize("minor", [None, False, True])
def test_one_sign_up_gives_what_the_general_rule_gives(consent, cancelled, slot, minor) -> None:
    """A registration of one sign-up takes a shortcut: the same as the rule for several, which
    a sign-up given twice goes through (its texts are joined once)."""
    one = details("1", slot=slot, remarks=slot and slot.upper(), minor=minor, cancelled=cancelled, consent=consent)
    assert registration_details([one]) == registration_details([one, one])


def test_sign_in_sheet_lists_expected_people_by_last_name() -> None:
    day = datetime(2022, 9, 1)
    entries = [
        SheetEntry("R1", "Zoé", "Élie", "", "", (), day, REGISTERED, time_slot="10h-13h"),
        SheetEntry("R2", "Awa", "Diallo", "", "", (), day, REGISTERED),
        SheetEntry("R3", "Bruno", "Dupont", "", "", (), day, CANCELLED),
    ]
    assert sign_in_grid(entries) == [
        ["Nom", "Prénom", "Créneau", "Signature"],
        ["Diallo", "Awa", "", ""],
        ["Élie", "Zoé", "10h-13h", ""],
    ]


def test_names_equal_but_for_accents_are_in_the_same_order_whatever_their_references() -> None:
    """References follow the order sign-ups arrived in: the tab must not (a clean sync of
    the same data gives other references, and must give the same tab)."""
    day = datetime(2022, 9, 1)
    lea = [("Lea", ""), ("Léa", "14h-17h"), ("LEA", ""), ("Léa", "")]
    for references in (["R1", "R2", "R3", "R4"], ["R9", "R5", "R7", "R6"]):
        entries = [
            SheetEntry(ref, first, "Roux", "", "", (), day, REGISTERED, time_slot=slot)
            for ref, (first, slot) in zip(references, lea, strict=True)
        ]
        assert sign_in_grid(entries)[1:] == [
            ["Roux", "LEA", "", ""],
            ["Roux", "Lea", "", ""],
            ["Roux", "Léa", "", ""],
            ["Roux", "Léa", "14h-17h", ""],
        ]


def waiting(reason: str = "Ni e-mail ni téléphone.", **fields) -> QuarantinedSignup:
    return QuarantinedSignup(
        "Tally",
        {
            "first_name": "Jean",
            "last_name": "Martin",
            "site": "Lille",
            "submitted_at": "2022-09-01T08:00:00Z",
            **fields,
        },
        reason,
        "UTC",
    )


def test_to_complete_holds_only_this_sites_consented_live_records_with_masked_contacts() -> None:
    records = [
        waiting(phone="06 12"),  # no usable contact: shown, phone masked
        waiting(first_name="Marie", email="marie@exemple", site="Paris"),  # Paris's: not in Lille's tab
        waiting(first_name="Léo", site="Nord (59)"),  # Lille or Roubaix? in no site's tab
        waiting(first_name="Lou", consent=""),  # consent not given: never on a roster
        waiting(first_name="Noé", status="Annulé"),  # cancelled
        waiting(first_name="Ana", email="ana@@example.org"),
    ]
    by_site = waiting_by_site(records, SITES)
    assert set(by_site) == {"LIL", "PAR"}  # "Nord (59)", no consent, cancelled: in no tab
    grid = to_complete_tab(by_site["LIL"])
    assert grid[0] == ["Source", "Reçu le", "Nom", "Prénom", "Email", "Téléphone", "Ce qui manque"]
    assert [(r[2], r[3]) for r in grid[1:]] == [("Martin", "Ana"), ("Martin", "Jean")]
    assert grid[2] == ["Tally", "01/09/2022", "Martin", "Jean", "", "***", "Ni e-mail ni téléphone."]
    assert "ana@@example.org" not in grid[1][4]
    assert to_complete_tab(by_site["PAR"])[1][4] == "m***@exemple"
    assert to_complete_tab([]) == [grid[0], [NOTHING_TO_COMPLETE]]
