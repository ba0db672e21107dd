"""Local roster workbooks (XLSX): the roster target for a coordinator without Google.

Same rules as the Google sheet (``transforms.sheet_roster``): rows keyed by registration id,
coordinator columns kept, conflicts flagged. This module only reads and writes grids, each
tab laid out as its ``TabLayout`` says (decided by ``transforms.roster_layout``).
Writes are atomic (a temporary file renamed over the old one), so a crash never leaves a
half-written workbook; the caller skips the write when nothing changed.
"""

from __future__ import annotations

import glob
import os
import re
import zipfile
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from xml.etree import ElementTree

import xlsxwriter
from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException
from python_calamine import CalamineError, CalamineWorkbook, SheetTypeEnum
from xlsxwriter.exceptions import XlsxInputError
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from rollcall.connectors.xlsx_rows import RowSheet
from rollcall.models.cells import Cell, Grid, is_number, to_serial
from rollcall.models.roster_tabs import (
    CHANGES_TAB,
    ROSTER_TAB,
    SIGN_IN_TAB,
    SUMMARY_TAB,
    TO_COMPLETE_TAB,
)
from rollcall.models.tab_layout import TabLayout

DATE_FORMAT = "dd/mm/yyyy hh:mm"
PERCENT_FORMAT = "0 %"
GREY = "808080"
#: XlsxWriter's paper size code for A4.
A4 = 9
#: Height of an Émargement row, in points: room for a signature.
SIGN_IN_ROW_HEIGHT = 28


class UnreadableWorkbook(Exception):
    """A workbook that opens as a zip but whose content cannot be read: a worksheet's XML
    cut short or garbled (another program half wrote it, a sync client mangled it). Its
    site's push fails alone, the file left as it is."""


#: What openpyxl raises on a workbook whose parts are damaged, or that is no zip at all.
_DAMAGED = (
    ElementTree.ParseError,
    KeyError,
    ValueError,
    TypeError,
    IndexError,
    EOFError,
    zipfile.BadZipFile,
    InvalidFileException,
)

#: Damage whose message names parts of the file, never a cell's value.
_STRUCTURAL = (ElementTree.ParseError, KeyError, EOFError, zipfile.BadZipFile, InvalidFileException)

#: The first bytes of an OLE compound file: what Excel saves when a workbook is encrypted with
#: a password, and the old .xls format (a workbook saved as such under its .xlsx name).
_OLE_SIGNATURE = bytes.fromhex("d0cf11e0a1b11ae1")


def _unreadable(path: Path, error: Exception) -> UnreadableWorkbook:
    """The reason a workbook cannot be read, and what to do, as ops read it in the run's report."""
    with open(path, "rb") as file:
        start = file.read(len(_OLE_SIGNATURE))
    left = "its roster was not updated and the file was left as it is"
    if start == _OLE_SIGNATURE:
        return UnreadableWorkbook(
            f"{path.name} is protected by a password, or was saved in the old Excel 97-2003 format: "
            f"rollcall cannot open it, so {left}. Ask the coordinator to remove the password "
            "(Excel: File > Info > Protect Workbook > Encrypt with Password, emptied) or to save it "
            "again as an Excel workbook (.xlsx)"
        )
    if not start:
        return UnreadableWorkbook(
            f"{path.name} is empty (0 bytes): another program emptied it or is still writing it; {left}. "
            "Put back the coordinator's copy if there is one, or delete it and the next sync writes a new "
            "one (what the coordinator typed on our rows is kept in the database)"
        )
    # the text of errors about the file's structure (a part missing, XML cut short) helps;
    # that of a value error may quote a cell, that is someone's name (RGPD): its type alone
    said = f"{type(error).__name__}: {error}" if isinstance(error, _STRUCTURAL) else type(error).__name__
    return UnreadableWorkbook(
        f"{path.name} cannot be read, its content is damaged ({said}); its roster "
        "was not updated and the file was left as it is: open it in Excel and save it again, or move it "
        "away and the next sync writes a new one (what the coordinator typed on our rows is kept in the "
        "database; tabs they added are only in this file)"
    )


