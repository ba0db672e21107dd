"""Rows that are not one of this site's registrations (rule 9) and rows that come back (rule 8)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from rollcall.models.records import REGISTERED
from rollcall.transforms.sheet_roster import (
    CONFLICT_HEADER,
    DUPLICATE_LABEL,
    DUPLICATE_NOTE,
    DUPLICATED_NOTE,
    FOREIGN_LABEL,
    FOREIGN_NOTE,
    NEW,
    RESTORED,
    CoordinatorValues,
    SheetEntry,
    merge_roster,
    same_grid,
    trimmed,
)

DAY = datetime(2026, 10, 1, 9, 14)
Grid = list[list[Any]]


def entry(rid: str, first: str) -> SheetEntry:
    return SheetEntry(
        rid, first, "Martin", f"{first.lower()}@exemple.fr", "06 12 34 56 78", ("Tally",), DAY, REGISTERED
    )


PARIS = [entry("R00001", "Awa"), entry("R00002", "Bruno")]
PARIS_REFERENCES = {"R00001", "R00002", "R00009"}  # R00009: a Paris registration that left


def is_reference(text: str) -> bool:
    return text.startswith("R")


def merged(current: Grid, pushed: dict[str, Any], **kw: Any):
    return merge_roster(PARIS, current, pushed, is_reference=is_reference, site_references=PARIS_REFERENCES, **kw)


def cell(grid: Grid, row: list[Any], name: str) -> Any:
    return row[grid[0].index(name)]


def first_push():
    return merged([], {})


def typed(grid: Grid, ref: str, first: str, last: str, email: str, phone: str = "", **cells: Any) -> list[Any]:
    """A row as a coordinator pasted it, by column name."""
    values = {
        "Réf. inscription": ref,
        "Prénom": first,
        "Nom": last,
        "Email": email,
        "Téléphone": phone,
        "Source(s)": "Tally",
        "Inscrit le": 44835.4,
        "Statut": "Inscrit",
        **cells,
    }
    return [values.get(str(name), "") for name in grid[0]]


def test_rows_pasted_from_another_site_are_flagged_not_read_not_removed() -> None:
    push = first_push()
    lille = typed(
        push.grid, "R00077", "Chloé", "Petit", "chloe@exemple.fr", "06 00 00 00 01", Présent=True, Notes="venue"
    )  # another site's registration, ticked here
    untouched = typed(push.grid, "R00078", "Driss", "Benali", "driss@exemple.fr")
    again = merged(trimmed([*push.grid, lille, untouched]), push.pushed)
    grid = again.grid
    for ref in ("R00077", "R00078"):
        row = next(r for r in grid if r[0] == ref)  # kept, never removed as "leaving"
        assert (cell(grid, row, "Statut"), cell(grid, row, CONFLICT_HEADER)) == (FOREIGN_LABEL, FOREIGN_NOTE)
    status = grid[0].index("Statut")
    kept = next(r for r in grid if r[0] == "R00077")
    assert kept[:status] == lille[:status]  # their cells as typed
    assert again.foreign_ids == ["R00077", "R00078"] and again.removed_ids == [] and again.withdrawn_ids == []
    assert set(again.coordinator) == set(again.pushed) == {"R00001", "R00002"}  # never read as attendance
    assert [c.kind for c in again.changes] == []
    assert merged(trimmed(grid), again.pushed).content_unchanged  # flagged once, then stable


def test_a_leaving_reference_of_this_site_still_leaves() -> None:
    push = first_push()
    left = typed(push.grid, "R00009", "Eve", "Roux", "eve@exemple.fr")
    again = merged(trimmed([*push.grid, left]), push.pushed)
    assert again.removed_ids == ["R00009"] and again.foreign_ids == []


def test_a_duplicated_row_is_read_once_and_the_copy_flagged() -> None:
    push = first_push()
    grid = [list(r) for r in push.grid]
    copy = list(grid[1])
    copy[grid[0].index("Présent")], copy[grid[0].index("Notes")] = True, "copie"
    again = merged(trimmed([*grid, copy]), push.pushed)
    rows = [r for r in again.grid if r[0] == "R00001"]
    assert [cell(again.grid, r, "Statut") for r in rows] == ["Inscrit", DUPLICATE_LABEL]
    assert [cell(again.grid, r, CONFLICT_HEADER) for r in rows] == [DUPLICATED_NOTE, DUPLICATE_NOTE]
    assert again.coordinator["R00001"].present is False  # the copy's tick is not read
    assert again.duplicate_ids == ["R00001"]
    assert merged(trimmed(again.grid), again.pushed).content_unchanged


def test_a_deleted_row_comes_back_with_what_was_typed_not_as_new() -> None:
    push = first_push()
    stored = {"R00001": CoordinatorValues("oui", True, "Rappeler", {"Covoiturage": "2 places"})}
    without = [push.grid[0], push.grid[2]]  # the coordinator deleted Awa's row
    again = merged(trimmed(without), push.pushed, stored=stored)
    row = next(r for r in again.grid if r[0] == "R00001")
    assert [cell(again.grid, row, n) for n in ("Appelé", "Présent", "Notes", "Covoiturage")] == [
        "oui",
        True,
        "Rappeler",
        "2 places",
    ]
    assert [(c.kind, c.registration_id) for c in again.changes] == [(RESTORED, "R00001")]
    assert again.coordinator["R00001"] == stored["R00001"]


def test_a_deleted_tab_comes_back_equal() -> None:
    push = first_push()
    stored = {rid: CoordinatorValues(None, False, "", {}) for rid in push.pushed}
    again = merged([], push.pushed, stored=stored)
    assert same_grid(again.grid, push.grid) and {c.kind for c in again.changes} == {RESTORED}
    assert NEW not in {c.kind for c in again.changes}
