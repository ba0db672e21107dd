"""Registration status and roster rows, without I/O."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from models.records import CANCELLED, NO_CONSENT, REGISTERED
from transforms.roster import ROSTER_HEADERS, RosterEntry, SignupState, build_roster, registration_facts, registration_status

T1 = datetime(2022, 9, 14, 16, 22, 5, tzinfo=timezone.utc)
T2 = datetime(2022, 9, 20, 8, 0, tzinfo=timezone.utc)


def state(cancelled: bool = False, consent: bool | None = None, source: str = "tally", at: datetime | None = T1) -> SignupState:
    return SignupState(cancelled, consent, source, at)


@pytest.mark.parametrize(
    "states, expected",
    [
        pytest.param([state()], REGISTERED, id="source_without_consent_question"),
        pytest.param([state(consent=True)], REGISTERED, id="consented"),
        pytest.param([state(consent=False)], NO_CONSENT, id="no_consent"),
        pytest.param([state(consent=False), state(consent=True)], REGISTERED, id="consent_given_on_second_signup"),
        pytest.param([state(cancelled=True)], CANCELLED, id="cancelled"),
        pytest.param([state(cancelled=True), state(source="helloasso")], REGISTERED, id="cancelled_one_of_two"),
        pytest.param([], CANCELLED, id="no_current_signup_left"),
    ],
)
def test_registration_status(states: list[SignupState], expected: str) -> None:
    assert registration_status(states) == expected


def test_registration_facts_first_time_and_sorted_sources() -> None:
    facts = registration_facts([state(source="tally", at=T2), state(source="helloasso", at=T1), state(at=None)])
    assert facts == (REGISTERED, T1, ["helloasso", "tally"])


def entry(first: str, last: str, status: str = REGISTERED, phone: str | None = "+33612345678") -> RosterEntry:
    return RosterEntry(first, last, f"{first.lower()}@example.org", phone, ("Tally",), T1, status)


def test_roster_sorted_by_name_ignoring_accents_and_case() -> None:
    rows = build_roster([entry("Zoé", "Élie"), entry("Anne", "martin"), entry("Léa", "Dupont")])
    assert [r[1] for r in rows] == ["Dupont", "Élie", "martin"]


def test_roster_hides_no_consent_and_keeps_cancelled_marked() -> None:
    rows = build_roster([entry("A", "A", NO_CONSENT), entry("B", "B", CANCELLED), entry("C", "C")])
    assert [(r[0], r[-1]) for r in rows] == [("B", "Annulé"), ("C", "Inscrit")]


def test_roster_row_shape_national_phone_and_local_time() -> None:
    (row,) = build_roster([entry("Hélène", "Müller")])
    assert len(row) == len(ROSTER_HEADERS)
    assert row[3] == "06 12 34 56 78"
    # 16:22:05 UTC is 18:22 in Paris in September, kept to the minute, without zone
    assert row[5] == datetime(2022, 9, 14, 18, 22)


def test_roster_missing_contact_is_blank() -> None:
    (row,) = build_roster([entry("Anne", "Roux", phone=None)])
    assert row[3] == ""