def read_tabs(path: Path) -> dict[str, Grid]:
    """Every worksheet's values, dates, times of day and durations as spreadsheet serial
    numbers (as the Sheets API gives them), blanks as None (``read_tabs_with_formats``)."""
    return read_tabs_with_formats(path)[0]


def read_tabs_with_formats(path: Path) -> tuple[dict[str, Grid], dict[str, dict[int, str]]]:
    """``read_tabs``, and for each tab the columns whose cells held a date, a time of day or
    a duration, with the format to show them in once written back (``_KEPT_FORMATS``): a
    coordinator's own column of dates stays dates, not serial numbers.

    Read with calamine (a Rust reader, about seven times faster than openpyxl: reading the
    workbooks back was the bulk of a night's pushes), unless the workbook holds what calamine
    reads otherwise (``_OPENPYXL_ONLY``) or cannot read: openpyxl reads it then, as always, or
    raises the errors a push reports. Both readers give the same cells, trailing blank rows and
    columns aside (a merged area, a formatted empty cell: openpyxl pads to them, and every use
    of a grid drops them): ``tests/connectors/test_roster_read.py`` compares them."""
    if not path.exists():
        return {}, {}
    try:
        if not _needs_openpyxl(path):
            return _read_with_calamine(path)
    except (CalamineError, zipfile.BadZipFile, KeyError, ValueError):
        pass
    except BaseException as error:  # noqa: BLE001 - calamine's Rust code panicked (a date before year -280 million)
        if type(error).__name__ != "PanicException":  # pyo3's, no Exception: it would end every site's push
            raise
    try:
        return _read_with_openpyxl(path)
    except _DAMAGED as error:
        raise _unreadable(path, error) from error


def number_formats(path: Path, title: str, columns: Collection[int]) -> dict[int, str]:
    """The number format of each of these columns of tab ``title`` (0-based), taken from
    its first cell below the header that holds a number, where that format is not
    "General": a coordinator's currency or percentage, which calamine does not give.

    openpyxl in read-only mode, reading rows only until each column has shown a number:
    asked only for the roster tab's own columns of a coordinator that hold numbers, so a
    workbook without them costs nothing more. A workbook calamine read and openpyxl cannot
    gives no format: its values are written back as they were before formats were kept."""
    wanted, found = set(columns), {}
    try:
        book = load_workbook(path, read_only=True)
    except _DAMAGED:
        return {}
    try:
        sheet = book[title]
        sheet.reset_dimensions()  # read to the last row, whatever size the file declares
        for row in sheet.iter_rows(min_row=2):
            for c, cell in enumerate(row):
                value = getattr(cell, "value", None)
                if c in wanted and c not in found and is_number(value):
                    found[c] = cell.number_format
            if len(found) == len(wanted):
                break
    except _DAMAGED:
        return {}
    finally:
        book.close()
    return {c: fmt for c, fmt in found.items() if isinstance(fmt, str) and fmt != "General"}


def read_tabs_with_openpyxl(path: Path) -> dict[str, Grid]:
    """``read_tabs`` with openpyxl alone: the reference the fast path is compared with."""
    return _read_with_openpyxl(path)[0]


def _read_with_openpyxl(path: Path) -> tuple[dict[str, Grid], dict[str, dict[int, str]]]:
    workbook = load_workbook(path, read_only=True)
    try:
        read = {sheet.title: _cells(sheet.iter_rows(values_only=True), _cell_in) for sheet in workbook.worksheets}
    finally:
        workbook.close()
    return {title: grid for title, (grid, _) in read.items()}, {title: kept for title, (_, kept) in read.items()}


