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
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from rollcall.models.cells import Cell, Grid
from rollcall.models.roster_tabs import (
    CHANGES_TAB,
    ROSTER_TAB,
    SIGN_IN_TAB,
    SUMMARY_TAB,
    TO_COMPLETE_TAB,
)
from rollcall.transforms.roster_layout import (
    WRAPPED_HEADERS,
    column_widths,
    fill_rate_cell,
    frozen_columns,
    greyed_rows,
)
from rollcall.transforms.sheet_roster import DATE_HEADER, PRESENT_HEADER, from_serial, to_serial

DATE_FORMAT = "dd/mm/yyyy hh:mm"
PERCENT_FORMAT = "0 %"
GREY = "808080"
#: Height of an Émargement row, in points: room for a signature.
SIGN_IN_ROW_HEIGHT = 28


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


def write_roster(
    path: Path,
    grid: Grid,
    *,
    changes: Grid | None,
    summary: Grid,
    sign_in: Grid | None = None,
    to_complete: Grid | None = None,
) -> None:
    """Replace the workbook with these tabs; the previous ``Nouveautés`` stays when this push
    changed nothing there. Every tab is laid out to be read and printed as it is
    (``_lay_out``): columns sized to their content, header frozen and repeated on each page,
    A4 landscape one page wide."""
    if changes is None:
        changes = read_tabs(path).get(CHANGES_TAB)
    workbook = Workbook()
    roster = workbook.worksheets[0]  # a new workbook holds one sheet
    roster.title = ROSTER_TAB
    _fill(roster, grid, date_column=_column(grid, DATE_HEADER))
    _checkbox(roster, grid)
    _lay_out(roster, grid, freeze_columns=frozen_columns(grid))
    _grey(roster, grid, greyed_rows(grid))
    for title, tab in (
        (SIGN_IN_TAB, sign_in),
        (TO_COMPLETE_TAB, to_complete),
        (CHANGES_TAB, changes),
        (SUMMARY_TAB, summary),
    ):
        if tab:
            sheet = workbook.create_sheet(title)
            _fill(sheet, tab, date_column=None)
            _lay_out(sheet, tab, date_headers=())
    if sign_in:
        _sign_in_boxes(workbook[SIGN_IN_TAB], sign_in)
    if summary and (cell := fill_rate_cell(summary)):
        workbook[SUMMARY_TAB].cell(row=cell[0] + 1, column=cell[1] + 1).number_format = PERCENT_FORMAT
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


def _lay_out(sheet, grid: Grid, *, freeze_columns: int = 0, date_headers: tuple[str, ...] = (DATE_HEADER,)) -> None:
    """Widths from the content, long texts wrapped, header row frozen (and the name
    columns), printed A4 landscape, fitted to one page wide, header repeated on each page."""
    if not grid:
        return
    header = [str(h).strip() if h is not None else "" for h in grid[0]]
    for c, width in enumerate(column_widths(grid, date_headers), start=1):
        sheet.column_dimensions[get_column_letter(c)].width = width + 1
        if c <= len(header) and header[c - 1] in WRAPPED_HEADERS:
            for row in sheet.iter_rows(min_row=2, min_col=c, max_col=c):
                row[0].alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = f"{get_column_letter(freeze_columns + 1)}2"
    sheet.print_title_rows = "1:1"
    setup = sheet.page_setup
    setup.orientation, setup.paperSize = "landscape", sheet.PAPERSIZE_A4
    setup.fitToWidth, setup.fitToHeight = 1, 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_options.gridLines = True


def _grey(sheet, grid: Grid, rows: list[int]) -> None:
    """Cancelled and withdrawn rows in grey, struck through: nobody is expected from them."""
    width = max(len(r) for r in grid)
    for r in rows:
        for c in range(1, width + 1):
            sheet.cell(row=r + 1, column=c).font = Font(color=GREY, strike=True)


def _sign_in_boxes(sheet, grid: Grid) -> None:
    """Rows tall enough to sign in, each box outlined."""
    side = Side(style="thin")
    width = max(len(r) for r in grid)
    for r in range(2, len(grid) + 1):
        sheet.row_dimensions[r].height = SIGN_IN_ROW_HEIGHT
        for c in range(1, width + 1):
            cell = sheet.cell(row=r, column=c)
            cell.border = Border(left=side, right=side, top=side, bottom=side)
            cell.alignment = Alignment(vertical="center")


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
