"""A spreadsheet cell as rollcall reads and writes it, and when two are the same.

One definition for the roster merge (``transforms.sheet_roster``) and both roster targets
(``connectors.google_sheets``, ``connectors.roster_files``): what the merge calls unchanged,
the connectors must not rewrite, and the other way round. A date in a cell is a spreadsheet
serial number (``to_serial``), as the Sheets API reads and writes it; a workbook's dates are
converted on the way in and out.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TypeGuard

Cell = str | int | float | bool | None
Grid = list[list[Cell]]

_SERIAL_EPOCH = datetime(1899, 12, 30)


def same_cell(a: Cell, b: Cell) -> bool:
    """Equal as a sheet shows them: blanks alike, numbers to a millionth, bool not a number."""
    if type(a) is type(b) and a == b:  # the common case, first (a cell holds no NaN)
        return True
    if a in (None, "") and b in (None, ""):
        return True
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return abs(a - b) < 1e-6
    return a == b


def is_number(value: object) -> TypeGuard[int | float]:
    """A cell holding a number: a bool is TRUE or FALSE in a sheet, not 1 or 0."""
    return isinstance(value, int | float) and not isinstance(value, bool)


def to_serial(moment: datetime) -> float:
    """A naive local datetime as a spreadsheet serial number (days since 1899-12-30)."""
    return (moment.replace(tzinfo=None) - _SERIAL_EPOCH).total_seconds() / 86400


def from_serial(serial: float) -> datetime:
    """The inverse of ``to_serial``, to the second."""
    return _SERIAL_EPOCH + timedelta(seconds=round(serial * 86400))