def _cells(rows: Iterable[Sequence[object]], cell: Callable[[object], Cell]) -> tuple[Grid, dict[int, str]]:
    """A reader's rows as cells (``cell``), and the columns below the header that held a
    date, a time or a duration, with their ``_KEPT_FORMATS`` format (the first such cell's)."""
    grid: Grid = []
    kept: dict[int, str] = {}
    for r, row in enumerate(rows):
        if r:
            for c, value in enumerate(row):
                if c not in kept and isinstance(value, date | time | timedelta):
                    kept[c] = _kept_format(value)
        grid.append([cell(value) for value in row])
    return grid, kept


def _kept_format(value: date | time | timedelta) -> str:
    if isinstance(value, datetime) and value.time() == time():
        return _KEPT_FORMATS[date]  # a date typed without a time
    return _KEPT_FORMATS[datetime if isinstance(value, datetime) else type(value)]


#: In a worksheet's or the shared strings' XML, what calamine reads otherwise than openpyxl:
#: a formula (``<f>``: calamine gives its last value, rollcall has always read its text); an
#: error value (``t="e"``, a typed "#N/A": calamine gives a blank); a text of spaces only
#: without ``xml:space="preserve"`` (as openpyxl saves it: calamine gives a blank); a
#: negative number in a cell with a style (``s="3"``), which a date format is: calamine gives
#: a time of day, -0.5 as 12:00, and writing it back would change what the coordinator typed.
_STYLED_NEGATIVE = re.compile(rb"<(?:\w+:)?c\s[^>]*\bs=[\"'][1-9]\d*[\"'][^>]*>\s*<(?:\w+:)?v>-")
_OPENPYXL_ONLY = re.compile(rb"<(?:\w+:)?f[\s>/]|\st=[\"']e[\"']|<(?:\w+:)?t>\s+</|" + _STYLED_NEGATIVE.pattern)


#: What every match of ``_OPENPYXL_ONLY`` contains, found some fifty times faster (a scan for
#: the pattern's rarest letters): most workbooks hold none, and are not scanned again.
_MAYBE_OPENPYXL_ONLY = (
    re.compile(rb"f[\s>/]"),
    re.compile(rb"t>\s"),
    re.compile(rb"t=[\"']e"),
    re.compile(rb"v>-"),
)


def _needs_openpyxl(path: Path) -> bool:
    with zipfile.ZipFile(path) as package:
        for name in package.namelist():
            if name.endswith(".xml") and (name.startswith("xl/worksheets/") or name == "xl/sharedStrings.xml"):
                xml = package.read(name)
                if any(p.search(xml) for p in _MAYBE_OPENPYXL_ONLY) and _OPENPYXL_ONLY.search(xml):
                    return True
    return False


def _read_with_calamine(path: Path) -> tuple[dict[str, Grid], dict[str, dict[int, str]]]:
    """Raises ValueError on a workbook in which calamine finds no worksheet: Excel always keeps
    one, and a workbook whose list of tabs is lost (``xl/workbook.xml``) would otherwise read
    as empty and be written over, the coordinator's own tabs with it."""
    workbook = CalamineWorkbook.from_path(str(path))
    try:
        if not any(sheet.typ == SheetTypeEnum.WorkSheet for sheet in workbook.sheets_metadata):
            raise ValueError("no worksheet found")
        read = {
            sheet.name: _cells(workbook.get_sheet_by_name(sheet.name).to_python(skip_empty_area=False), _calamine_cell)
            for sheet in workbook.sheets_metadata
            if sheet.typ == SheetTypeEnum.WorkSheet
        }
    finally:
        workbook.close()
    return {title: grid for title, (grid, _) in read.items()}, {title: kept for title, (_, kept) in read.items()}


#: Below this, a whole number is written out in digits (XlsxWriter, Excel), so openpyxl reads
#: it as an int; above, in exponent form, read as a float.
_DIGITS_LIMIT = 1e16


def _calamine_cell(value: object) -> Cell:
    """A calamine value as openpyxl gives it: a blank as None (calamine: ""), a whole number as
    an int (calamine: a float), a date, time of day or duration as a serial number."""
    if isinstance(value, str):
        return value or None
    if isinstance(value, float) and value.is_integer() and abs(value) < _DIGITS_LIMIT:
        return int(value)
    return _cell_in(value)


