"""How a roster looks, decided once for both targets (workbook and Google sheet). Pure.

Column widths follow what the cells show (an email is not cut, a date is not ``###``), the
names stay on screen while scrolling, and a cancelled or withdrawn row reads as such. The
connectors turn these decisions into openpyxl styles or Sheets requests.
"""

from __future__ import annotations

from collections.abc import Sequence

from rollcall.models.cells import Cell
from rollcall.models.records import CANCELLED
from rollcall.transforms.sheet_roster import (
    CONFLICT_HEADER,
    DATE_HEADER,
    NAME_HEADERS,
    NOTES_HEADER,
    REMARKS_HEADER,
    STATUS_HEADER,
    STATUS_LABELS,
    WITHDRAWN_LABEL,
)

#: "08/10/2022 14:05", as a date cell shows.
DATE_WIDTH = 16
MIN_WIDTH, MAX_WIDTH = 6, 48
#: Free-text columns: wrapped at this width rather than widened for the longest note.
WRAPPED_HEADERS = frozenset({NOTES_HEADER, REMARKS_HEADER, CONFLICT_HEADER, "Ce qui manque", "Détail"})
WRAPPED_WIDTH = 36
#: Statuts shown greyed and struck: nobody is expected from these rows.
GREYED_STATUSES = frozenset({STATUS_LABELS[CANCELLED], WITHDRAWN_LABEL})
FILL_RATE_LABEL = "Taux de remplissage"
SIGNATURE_HEADER, SIGNATURE_WIDTH = "Signature", 40


def column_widths(grid: Sequence[Sequence[Cell]], date_headers: Sequence[str] = (DATE_HEADER,)) -> list[int]:
    """Each column's width in characters: its longest shown cell (header in bold counts a
    little wider), within ``MIN_WIDTH``..``MAX_WIDTH``; wrapped columns at most
    ``WRAPPED_WIDTH``; the signature box wide enough to sign in."""
    if not grid:
        return []
    header = [_text(h).strip() for h in grid[0]]
    width = max(len(r) for r in grid)
    header += [""] * (width - len(header))
    widths = []
    for c, name in enumerate(header):
        cells = [row[c] for row in grid[1:] if c < len(row)]
        shown = max([len(name) + 2, *(_shown_length(v, name in date_headers) for v in cells)])
        limit = WRAPPED_WIDTH if name in WRAPPED_HEADERS else MAX_WIDTH
        widths.append(SIGNATURE_WIDTH if name == SIGNATURE_HEADER else max(MIN_WIDTH, min(limit, shown + 1)))
    return widths


def frozen_columns(grid: Sequence[Sequence[Cell]]) -> int:
    """How many columns to freeze so the names stay on screen: up to the last of the name
    columns when they lead the tab (the layout rollcall writes), else none."""
    header = [_text(h).strip() for h in grid[0]] if grid else []
    found = [header.index(name) for name in NAME_HEADERS if name in header]
    last = max(found, default=-1) + 1
    return last if found and last <= len(NAME_HEADERS) + 1 else 0


def greyed_rows(grid: Sequence[Sequence[Cell]]) -> list[int]:
    """Rows (0-based, header is 0) whose Statut says nobody is expected."""
    header = [_text(h).strip() for h in grid[0]] if grid else []
    if STATUS_HEADER not in header:
        return []
    status = header.index(STATUS_HEADER)
    return [i for i, row in enumerate(grid) if i and status < len(row) and _text(row[status]) in GREYED_STATUSES]


def fill_rate_cell(summary: Sequence[Sequence[Cell]]) -> tuple[int, int] | None:
    """(row, column) of the fill rate in ``Résumé``, shown as a percentage."""
    for r, row in enumerate(summary):
        if row and row[0] == FILL_RATE_LABEL and len(row) > 1 and isinstance(row[1], int | float):
            return r, 1
    return None


def _shown_length(value: Cell, is_date: bool) -> int:
    if value is None or value == "":
        return 0
    if isinstance(value, bool):
        return 5  # "FALSE"
    if is_date and isinstance(value, int | float):
        return DATE_WIDTH
    return max(len(line) for line in _text(value).splitlines() or [""])


def _text(value: Cell) -> str:
    return "" if value is None else str(value)
