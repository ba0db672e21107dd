"""Reading the roster workbooks a sync wrote, as a coordinator would see them, and saving
one as a coordinator would."""

from __future__ import annotations

from pathlib import Path

from openpyxl import load_workbook

from rollcall.connectors import roster_files
from rollcall.models.cells import Grid
from rollcall.models.roster_tabs import CHANGES_TAB, ROSTER_TAB, SUMMARY_TAB
from rollcall.transforms.roster_layout import workbook_layouts


def roster_rows(directory: Path) -> dict[str, list[dict]]:
    """Each workbook's roster rows, by header."""
    rosters = {}
    for path in sorted(directory.glob("*.xlsx")):
        workbook = load_workbook(path, read_only=True)
        header, *rows = workbook["Inscrits"].iter_rows(values_only=True)
        rosters[path.name] = [dict(zip(header, row)) for row in rows]
        workbook.close()
    return rosters


def save_roster(path: Path, grid: Grid, *, changes: Grid | None, summary: Grid) -> None:
    """The workbook saved with only these tabs (a coordinator's edits), laid out as rollcall
    lays them out."""
    layouts = workbook_layouts({ROSTER_TAB: grid, CHANGES_TAB: changes, SUMMARY_TAB: summary})
    roster_files.write_roster(path, grid, changes=changes, summary=summary, layouts=layouts)
