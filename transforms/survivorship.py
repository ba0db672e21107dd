"""Which of a person's sign-ups gives the name, email and phone a roster shows. Pure.

The rule does not depend on the order sign-ups were processed in, so a source arriving a
night late, a retry or an edit ends with what one clean sync of the same data would show:

1. Sign-ups are ranked: live and consented first (not cancelled, consent given or not
   asked), then cancelled but consented, then those whose consent was refused. Within a
   rank, the most recent by the provider's own submission time comes first (an edit or a
   later sign-up is the person's latest word); unknown times come last. Ties are broken by
   the record's identity (source, external id), never by arrival order.
2. The names come from the best-ranked sign-up.
3. The email comes from the best-ranked sign-up that has one, an address without a
   suspicious domain ("gmial.com") before one with it; the phone likewise. A sign-up whose
   consent was refused never gives a contact (RGPD): the person then shows none.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from rollcall.models.records import PersonDisplay, SignupFacts


def _rank(signup: SignupFacts) -> int:
    if signup.consent is False:
        return 2
    return 1 if signup.cancelled else 0


def _recency(moment: datetime | None) -> tuple[int, float]:
    """Sorts the most recent first and unknown times last."""
    return (1, 0.0) if moment is None else (0, -moment.timestamp())


def ranked(signups: Sequence[SignupFacts]) -> list[SignupFacts]:
    """Best first, by the module's rule 1."""
    return sorted(signups, key=lambda s: (_rank(s), _recency(s.submitted_at), s.record_key))


def display_fields(signups: Sequence[SignupFacts]) -> PersonDisplay:
    """The person's displayed name and contacts (module rules 2 and 3)."""
    if not signups:
        raise ValueError("a person has at least one sign-up")
    order = ranked(signups)
    consented = [s for s in order if s.consent is not False]
    return PersonDisplay(
        first_name=order[0].first_name,
        last_name=order[0].last_name,
        email=_first(consented, lambda s: s.email, prefer=lambda s: not s.suspicious_email),
        phone=_first(consented, lambda s: s.phone),
    )


def _first(
    signups: Sequence[SignupFacts],
    value: Callable[[SignupFacts], str | None],
    prefer: Callable[[SignupFacts], bool] = lambda s: True,
) -> str | None:
    having = [s for s in signups if value(s)]
    best = [s for s in having if prefer(s)] or having
    return value(best[0]) if best else None
