"""A refused sign-up gives its registration neither Source(s) nor "Inscrit le" when another
sign-up of the same person and day is shown.

Jeanne refused consent on the form (10 Sep) and was entered by staff on site (1 Oct): her
roster row says "Sur place" and 01/10, nothing of the form (contacts are never taken from a
refused sign-up either: ``transforms.survivorship``).
"""

from __future__ import annotations

from datetime import UTC, datetime

from rollcall.models.records import SignupState
from rollcall.transforms.roster import registration_facts

FORM_REFUSED = SignupState(
    cancelled=False, consent=False, source="formulaire", submitted_at=datetime(2022, 9, 10, 10, 0, tzinfo=UTC)
)
STAFF = SignupState(
    cancelled=False, consent=None, source="sur-place", submitted_at=datetime(2022, 10, 1, 7, 30, tzinfo=UTC)
)


def test_a_refused_sign_up_gives_neither_source_nor_time() -> None:
    assert registration_facts([FORM_REFUSED, STAFF]) == ("registered", STAFF.submitted_at, ["sur-place"])


def test_only_refused_sign_ups_still_say_when_and_where() -> None:
    """Not shown on a roster (no consent), but the database keeps its facts."""
    assert registration_facts([FORM_REFUSED]) == ("no_consent", FORM_REFUSED.submitted_at, ["formulaire"])
