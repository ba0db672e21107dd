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

from rollcall.models.errors import RollcallError


class ReviewWorkbookError(RollcallError):
    """The workbook cannot be read or written; the message names it and says what to do."""


def read(path: Path, title: str) -> tuple[list[str], list[list[Any]]] | None:
    """Headers and rows of the ``title`` sheet, or None when there is no workbook yet."""
    if not path.exists():
        return None
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (OSError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise ReviewWorkbookError(
            f"{path.name} cannot be read ({type(exc).__name__}); it was left as it is: "
            "close it in the spreadsheet program or delete it, then sync again"
        ) from None
    try:
        sheet = workbook[title] if title in workbook.sheetnames else workbook.worksheets[0]
        values = [list(row) for row in sheet.iter_rows(values_only=True)]
    finally:
        workbook.close()
    return ([str(h) if h is not None else "" for h in values[0]], values[1:]) if values else ([], [])


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
