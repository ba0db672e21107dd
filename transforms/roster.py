"""Registration status and the per-site roster a coordinator reads, without I/O."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from models.records import CANCELLED, NO_CONSENT, REGISTERED, RosterEntry, SignupState
from transforms.names import name_key
from transforms.phones import format_national

ROSTER_HEADERS: tuple[str, ...] = (
    "Prénom",
    "Nom",
    "Email",
    "Téléphone",
    "Source(s)",
    "Inscrit le",
    "Statut",
)

STATUS_LABELS = {REGISTERED: "Inscrit", CANCELLED: "Annulé"}


def registration_status(signups: Iterable[SignupState]) -> str:
    """Registered if any current sign-up is live and consented (or its source does not ask);
    no_consent if the only live ones lack consent; cancelled otherwise (including when no
    current sign-up is left)."""
    live = [s for s in signups if not s.cancelled]
    if any(s.consent is not False for s in live):
        return REGISTERED
    return NO_CONSENT if live else CANCELLED


def registration_facts(signups: Sequence[SignupState]) -> tuple[str, datetime | None, list[str]]:
    """Status, first sign-up time and sorted source names for one registration."""
    times = [s.submitted_at for s in signups if s.submitted_at is not None]
    return (
        registration_status(signups),
        min(times) if times else None,
        sorted({s.source for s in signups}),
    )


RosterRow = tuple[str, str, str, str, str, datetime | None, str]


def build_roster(entries: Iterable[RosterEntry], tz: str = "Europe/Paris") -> list[RosterRow]:
    """Rows for one site's roster, sorted by last then first name, accents ignored.

    People without consent never appear. Cancelled registrations stay, marked "Annulé",
    so a coordinator sees who withdrew. Times are shown in the campaign's time zone, without
    a zone, because spreadsheets cannot store one.
    """
    zone = ZoneInfo(tz)
    kept = [e for e in entries if e.status in STATUS_LABELS]
    kept.sort(key=lambda e: (name_key(e.last_name), name_key(e.first_name), e.email or ""))
    return [
        (
            e.first_name,
            e.last_name,
            e.email or "",
            format_national(e.phone) if e.phone else "",
            ", ".join(e.sources),
            _local_minute(e.registered_at, zone),
            STATUS_LABELS[e.status],
        )
        for e in kept
    ]


def _local_minute(moment: datetime | None, zone: ZoneInfo) -> datetime | None:
    """Local time to the minute: what a coordinator reads, and what XLSX stores exactly."""
    if moment is None:
        return None
    return moment.astimezone(zone).replace(tzinfo=None, second=0, microsecond=0)
