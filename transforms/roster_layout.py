"""How a roster looks, decided for both targets (workbook and Google sheet). Pure.

Column widths follow what the cells show (an email is not cut, a date is not ``###``), the
names stay on screen while scrolling, and a cancelled or withdrawn row reads as such. Each
tab's decisions make one ``TabLayout`` (``sheet_layouts``, ``workbook_layouts``), which the
flow hands to the connector with the grid; the connector turns it into Sheets requests or
workbook styles.

The two targets find their columns a little differently, as they always have: a Google
roster matches ``Présent`` and the pipeline's columns by the exact header cell, and formats
only the first of identical header cells; a workbook compares header names stripped, the way
the merge reads them, and wraps every column of a wrapped name, on every tab.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from rollcall.models.cells import Cell
from rollcall.models.records import CANCELLED
from rollcall.models.roster_tabs import ROSTER_TAB, SIGN_IN_TAB, SUMMARY_TAB
from rollcall.models.tab_layout import GreyedRule, TabLayout
from rollcall.transforms.sheet_roster import (
    CALLED_HEADER,
    CONFLICT_HEADER,
    DATE_HEADER,
    NAME_HEADERS,
    NOTES_HEADER,
    PIPELINE_OWNED,
    PRESENT_HEADER,
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
#: Coordinator columns kept as typed in a Google roster: plain text, so "08/10" typed in
#: Appelé stays "08/10" instead of becoming a date (a serial number once read back).
TEXT_HEADERS = frozenset({CALLED_HEADER, NOTES_HEADER})
#: Columns of a Google roster protected with a warning only (when the tab is created): the
#: pipeline's own.
PROTECTED_HEADERS = PIPELINE_OWNED


def sheet_layouts(tabs: Mapping[str, Sequence[Sequence[Cell]] | None]) -> dict[str, TabLayout]:
    """The layout of each tab of a Google roster given (``models.roster_tabs`` names)."""
    return {role: sheet_layout(role, grid) for role, grid in tabs.items() if grid is not None}


def workbook_layouts(
    tabs: Mapping[str, Sequence[Sequence[Cell]] | None], formats: Mapping[str, str] | None = None
) -> dict[str, TabLayout]:
    """The layout of each tab of a roster workbook given (``models.roster_tabs`` names).
    ``formats``: the number format of the roster tab's columns, by header, that held dates,
    times or durations when read (a coordinator's own columns)."""
    return {role: workbook_layout(role, grid, formats or {}) for role, grid in tabs.items() if grid is not None}


def sheet_layout(role: str, grid: Sequence[Sequence[Cell]]) -> TabLayout:
    """A tab of a Google roster. ``Inscrits``: names frozen, the date as a date, Appelé and
    Notes as plain text, long texts wrapped, Présent a checkbox, the pipeline's columns
    protected, and a rule greying a row by its Statut, now and later. The other tabs: their
    widths, the sign-in rows boxed, the fill rate as a percentage."""
    if role != ROSTER_TAB:
        return _other_tab(role, grid, wrapped=frozenset())
    header = [str(v) for v in grid[0]] if grid else []
    names = [h.strip() for h in header]
    first = [i for i, h in enumerate(header) if header.index(h) == i]
    return TabLayout(
        widths=tuple(column_widths(grid)),
        frozen_columns=frozen_columns(grid),
        date_columns=frozenset(i for i in first if names[i] == DATE_HEADER),
        text_columns=frozenset(i for i in first if names[i] in TEXT_HEADERS),
        wrapped_columns=frozenset(i for i in first if names[i] in WRAPPED_HEADERS),
        checkbox_column=header.index(PRESENT_HEADER) if PRESENT_HEADER in header else None,
        protected_columns=frozenset(i for i, h in enumerate(header) if h in PROTECTED_HEADERS),
        greyed_rule=(
            GreyedRule(names.index(STATUS_HEADER), tuple(sorted(GREYED_STATUSES))) if STATUS_HEADER in names else None
        ),
    )


def workbook_layout(role: str, grid: Sequence[Sequence[Cell]], formats: Mapping[str, str] | None = None) -> TabLayout:
    """A tab of a roster workbook. ``Inscrits``: names frozen, the date as a date, cancelled
    and withdrawn rows greyed, Présent TRUE or FALSE, a coordinator's columns that held
    dates, times, durations or numbers in a format of theirs (``formats``, by header)
    shown so. Every tab: its widths, long texts wrapped; the sign-in rows boxed, the fill
    rate as a percentage."""
    formats = formats or {}
    names = [_text(h).strip() for h in grid[0]] if grid else []
    wrapped = frozenset(c for c, name in enumerate(names) if name in WRAPPED_HEADERS)
    if role != ROSTER_TAB:
        return _other_tab(role, grid, wrapped)
    dates = frozenset({names.index(DATE_HEADER)} if DATE_HEADER in names else ())
    kept = tuple(
        (c, formats[name])
        for c, name in enumerate(names)
        if name in formats and name not in PROTECTED_HEADERS and c not in dates
    )
    return TabLayout(
        # a column in a kept format is as wide as a date: a serial's digits do not widen it, a currency fits
        widths=tuple(column_widths(grid, (DATE_HEADER, *(names[c] for c, _ in kept)))),
        frozen_columns=frozen_columns(grid),
        date_columns=dates,
        wrapped_columns=wrapped,
        checkbox_column=names.index(PRESENT_HEADER) if PRESENT_HEADER in names else None,
        greyed_rows=frozenset(greyed_rows(grid)),
        kept_formats=kept,
    )


def _other_tab(role: str, grid: Sequence[Sequence[Cell]], wrapped: frozenset[int]) -> TabLayout:
    return TabLayout(
        widths=tuple(column_widths(grid, ())),
        wrapped_columns=wrapped,
        boxed=role == SIGN_IN_TAB,
        percent_cell=fill_rate_cell(grid) if role == SUMMARY_TAB else None,
    )


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
        shown = max(len(name) + 2, _longest(cells, name in date_headers))
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


def _longest(cells: Sequence[Cell], is_date: bool) -> int:
    """The longest ``_shown_length`` of a column's cells. A printable text (most of them)
    holds no line break: its length is its shown length, taken without a call per cell (a
    100,000-row campaign has some two million cells)."""
    printable = [v for v in cells if type(v) is str and v.isprintable()]
    others = [v for v in cells if type(v) is not str or not v.isprintable()]
    return max(max(map(len, printable), default=0), max((_shown_length(v, is_date) for v in others), default=0))


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
