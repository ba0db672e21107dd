"""Rule 10: a purged registration's row keeps no name, contact, note or added column, and
what it held is never read back as a coordinator's edit."""

from __future__ import annotations

from datetime import datetime

from rollcall.transforms.sheet_roster import (
    ROSTER_COLUMNS,
    SheetEntry,
    merge_roster,
    pipeline_values,
    purged_rows,
)

HEADER = [*ROSTER_COLUMNS, "Covoiturage"]


def purged_entry(rid: str) -> SheetEntry:
    """What the pipeline sends for a purged registration: no name, no contact."""
    return SheetEntry(rid, "", "", "", "", ("Tally",), datetime(2022, 9, 1, 10, 0), "registered")


def row(rid: str, first: str, notes: str = "", extra: str = "", present: bool = False) -> list:
    values = pipeline_values(
        SheetEntry(
            rid,
            first,
            "Dupont",
            f"{first.lower()}@example.org",
            "06 12 34 56 78",
            ("Tally",),
            datetime(2022, 9, 1, 10, 0),
            "registered",
        )
    )
    cells = {**values, "Appelé": "oui" if present else "", "Présent": present, "Notes": notes, "Covoiturage": extra}
    return [cells.get(name, "") for name in HEADER]


def test_purged_row_keeps_reference_sources_date_status_and_attendance_only() -> None:
    grid = [HEADER, row("R00001", "Jean", "Allergie", "2 places", present=True), row("R00002", "Marie")]
    out = purged_rows(grid, {"R00001"})
    assert out[0] == HEADER and out[2] == grid[2]  # another registration's row: as it was
    kept = {
        "Réf. inscription": "R00001",
        "Source(s)": "Tally",
        "Inscrit le": grid[1][HEADER.index("Inscrit le")],
        "Statut": "Inscrit",
        "Appelé": "oui",
        "Présent": True,
    }
    assert out[1] == [kept.get(name, "") for name in HEADER]


def test_purged_values_are_not_read_back_as_edits() -> None:
    """Jean's row, pushed with his name (the baseline blanked by the purge): merged after
    ``purged_rows``, no conflict, no change announced, nothing to write twice."""
    grid = [HEADER, row("R00001", "Jean", "Allergie", present=True)]
    baseline = {**pipeline_values(purged_entry("R00001"))}
    merged = merge_roster([purged_entry("R00001")], purged_rows(grid, {"R00001"}), {"R00001": baseline})
    assert merged.conflicts == [] and merged.changes == []
    assert merged.coordinator["R00001"].notes == "" and merged.coordinator["R00001"].present is True
    again = merge_roster([purged_entry("R00001")], merged.grid, merged.pushed)
    assert again.content_unchanged


def test_without_the_purge_the_old_name_would_be_kept_as_an_edit() -> None:
    """Why rule 10 exists: the same merge on the tab as it is keeps "Jean" and flags it."""
    grid = [HEADER, row("R00001", "Jean")]
    merged = merge_roster([purged_entry("R00001")], grid, {"R00001": pipeline_values(purged_entry("R00001"))})
    assert {c.column for c in merged.conflicts} >= {"Prénom", "Email"}