def read_roster(path: Path) -> Grid:
    """The roster tab as a grid ([] when there is no workbook yet)."""
    return read_tabs(path).get(ROSTER_TAB, [])


def write_roster(
    path: Path,
    grid: Grid,
    *,
    changes: Grid | None,
    summary: Grid,
    layouts: Mapping[str, TabLayout],
    sign_in: Grid | None = None,
    to_complete: Grid | None = None,
    kept: Sequence[CoordinatorTab] = (),
    staged: bool = False,
    by_cells: bool = False,
) -> Path | None:
    """Replace the workbook with these tabs (``changes`` None: no ``Nouveautés``; the caller
    passes the previous one, as read, to keep it). ``staged``: written beside it and left
    there, its path returned, for the caller to store what it holds first and then
    ``publish`` it. Every tab written is laid out as
    ``layouts`` says, by tab name, and to be read and printed as it is (``_Tab``): header
    frozen and repeated on each page, A4 landscape one page wide. ``kept``: the tabs a
    coordinator added (``read_coordinator_tabs``), written back after rollcall's.

    Written with XlsxWriter rather than openpyxl: it shares one format object per style, where
    openpyxl builds and styles a cell object at a time; a site of 8,000 registrants is written
    about five times faster. openpyxl still reads. Not in ``constant_memory`` mode: its inline
    strings take openpyxl twice as long to read back as a shared string table. ``by_cells``:
    rollcall's tabs written a cell at a time through XlsxWriter's cell API, the reference the
    rows rendered whole (``connectors.xlsx_rows``) are tested against.
    """
    return _save_atomically(
        path,
        [
            (ROSTER_TAB, grid),
            (SIGN_IN_TAB, sign_in),
            (TO_COMPLETE_TAB, to_complete),
            (CHANGES_TAB, changes),
            (SUMMARY_TAB, summary),
        ],
        layouts,
        kept,
        staged,
        by_cells,
    )


def publish(staged: Path, path: Path) -> None:
    """A workbook ``write_roster(..., staged=True)`` wrote put in place (one rename). Refused
    (the workbook open in Excel on a shared drive, no right to write in its folder), the
    error says so and what to do; the staged file is the caller's to discard."""
    try:
        os.replace(staged, path)
    except OSError as exc:
        raise OSError(
            f"{path.name} could not be replaced ({exc.strerror or type(exc).__name__}): close it if it is "
            f"open (Excel locks it) and check that rollcall may write in {path.parent}, then rerun the "
            "sync; until then it keeps its previous version"
        ) from exc


def discard(staged: Path) -> None:
    """A staged workbook that will not be published: it holds people's data."""
    staged.unlink(missing_ok=True)


def _write_tabs(
    workbook: xlsxwriter.Workbook,
    tabs: list[tuple[str, Grid | None]],
    layouts: Mapping[str, TabLayout],
    kept: Sequence[CoordinatorTab] = (),
    by_cells: bool = False,
) -> None:
    """rollcall's tabs, then the coordinator's. ``by_cells``: each cell through XlsxWriter's
    cell API (``_Tab._write``), the reference ``RowSheet``'s rows are tested against."""
    formats = _Formats(workbook)
    for title, grid in tabs:
        if title == ROSTER_TAB or grid:
            sheet = workbook.add_worksheet(title, Worksheet if by_cells else RowSheet)
            _Tab(sheet, grid or [], formats, layouts[title]).write()
    for tab in kept:
        _write_coordinator_tab(_add_worksheet(workbook, tab.title), tab, formats)


def _add_worksheet(workbook: xlsxwriter.Workbook, title: str) -> Worksheet:
    """A coordinator's tab under its title, or, when Excel's rules refuse it (a name of ours
    in other letter case, over 31 characters), under the nearest one they accept: the tab
    keeps its content whatever its name."""
    try:
        return workbook.add_worksheet(title)
    except XlsxInputError:
        base = re.sub(r"[\[\]:*?/\\]", " ", title).strip("' ")[:26] or "Onglet"
        for n in range(2, 1000):
            try:
                return workbook.add_worksheet(f"{base} ({n})")
            except XlsxInputError:
                continue
        raise


