"""A site's roster entries from its registrations as read (``transforms.roster_entries``)."""

from __future__ import annotations

from datetime import UTC, datetime

from rollcall.models.records import CANCELLED, NO_CONSENT, REGISTERED, RosterEntry, SignupDetails
from rollcall.transforms.roster_entries import SiteRows, site_entries


def entry(first: str, last: str, status: str = REGISTERED, sources: tuple[str, ...] = ("tally",)) -> RosterEntry:
    return RosterEntry(
        first,
        last,
        f"{first.lower()}@example.org",
        "+33612345678",
        sources,
        datetime(2022, 9, 1, 8, tzinfo=UTC),
        status,
    )


def test_entries_are_the_shown_registrations_in_roster_order_with_every_reference() -> None:
    rows = SiteRows(
        every=[
            (3, entry("Zoé", "Adam")),
            (1, entry("Amina", "Martin", CANCELLED)),
            (2, entry("Bruno", "Leroy", NO_CONSENT)),  # no longer sent: not shown, still the site's
            (4, entry("Élodie", "Adam", sources=("tally", "export"))),
        ],
        details={4: [SignupDetails(("export", "7"), False, True, "matin", "vient à deux", None)]},
    )
    entries, references = site_entries(rows, {"tally": "Formulaire Tally"}, "Europe/Paris")
    assert [e.registration_id for e in entries] == ["R00004", "R00003", "R00001"]  # Adam Élodie, Adam Zoé, Martin
    assert references == {"R00001", "R00002", "R00003", "R00004"}
    assert rows.shown_ids == [3, 1, 4]
    elodie = entries[0]
    assert elodie.sources == ("Formulaire Tally", "export")  # a source without a label keeps its name
    assert elodie.registered_at == datetime(2022, 9, 1, 10, 0)  # Paris time, naive
    assert (elodie.time_slot, elodie.remarks) == ("matin", "vient à deux")
    assert entries[2].email in (None, "") and entries[2].phone in (None, "")  # cancelled: no contact shown
