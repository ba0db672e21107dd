"""Registration status and roster rows, without I/O."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from rollcall.models.records import CANCELLED, NO_CONSENT, REGISTERED, REMOVED
from rollcall.transforms.roster import SignupState, registration_facts, registration_status, roster_order

T1 = datetime(2022, 9, 14, 16, 22, 5, tzinfo=UTC)
T2 = datetime(2022, 9, 20, 8, 0, tzinfo=UTC)


def state(
    cancelled: bool = False, consent: bool | None = None, source: str = "tally", at: datetime | None = T1
) -> SignupState:
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
        pytest.param([], REMOVED, id="no_current_signup_left"),
    ],
)
def test_registration_status(states: list[SignupState], expected: str) -> None:
    assert registration_status(states) == expected


def test_registration_facts_first_time_and_sorted_sources() -> None:
    facts = registration_facts([state(source="tally", at=T2), state(source="helloasso", at=T1), state(at=None)])
    assert facts == (REGISTERED, T1, ["helloasso", "tally"])


def test_roster_order_ignores_accents_and_case() -> None:
    names = [("Zoé", "Élie"), ("Anne", "martin"), ("Léa", "Dupont"), ("Adèle", "Dupont")]
    ordered = sorted(names, key=lambda n: roster_order(n[0], n[1], None))
    assert ordered == [("Adèle", "Dupont"), ("Léa", "Dupont"), ("Zoé", "Élie"), ("Anne", "martin")]