@dataclass(frozen=True)
class CoordinatorTab:
    """A tab a coordinator added to their roster workbook ("Mes notes", a copy of the
    roster), as typed: its values, and which cells hold a formula (``formulas``, by row and
    column; the value is the formula's text). rollcall writes its own tabs from scratch and
    these back after them, values and formulas: a push never drops a coordinator's tab (its
    formatting, charts and images are not kept)."""

    title: str
    rows: list[list[object]]
    formulas: frozenset[tuple[int, int]] = frozenset()

    @property
    def grid(self) -> Grid:
        """Its values as rollcall compares cells: dates as serial numbers."""
        return [[_cell_in(value) for value in row] for row in self.rows]

    def without_rows(self, rows: Collection[int]) -> CoordinatorTab:
        """The tab with these rows (0-based) deleted, those below moving up."""
        gone = set(rows)
        kept = [row for r, row in enumerate(self.rows) if r not in gone]
        moved = {old: new for new, old in enumerate(r for r in range(len(self.rows)) if r not in gone)}
        return CoordinatorTab(self.title, kept, frozenset((moved[r], c) for r, c in self.formulas if r in moved))


def read_coordinator_tabs(path: Path, titles: Collection[str]) -> list[CoordinatorTab]:
    """These worksheets of the workbook, in its order, with their formulas as formulas.

    Read with openpyxl, which tells a formula (``data_type`` "f") from a text that begins with
    "=": a registrant named ``=IMPORTXML(...)`` pasted into a coordinator's tab stays text."""
    try:
        return _coordinator_tabs(path, titles)
    except _DAMAGED as error:
        raise _unreadable(path, error) from error


def _coordinator_tabs(path: Path, titles: Collection[str]) -> list[CoordinatorTab]:
    workbook = load_workbook(path, read_only=True)
    try:
        tabs = []
        for sheet in workbook.worksheets:
            if sheet.title not in titles:
                continue
            rows: list[list[object]] = []
            formulas = set()
            for r, row in enumerate(sheet.iter_rows()):
                values: list[object] = []
                for c, cell in enumerate(row):
                    value: object = cell.value
                    if getattr(cell, "data_type", None) == "f":
                        formulas.add((r, c))
                        value = value if isinstance(value, str) else getattr(value, "text", str(value))
                    values.append(value)
                rows.append(values)
            tabs.append(CoordinatorTab(sheet.title, rows, frozenset(formulas)))
        return tabs
    finally:
        workbook.close()


#: How a coordinator's dates and times are shown once written back.
_KEPT_FORMATS = {datetime: "dd/mm/yyyy hh:mm", date: "dd/mm/yyyy", time: "hh:mm", timedelta: "[h]:mm"}


