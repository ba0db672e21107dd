"""A known gap, recorded: a refused sign-up still gives its registration's Source(s) and
"Inscrit le" when another sign-up of the same person and day is shown.

Jeanne refused consent on the form (10 Sep) and was entered by staff on site (1 Oct): her
roster row says "Formulaire, Sur place" and 10/09, which tells the coordinator she used the
form and when. Contacts are already never taken from a refused sign-up
(``transforms.survivorship``); the fix belongs in ``transforms.roster.registration_facts``.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from models.records import SignupState
from transforms.roster import registration_facts

FORM_REFUSED = SignupState(cancelled=False, consent=False, source="formulaire",
                           submitted_at=datetime(2022, 9, 10, 10, 0, tzinfo=UTC))
STAFF = SignupState(cancelled=False, consent=None, source="sur-place",
                    submitted_at=datetime(2022, 10, 1, 7, 30, tzinfo=UTC))


@pytest.mark.xfail(strict=True, reason="registration_facts counts refused sign-ups' source and time")
def test_a_refused_sign_up_gives_neither_source_nor_time() -> None:
    assert registration_facts([FORM_REFUSED, STAFF]) == ("registered", STAFF.submitted_at, ["sur-place"])
