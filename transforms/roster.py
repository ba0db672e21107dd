"""Registration status, and the order of a roster, without I/O.

The roster's layout and its merge with what a coordinator typed live in
``transforms.sheet_roster``; the same rules serve local workbooks and Google sheets.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from rollcall.models.records import CANCELLED, NO_CONSENT, REGISTERED, REMOVED, SignupDetails, SignupState
from rollcall.transforms.names import name_key


def registration_status(signups: Iterable[SignupState]) -> str:
    """Registered if any current sign-up is live and consented (or its source does not ask);
    no_consent if the only live ones lack consent; cancelled if all are cancelled; removed
    when no current sign-up is left (deleted at the source, merged or split away)."""
    signups = list(signups)
    if not signups:
        return REMOVED
    live = [s for s in signups if not s.cancelled]
    if any(s.consent is not False for s in live):
        return REGISTERED
    return NO_CONSENT if live else CANCELLED


def registration_facts(signups: Sequence[SignupState]) -> tuple[str, datetime | None, list[str]]:
    """Status, first sign-up time and sorted source names for one registration.

    ``submitted_at`` of each state is the first time its source record was submitted (its
    earliest stored version): an edit at a provider that moves the submission time (Tally)
    does not move "Inscrit le". A sign-up whose consent was refused gives neither the time nor
    a source while another one was given with consent: what someone refused is not shown."""
    shown = [s for s in signups if s.consent is not False] or list(signups)
    times = [s.submitted_at for s in shown if s.submitted_at is not None]
    return (
        registration_status(signups),
        min(times) if times else None,
        sorted({s.source for s in shown}),
    )


def roster_order(first_name: str, last_name: str, email: str | None) -> tuple[str, str, str]:
    """New rows go in by last then first name, accents and case ignored ("Élie" after
    "Dupont"); rows already on a roster keep the order the coordinator gave them."""
    return name_key(last_name), name_key(first_name), email or ""


def registration_details(details: Sequence[SignupDetails]) -> tuple[str, str, bool | None]:
    """Time slot(s), remarks and minor flag of one registration, from its current sign-ups.

    Like the other facts, a sign-up whose consent was refused gives nothing; of the others,
    the live ones speak when there are some (a cancelled sign-up's slot is no longer chosen).
    Distinct texts are joined in record order with " ; " ("10h-13h ; vient avec sa fille").
    Minor if any sign-up says so (the safe side for the coordinator), adult if one says so
    and none says minor, unknown otherwise."""
    if len(details) == 1:  # most registrations: the rule below for one sign-up, without its lists
        (only,) = details
        if only.consent is False:
            return "", "", None
        return _stripped(only.time_slot), _stripped(only.remarks), only.minor
    shown = [d for d in details if d.consent is not False]
    shown = [d for d in shown if not d.cancelled] or shown
    flags = {d.minor for d in shown} - {None}
    return (
        _joined(d.time_slot for d in shown),
        _joined(d.remarks for d in shown),
        True if True in flags else (False if flags else None),
    )


def _joined(texts: Iterable[str | None]) -> str:
    return " ; ".join(dict.fromkeys(t.strip() for t in texts if t and t.strip()))


def _stripped(text: str | None) -> str:
    return text.strip() if text else ""