def _write_coordinator_tab(sheet: Worksheet, tab: CoordinatorTab, formats: _Formats) -> None:
    """Values typed, formulas as formulas, never a text turned into a formula or a number."""
    for r, row in enumerate(tab.rows):
        for c, value in enumerate(row):
            if value is None or value == "":
                continue
            if (r, c) in tab.formulas:
                sheet.write_formula(r, c, str(value))
            elif isinstance(value, bool):
                sheet.write_boolean(r, c, value)
            elif isinstance(value, int | float):
                sheet.write_number(r, c, value)
            elif isinstance(value, datetime) and value.time() == time():
                sheet.write_datetime(r, c, value, formats(num_format=_KEPT_FORMATS[date]))
            elif isinstance(value, datetime | date | time | timedelta):
                sheet.write_datetime(r, c, value, formats(num_format=_KEPT_FORMATS[type(value)]))
            else:
                sheet.write_string(r, c, str(value))


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
    """One tab's cells, styled as its ``TabLayout`` says. Text stays text: a registrant called
    ``=HYPERLINK(...)`` is written as a string, never a formula. Dates are spreadsheet serial
    numbers, written as dates in date columns; greyed rows are grey and struck through; a
    checkbox column takes only VRAI/FAUX; boxed rows are tall and outlined, to sign in."""

    def __init__(self, sheet: Worksheet, grid: Grid, formats: _Formats, layout: TabLayout) -> None:
        self.sheet, self.grid, self.formats, self.layout = sheet, grid, formats, layout
        self.width = max((len(r) for r in grid), default=0)
        # (header, greyed, column, date) -> format: a tab has a few dozen, its cells millions
        self._cell_formats: dict[tuple[bool, bool, int, bool], Format | None] = {}
        self._row_kinds: dict[tuple[bool, bool], tuple[list[Format | None], list[Format | None]]] = {}
        self._kept_formats = dict(layout.kept_formats)

    def write(self) -> None:
        """Row by row, each cell as ``_write`` would, with the row's formats looked up once
        (``_row_formats``), each row rendered at once by a ``RowSheet``: a large site's
        roster and sign-in tabs are 300,000 cells, which XlsxWriter's cell API makes three
        quarters of a push's time."""
        if not self.grid:
            return
        self._lay_out()
        sheet, width, layout = self.sheet, self.width, self.layout
        dates, percent_row = layout.date_columns, (layout.percent_cell or (-1, -1))[0]
        for r, row in enumerate(self.grid):
            greyed = r in layout.greyed_rows
            if layout.boxed and r:
                sheet.set_row(r, SIGN_IN_ROW_HEIGHT)
            if r == percent_row:  # the one row with a cell of its own format
                plain = [self._format(r, c, greyed) for c in range(width)]
                dated = [self._format(r, c, greyed, date=True) if c in dates else None for c in range(width)]
            else:
                plain, dated = self._row_formats(r == 0, greyed)
            if isinstance(sheet, RowSheet):  # as ``_write`` writes each cell: tested so
                sheet.add_row(r, row, plain, dated if r else None, styled_blanks=r > 0)
            else:
                for c in range(width):
                    self._write(r, c, row[c] if c < len(row) else None, greyed)

    def _row_formats(self, header: bool, greyed: bool) -> tuple[list[Format | None], list[Format | None]]:
        """Each column's format in a row of this kind, and in a date column its date format."""
        key, dates = (header, greyed), self.layout.date_columns
        if key not in self._row_kinds:
            self._row_kinds[key] = (
                [self._column_format(header, greyed, c, False) for c in range(self.width)],
                [self._column_format(header, greyed, c, True) if c in dates else None for c in range(self.width)],
            )
        return self._row_kinds[key]

    def _lay_out(self) -> None:
        sheet, layout = self.sheet, self.layout
        for c, width in enumerate(layout.widths):
            sheet.set_column(c, c, width + 1)
        sheet.freeze_panes(1, layout.frozen_columns)
        sheet.repeat_rows(0)
        sheet.set_landscape()
        sheet.set_paper(A4)
        sheet.fit_to_pages(1, 0)
        sheet.hide_gridlines(0)  # none hidden: printed too
        if layout.checkbox_column is not None:
            sheet.data_validation(
                1,
                layout.checkbox_column,
                max(len(self.grid), 2) + 500 - 1,
                layout.checkbox_column,
                {"validate": "list", "source": ["TRUE", "FALSE"], "ignore_blank": True},
            )

    def _format(self, r: int, c: int, greyed: bool, date: bool = False) -> Format | None:
        if (r, c) == self.layout.percent_cell:
            return self.formats(**self._style(r == 0, c, greyed, date, percent=True))
        return self._column_format(r == 0, greyed, c, date)

    def _column_format(self, header: bool, greyed: bool, c: int, date: bool) -> Format | None:
        """The format of column ``c`` in a row of this kind (any cell but the percent one)."""
        key = (header, greyed, c, date)
        if key not in self._cell_formats:
            self._cell_formats[key] = self.formats(**self._style(header, c, greyed, date))
        return self._cell_formats[key]

    def _style(self, header: bool, c: int, greyed: bool, date: bool, percent: bool = False) -> dict[str, object]:
        layout = self.layout
        style: dict[str, object] = {}
        if header:
            style["bold"] = True
            return style
        if greyed:
            style.update(font_color="#" + GREY, font_strikeout=True)
        if c in layout.wrapped_columns:
            style.update(text_wrap=True, valign="top")
        if layout.boxed:
            style.update(border=1, valign="vcenter")
        if c in self._kept_formats:  # a coordinator's column of dates, times or durations
            style["num_format"] = self._kept_formats[c]
        if percent:
            style["num_format"] = PERCENT_FORMAT
        if date:
            style["num_format"] = DATE_FORMAT
        return style

    def _write(self, r: int, c: int, value: Cell, greyed: bool) -> None:
        if value is None or value == "":
            fmt = self._format(r, c, greyed) if r else None
            if fmt is not None:  # a styled empty cell: greyed rows and sign-in boxes are whole
                self.sheet.write_blank(r, c, None, fmt)
        elif isinstance(value, bool):
            self.sheet.write_boolean(r, c, value, self._format(r, c, greyed))
        elif isinstance(value, int | float) and r and c in self.layout.date_columns:
            # the serial as it is, in a date format: what Excel stores for a date. Not made a
            # datetime first: a number a coordinator typed there that no date can be
            # (99999999) stays as typed (Excel shows ####) instead of failing the push
            self.sheet.write_number(r, c, value, self._format(r, c, greyed, date=True))
        elif isinstance(value, int | float):
            self.sheet.write_number(r, c, value, self._format(r, c, greyed))
        else:
            self.sheet.write_string(r, c, str(value), self._format(r, c, greyed))


