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

import xlsxwriter
from openpyxl import load_workbook
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from rollcall.models.cells import Cell, Grid, from_serial, to_serial
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
from rollcall.transforms.sheet_roster import DATE_HEADER, PRESENT_HEADER

DATE_FORMAT = "dd/mm/yyyy hh:mm"
PERCENT_FORMAT = "0 %"
GREY = "808080"
#: XlsxWriter's paper size code for A4.
A4 = 9
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
    (``_Tab``): columns sized to their content, header frozen and repeated on each page,
    A4 landscape one page wide.

    Written with XlsxWriter rather than openpyxl: it shares one format object per style, where
    openpyxl builds and styles a cell object at a time; a site of 8,000 registrants is written
    about five times faster. openpyxl still reads. Not in ``constant_memory`` mode: its inline
    strings take openpyxl twice as long to read back as a shared string table.
    """
    if changes is None:
        changes = read_tabs(path).get(CHANGES_TAB)
    _save_atomically(
        path,
        [
            (ROSTER_TAB, grid),
            (SIGN_IN_TAB, sign_in),
            (TO_COMPLETE_TAB, to_complete),
            (CHANGES_TAB, changes),
            (SUMMARY_TAB, summary),
        ],
    )


def _write_tabs(workbook: xlsxwriter.Workbook, tabs: list[tuple[str, Grid | None]]) -> None:
    formats = _Formats(workbook)
    for title, grid in tabs:
        if title == ROSTER_TAB or grid:
            _Tab(workbook.add_worksheet(title), grid or [], formats, title).write()


class _Formats:
    """One XlsxWriter format per combination of properties, made on first use."""

    def __init__(self, workbook: xlsxwriter.Workbook) -> None:
        self._workbook = workbook
        self._made: dict[frozenset[tuple[str, object]], Format] = {}

    def __call__(self, **properties: object) -> Format | None:
        if not properties:
            return None
        key = frozenset(properties.items())
        if key not in self._made:
            self._made[key] = self._workbook.add_format(properties)
        return self._made[key]


class _Tab:
    """One tab's cells and layout. Text stays text: a registrant called ``=HYPERLINK(...)``
    is written as a string, never a formula. The roster's dates are spreadsheet serial
    numbers shown as dates; cancelled and withdrawn rows are grey and struck through;
    ``Présent`` takes only VRAI/FAUX; ``Émargement`` rows are tall, boxed, to sign in."""

    def __init__(self, sheet: Worksheet, grid: Grid, formats: _Formats, title: str) -> None:
        self.sheet, self.grid, self.formats = sheet, grid, formats
        header = [str(h).strip() if h is not None else "" for h in (grid[0] if grid else [])]
        self.width = max((len(r) for r in grid), default=0)
        roster = title == ROSTER_TAB
        self.date_column = _column(grid, DATE_HEADER) if roster else None
        self.wrapped = {c for c, name in enumerate(header) if name in WRAPPED_HEADERS}
        self.greyed = set(greyed_rows(grid)) if roster else set()
        self.boxed = title == SIGN_IN_TAB
        self.percent_cell = fill_rate_cell(grid) if title == SUMMARY_TAB else None
        self.present_column = _column(grid, PRESENT_HEADER) if roster else None
        self.freeze_columns = frozen_columns(grid) if roster else 0
        self.date_headers: tuple[str, ...] = (DATE_HEADER,) if roster else ()

    def write(self) -> None:
        if not self.grid:
            return
        self._lay_out()
        for r, row in enumerate(self.grid):
            if self.boxed and r:
                self.sheet.set_row(r, SIGN_IN_ROW_HEIGHT)
            for c in range(self.width):
                self._write(r, c, row[c] if c < len(row) else None)

    def _lay_out(self) -> None:
        sheet = self.sheet
        for c, width in enumerate(column_widths(self.grid, self.date_headers)):
            sheet.set_column(c, c, width + 1)
        sheet.freeze_panes(1, self.freeze_columns)
        sheet.repeat_rows(0)
        sheet.set_landscape()
        sheet.set_paper(A4)
        sheet.fit_to_pages(1, 0)
        sheet.hide_gridlines(0)  # none hidden: printed too
        if self.present_column is not None:
            sheet.data_validation(
                1,
                self.present_column,
                max(len(self.grid), 2) + 500 - 1,
                self.present_column,
                {"validate": "list", "source": ["TRUE", "FALSE"], "ignore_blank": True},
            )

    def _write(self, r: int, c: int, value: Cell) -> None:
        style: dict[str, object] = {}
        if r == 0:
            style["bold"] = True
        else:
            if r in self.greyed:
                style.update(font_color="#" + GREY, font_strikeout=True)
            if c in self.wrapped:
                style.update(text_wrap=True, valign="top")
            if self.boxed:
                style.update(border=1, valign="vcenter")
            if (r, c) == self.percent_cell:
                style["num_format"] = PERCENT_FORMAT
        blank = value is None or value == ""
        if blank and r == 0:
            return
        if blank:
            if style:  # a styled empty cell: greyed rows and sign-in boxes are whole
                self.sheet.write_blank(r, c, None, self.formats(**style))
            return
        if isinstance(value, bool):
            self.sheet.write_boolean(r, c, value, self.formats(**style))
        elif isinstance(value, int | float) and r and c == self.date_column:
            style["num_format"] = DATE_FORMAT
            self.sheet.write_datetime(r, c, from_serial(value), self.formats(**style))
        elif isinstance(value, int | float):
            self.sheet.write_number(r, c, value, self.formats(**style))
        else:
            self.sheet.write_string(r, c, str(value), self.formats(**style))


def _cell_in(value: object) -> Cell:
    if isinstance(value, datetime):
        return to_serial(value)
    return value  # type: ignore[return-value]


def _column(grid: Grid, header: str) -> int | None:
    names = [str(v).strip() if v is not None else "" for v in (grid[0] if grid else [])]
    return names.index(header) if header in names else None


def _save_atomically(path: Path, tabs: list[tuple[str, Grid | None]]) -> None:
    """Written beside the target then renamed over it. A process killed mid-save leaves a
    ``.part`` file, never a broken ``.xlsx``; the next save clears such leftovers."""
    path.parent.mkdir(parents=True, exist_ok=True)
    for stale in path.parent.glob(".roster-*.part"):
        stale.unlink(missing_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=".roster-", suffix=".xlsx.part", dir=path.parent)
    os.close(fd)
    try:
        workbook = xlsxwriter.Workbook(
            tmp_name,
            {
                "strings_to_numbers": False,
                "strings_to_formulas": False,
                "strings_to_urls": False,
            },
        )
        try:
            _write_tabs(workbook, tabs)
        finally:
            workbook.close()
        os.replace(tmp_name, path)
    finally:
        if os.path.exists(tmp_name):
            os.unlink(tmp_name)
