"""Local roster workbooks (XLSX): the roster target for a coordinator without Google.

Same rules as the Google sheet (``transforms.sheet_roster``): rows keyed by registration id,
coordinator columns kept, conflicts flagged. This module only reads and writes grids.
Writes are atomic (a temporary file renamed over the old one), so a crash never leaves a
half-written workbook; the caller skips the write when nothing changed.
"""

from __future__ import annotations

import os
import tempfile
from datetime import datetime
from pathlib import Path

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from transforms.sheet_roster import DATE_HEADER, PRESENT_HEADER, from_serial, to_serial

ROSTER_TAB, CHANGES_TAB, SUMMARY_TAB = "Inscrits", "Nouveautés", "Résumé"
DATE_FORMAT = "dd/mm/yyyy hh:mm"

Cell = str | int | float | bool | None
Grid = list[list[Cell]]


def read_tabs(path: Path) -> dict[str, Grid]:
    """Every tab's values, dates as spreadsheet serial numbers (as the Sheets API gives them)."""
    if not path.exists():
        return {}
    workbook = load_workbook(path, read_only=True)
    try:
        return {
            sheet.title: [[_cell_in(v) for v in row] for row in sheet.iter_rows(values_only=True)]
            for sheet in workbook.worksheets
        }
    finally:
        workbook.close()


def read_roster(path: Path) -> Grid:
    """The roster tab as a grid ([] when there is no workbook yet)."""
    return read_tabs(path).get(ROSTER_TAB, [])


def write_roster(path: Path, grid: Grid, *, changes: Grid | None, summary: Grid) -> None:
    """Replace the workbook with these tabs; the previous ``Nouveautés`` stays when this push
    changed nothing there."""
    if changes is None:
        changes = read_tabs(path).get(CHANGES_TAB)
    workbook = Workbook()
    roster = workbook.active
    roster.title = ROSTER_TAB
    _fill(roster, grid, date_column=_column(grid, DATE_HEADER))
    _checkbox(roster, grid)
    for title, tab in ((CHANGES_TAB, changes), (SUMMARY_TAB, summary)):
        if tab:
            _fill(workbook.create_sheet(title), tab, date_column=None)
    _save_atomically(workbook, path)


def _cell_in(value: object) -> Cell:
    if isinstance(value, datetime):
        return to_serial(value)
    return value  # type: ignore[return-value]


def _column(grid: Grid, header: str) -> int | None:
    names = [str(v).strip() if v is not None else "" for v in (grid[0] if grid else [])]
    return names.index(header) if header in names else None


def _fill(sheet, grid: Grid, *, date_column: int | None) -> None:
    """Text stays text: a registrant called ``=HYPERLINK(...)`` is never a formula."""
    for r, row in enumerate(grid, start=1):
        for c, value in enumerate(row, start=1):
            if value is None or value == "":
                continue
            cell = sheet.cell(row=r, column=c)
            if r > 1 and c - 1 == date_column and isinstance(value, int | float) and not isinstance(value, bool):
                cell.value, cell.number_format = from_serial(value), DATE_FORMAT
            else:
                cell.value = value
                if isinstance(value, str):
                    cell.data_type = "s"
    if grid:
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        sheet.freeze_panes = "A2"
        for c, header in enumerate(grid[0], start=1):
            sheet.column_dimensions[get_column_letter(c)].width = max(12, len(str(header or "")) + 4)


def _checkbox(sheet, grid: Grid) -> None:
    """Présent takes only VRAI/FAUX (TRUE/FALSE): the closest XLSX has to a checkbox."""
    column = _column(grid, PRESENT_HEADER)
    if column is None:
        return
    letter = get_column_letter(column + 1)
    validation = DataValidation(type="list", formula1='"TRUE,FALSE"', allow_blank=True)
    sheet.add_data_validation(validation)
    validation.add(f"{letter}2:{letter}{max(len(grid), 2) + 500}")


def _save_atomically(workbook: Workbook, path: Path) -> None:
    """Written beside the target then renamed over it. A process killed mid-save leaves a
    ``.part`` file, never a broken ``.xlsx``; the next save clears such leftovers."""
    path.parent.mkdir(parents=True, exist_ok=True)
    for stale in path.parent.glob(".roster-*.part"):
        stale.unlink(missing_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=".roster-", suffix=".xlsx.part", dir=path.parent)
    os.close(fd)
    try:
        workbook.save(tmp_name)
        os.replace(tmp_name, path)
    finally:
        if os.path.exists(tmp_name):
            os.unlink(tmp_name)