def _cell_in(value: object) -> Cell:
    """A date, time of day or duration as its serial number (days; a time, the day's
    fraction), as a spreadsheet stores it; any other value as it is. A time or a duration
    left as such is no cell: it cannot be stored as a row's state (JSON), and was written
    back as text ("14:30:00")."""
    if isinstance(value, datetime):
        return to_serial(value)
    if isinstance(value, date):
        return to_serial(datetime.combine(value, time()))
    if isinstance(value, time):
        return (value.hour * 3600 + value.minute * 60 + value.second + value.microsecond / 1e6) / 86400
    if isinstance(value, timedelta):
        return value.total_seconds() / 86400
    return value  # type: ignore[return-value]


def _save_atomically(
    path: Path,
    tabs: list[tuple[str, Grid | None]],
    layouts: Mapping[str, TabLayout],
    kept: Sequence[CoordinatorTab] = (),
    staged: bool = False,
    by_cells: bool = False,
) -> Path | None:
    """Written beside the target then renamed over it (``staged``: left beside it, its path
    returned). A process killed mid-save leaves a
    ``.part`` file, never a broken ``.xlsx``; the next save of the same workbook clears it.
    Each workbook's own leftovers only (``.<name>.<pid>.part``): other sites' workbooks may be
    being written by other processes at the same time (``flows.workbook_writer``)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    for stale in (*path.parent.glob(glob.escape(f".{path.name}.") + "*.part"), *path.parent.glob(".roster-*.part")):
        stale.unlink(missing_ok=True)  # .roster-*.part: as saves named them before 6 December 2026
    tmp_name = str(path.with_name(f".{path.name}.{os.getpid()}.part"))
    os.close(os.open(tmp_name, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600))  # as mkstemp: only its owner reads it
    os.chmod(tmp_name, 0o600)  # a leftover of the same name keeps its mode otherwise
    left = False  # the staged file, for the caller
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
            _write_tabs(workbook, tabs, layouts, kept, by_cells)
        finally:
            workbook.close()
        if staged:
            left = True
            return Path(tmp_name)
        os.replace(tmp_name, path)
        return None
    finally:
        if not left and os.path.exists(tmp_name):
            os.unlink(tmp_name)
