"""The "Doublons à vérifier" workbook on disk: written by each sync, read back by the next.

I/O only (``transforms.review_sheet`` says what goes in it). Written whole to a temporary
file and renamed, owner-only: it holds names and contacts of every site.
"""

from __future__ import annotations

import os
import tempfile
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet
from python_calamine import CalamineError, CalamineWorkbook, SheetTypeEnum

from rollcall.models.errors import RollcallError


class ReviewWorkbookError(RollcallError):
    """The workbook cannot be read or written; the message names it and says what to do."""


def read(path: Path, title: str) -> tuple[list[str], list[list[Any]]] | None:
    """Headers and rows of the ``title`` sheet (or of the first one), or None when there is
    no workbook yet. Values as saved (a formula's last result), blanks as None, whole numbers
    as ints.

    Read with calamine (a Rust reader): openpyxl took a third of a second for a thousand pairs,
    and every sync reads the workbook twice. openpyxl reads what calamine cannot."""
    if not path.exists():
        return None
    try:
        values = _read_with_calamine(path, title)
    except (CalamineError, zipfile.BadZipFile, KeyError, ValueError, IndexError, OSError):
        values = _read_with_openpyxl(path, title)  # or its error, which says what to do
    return ([str(h) if h is not None else "" for h in values[0]], values[1:]) if values else ([], [])


def _read_with_calamine(path: Path, title: str) -> list[list[Any]]:
    workbook = CalamineWorkbook.from_path(str(path))
    try:
        names = [s.name for s in workbook.sheets_metadata if s.typ == SheetTypeEnum.WorkSheet]
        sheet = workbook.get_sheet_by_name(title if title in names else names[0])
        return [[_cell(v) for v in row] for row in sheet.to_python(skip_empty_area=False)]
    finally:
        workbook.close()


def _cell(value: Any) -> Any:
    """A calamine value as openpyxl gives it: a blank as None, a whole number as an int."""
    if value == "":
        return None
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _read_with_openpyxl(path: Path, title: str) -> list[list[Any]]:
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (OSError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise ReviewWorkbookError(
            f"{path.name} cannot be read ({type(exc).__name__}); it was left as it is: "
            "close it in the spreadsheet program or delete it, then sync again"
        ) from None
    try:
        sheet = workbook[title] if title in workbook.sheetnames else workbook.worksheets[0]
        return [list(row) for row in sheet.iter_rows(values_only=True)]
    finally:
        workbook.close()


def holds(
    found: tuple[list[str], list[list[Any]]] | None, headers: Sequence[str], rows: Sequence[Sequence[str]]
) -> bool:
    """Whether a workbook read back (``read``) already holds these headers and rows, blanks
    and trailing empty cells aside: then it need not be written again (a reviewer's column
    widths or colours stay as they are)."""
    if found is None:
        return False

    def cells(row: Sequence[Any]) -> list[str]:
        texts = ["" if v is None else str(v) for v in row]
        while texts and not texts[-1]:
            texts.pop()
        return texts

    read_rows = [cells(row) for row in found[1]]
    while read_rows and not read_rows[-1]:
        read_rows.pop()
    return cells(found[0]) == cells(headers) and read_rows == [cells(row) for row in rows]


def write(
    path: Path,
    title: str,
    headers: Sequence[str],
    rows: Sequence[Sequence[str]],
    choices: Sequence[str],
    decision_column: str,
    widths: dict[str, int],
) -> None:
    """Write the workbook: a frozen, filterable header, a drop-down of ``choices`` in the
    decision column, columns sized for reading."""
    workbook = Workbook()
    sheet = workbook.active
    assert isinstance(sheet, Worksheet)  # a new workbook's one sheet
    sheet.title = title
    sheet.append(list(headers))
    for row in rows:
        sheet.append(list(row))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    decision = get_column_letter(list(headers).index(decision_column) + 1)
    last = max(len(rows) + 1, 2)
    choice = DataValidation(
        type="list", formula1='"' + ",".join(choices) + '"', allow_blank=True, showErrorMessage=False
    )  # a typed variant ("oui") is still read
    choice.add(f"{decision}2:{decision}{last}")
    sheet.add_data_validation(choice)
    for index, header in enumerate(headers, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = widths.get(header, 16)
    for cell in sheet[decision][1:]:
        cell.fill = PatternFill("solid", fgColor="FFF2CC")
    sheet.freeze_panes = "D2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{last}"
    _save_private(workbook, path)


def _save_private(workbook: Workbook, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=".review-", suffix=".xlsx", dir=path.parent)
    os.close(handle)
    try:
        workbook.save(temporary)
        os.chmod(temporary, 0o600)
        os.replace(temporary, path)
    except OSError as exc:
        Path(temporary).unlink(missing_ok=True)
        raise ReviewWorkbookError(
            f"{path.name} cannot be written ({exc.strerror or type(exc).__name__}); "
            "the previous one is unchanged: close it in the spreadsheet program, "
            "then sync again"
        ) from None
