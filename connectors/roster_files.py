"""Local roster workbooks (XLSX): the roster target for a coordinator without Google.

Writes are atomic (a temporary file renamed over the old one), so a crash never leaves a
half-written workbook, and skipped when the content is unchanged, so a rerun touches nothing.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

ROSTER_SHEET = "Inscrits"
DATE_FORMAT = "dd/mm/yyyy hh:mm"

Cell = str | datetime | None


def read_roster(path: Path) -> list[tuple[Cell, ...]] | None:
    """The header and data rows of a roster workbook, or None if there is none."""
    if not path.exists():
        return None
    workbook = load_workbook(path, read_only=True)
    try:
        if ROSTER_SHEET not in workbook.sheetnames:
            return None
        return [tuple(row) for row in workbook[ROSTER_SHEET].iter_rows(values_only=True)]
    finally:
        workbook.close()


def write_roster(path: Path, headers: Sequence[str], rows: Sequence[Sequence[Cell]]) -> bool:
    """Write the roster unless the workbook already holds exactly these rows.

    Returns True when the file was (re)written.
    """
    wanted = [tuple(headers), *(tuple(_blank_to_none(v) for v in row) for row in rows)]
    if read_roster(path) == wanted:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook = _build_workbook(headers, rows)
    fd, tmp_name = tempfile.mkstemp(prefix=".roster-", suffix=".xlsx", dir=path.parent)
    os.close(fd)
    try:
        workbook.save(tmp_name)
        os.replace(tmp_name, path)
    finally:
        if os.path.exists(tmp_name):
            os.unlink(tmp_name)
    return True


def _blank_to_none(value: Cell) -> Cell:
    """XLSX does not store empty strings: they read back as None."""
    return None if value == "" else value


def _build_workbook(headers: Sequence[str], rows: Sequence[Sequence[Cell]]) -> Workbook:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = ROSTER_SHEET
    sheet.append(list(headers))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row_number, row in enumerate(rows, start=2):
        for column, value in enumerate(row, start=1):
            _set_cell(sheet.cell(row=row_number, column=column), value)
    sheet.freeze_panes = "A2"
    for column, header in enumerate(headers, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = max(12, len(header) + 4)
    return workbook


def _set_cell(cell, value: Cell) -> None:
    """Text stays text: a registrant called ``=HYPERLINK(...)`` is never a formula."""
    if value is None or value == "":
        return
    cell.value = value
    if isinstance(value, datetime):
        cell.number_format = DATE_FORMAT
    else:
        cell.data_type = "s"
