"""A site's roster entries built from its registrations as read (``store.roster_entries``,
``store.signup_details``): no I/O, the same for a local workbook and a Google sheet."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from rollcall.models.ids import registration_ref
from rollcall.models.records import CANCELLED, REGISTERED, RosterEntry, SignupDetails
from rollcall.transforms.roster import registration_details, roster_order
from rollcall.transforms.sheet_roster import SheetEntry, sheet_entry


@dataclass(frozen=True)
class SiteRows:
    """What a site's roster entries are built from, as read: every registration of the event
    (``store.roster_entries``) and its current sign-ups' details (``store.signup_details``)."""

    every: list[tuple[int, RosterEntry]]
    details: dict[int, list[SignupDetails]]

    @property
    def shown_ids(self) -> list[int]:
        """Registrations shown on the roster: registered or cancelled. Any other status (no
        consent, removed) is no longer sent, so its row leaves the roster
        (``transforms.sheet_roster`` rule 6)."""
        return [rid for rid, entry in self.every if entry.status in (REGISTERED, CANCELLED)]


def site_entries(rows: SiteRows, labels: Mapping[str, str], timezone: str) -> tuple[list[SheetEntry], set[str]]:
    """The roster's entries, in roster order, and every reference of the site's
    registrations, whatever their status (``transforms.sheet_roster`` rule 9). ``labels``:
    source name -> the name coordinators see."""
    labelled = functools.cache(lambda names: tuple(labels.get(name, name) for name in names))  # a few distinct
    shown = [(rid, e) for rid, e in rows.every if e.status in (REGISTERED, CANCELLED)]
    shown.sort(key=lambda pair: roster_order(pair[1].first_name, pair[1].last_name, pair[1].email))
    zone = ZoneInfo(timezone)
    entries = [
        sheet_entry(
            registration_ref(registration_id),
            entry,
            zone,
            sources=labelled(entry.sources),
            details=registration_details(rows.details.get(registration_id, ())),
        )
        for registration_id, entry in shown
    ]
    return entries, {registration_ref(rid) for rid, _ in rows.every}
