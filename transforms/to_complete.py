"""The ``À compléter`` tab: a site's sign-ups stuck in quarantine, and what they lack. Pure.

A coordinator cannot see the quarantine; they can often complete what is missing (a phone
number, a name) because they know the people of their site. Only what surely is this site's
is shown: a record whose site cannot be read, or reads as another site or as two sites
("Nord (59)": Lille or Roubaix?), is in no site's tab. A record whose consent is not a clear
yes, or which says it is cancelled, is in none either: it must never reach a roster. Contacts
are masked ("j***@gmail.com", "06 ** ** ** 78"): enough to recognise a typo, not a contact
handed to the roster without the person's checked consent.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from rollcall.models.cells import Grid
from rollcall.models.records import Site
from rollcall.transforms.dates import parse_submitted_at
from rollcall.transforms.names import name_key, split_full_name, tidy_name
from rollcall.transforms.normalise import MAX_NAME_LENGTH, gives_consent, resolve_site, says_cancelled
from rollcall.transforms.privacy import mask_email, mask_phone
from rollcall.transforms.sites import SiteCatalog
from rollcall.transforms.text import clean

TO_COMPLETE_HEADERS: tuple[str, ...] = ("Source", "Reçu le", "Nom", "Prénom", "Email", "Téléphone", "Ce qui manque")
#: Shown when nothing of this site waits: the tab says so rather than being blank.
NOTHING_TO_COMPLETE = "Aucune inscription de ce site n'attend de complément."
#: A name longer than this is cut in the tab (a pasted paragraph is not a name).
SHOWN_NAME_LENGTH = 60


@dataclass(frozen=True)
class QuarantinedSignup:
    """One quarantined record, its fields mapped (``SourceBase.extract``)."""

    source: str  # the source's label, "JeVeuxAider"
    fields: Mapping[str, str | None]
    reason_fr: str
    tz: str = "Europe/Paris"  # the zone of its timestamps when they carry none


def waiting_by_site(records: Iterable[QuarantinedSignup], sites: SiteCatalog) -> dict[str, list[QuarantinedSignup]]:
    """Site code -> the quarantined sign-ups its tab shows (consenting, not cancelled, naming
    that one site): each record's site is resolved once for every site's tab."""
    found: dict[str, list[QuarantinedSignup]] = {}
    for record in records:
        if (code := _site_shown(record, sites)) is not None:
            found.setdefault(code, []).append(record)
    return found


def to_complete_tab(records: Iterable[QuarantinedSignup], tz: str = "Europe/Paris") -> Grid:
    """The tab of one site's waiting sign-ups (``waiting_by_site``), by last then first name."""
    rows = [_row(r, tz) for r in records]
    rows.sort(key=lambda row: (name_key(str(row[2])), name_key(str(row[3])), str(row[0]), str(row[1])))
    if not rows:
        return [list(TO_COMPLETE_HEADERS), [NOTHING_TO_COMPLETE]]
    return [list(TO_COMPLETE_HEADERS), *rows]


def site_of(fields: Mapping[str, str | None], sites: SiteCatalog) -> str | None:
    """The code of the one site a quarantined record names, or None (unreadable, ambiguous)."""
    site = resolve_site(fields, sites)
    return site.code if isinstance(site, Site) else None


def _site_shown(record: QuarantinedSignup, sites: SiteCatalog) -> str | None:
    """The site whose tab shows the record, or None (no consent, cancelled, no one site)."""
    fields = record.fields
    if "consent" in fields and not gives_consent(fields.get("consent")):
        return None
    if says_cancelled(fields.get("status")):
        return None
    return site_of(fields, sites)


def _row(record: QuarantinedSignup, tz: str) -> list[str | int | float | bool | None]:
    fields = record.fields
    first, last = tidy_name(fields.get("first_name")), tidy_name(fields.get("last_name"))
    if not first and not last:
        first, last = (tidy_name(n) for n in split_full_name(clean(fields.get("full_name"))))
    email, phone = clean(fields.get("email")), clean(fields.get("phone"))
    return [
        record.source,
        _day(fields.get("submitted_at"), record.tz, tz),
        _short(last),
        _short(first),
        mask_email(email) if email else "",
        mask_phone(phone) if phone else "",
        record.reason_fr,
    ]


def _day(raw: str | None, source_tz: str, tz: str) -> str:
    moment = parse_submitted_at(clean(raw), source_tz) if raw else None
    return moment.astimezone(ZoneInfo(tz)).strftime("%d/%m/%Y") if isinstance(moment, datetime) else ""


def _short(name: str) -> str:
    limit = min(SHOWN_NAME_LENGTH, MAX_NAME_LENGTH)
    return name if len(name) <= limit else name[: limit - 1] + "…"
