"""A spreadsheet cell as rollcall reads and writes it, and when two are the same.

One definition for the roster merge (``transforms.sheet_roster``) and both roster targets
(``connectors.google_sheets``, ``connectors.roster_files``): what the merge calls unchanged,
the connectors must not rewrite, and the other way round.
"""

from __future__ import annotations

Cell = str | int | float | bool | None
Grid = list[list[Cell]]


def same_cell(a: Cell, b: Cell) -> bool:
    """Equal as a sheet shows them: blanks alike, numbers to a millionth, bool not a number."""
    if a in (None, "") and b in (None, ""):
        return True
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return abs(a - b) < 1e-6
    return a == b
