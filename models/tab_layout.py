"""How one tab of a roster is laid out: decided in pure code (``transforms.roster_layout``),
handed by the flow to a roster target (``connectors.google_sheets``, ``connectors.roster_files``)
with the tab's grid. The connector turns it into Sheets requests or workbook styles and
decides nothing: a column is a date column because the record says so, not because of its
header.

Columns and rows are 0-based indexes into the tab's grid; the header is row 0. Each target
applies what it can show: a workbook has no protected ranges nor text formats and greys rows
as they are (``greyed_rows``); a Google sheet greys them by a rule (``greyed_rule``), which
follows the rows as coordinators sort and edit them.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class GreyedRule:
    """Every row, now and to come, whose cell in ``column`` holds one of ``statuses`` is grey
    and struck (a Google sheet's conditional formats, one per status, in this order)."""

    column: int
    statuses: tuple[str, ...]


@dataclass(frozen=True)
class TabLayout:
    """One tab's widths, frozen columns, column formats and highlighted rows and cells."""

    #: Each column's width, in characters.
    widths: tuple[int, ...] = ()
    #: Columns kept on screen while scrolling, counted from the left (the header row always is).
    frozen_columns: int = 0
    #: Serial numbers shown as date and time.
    date_columns: frozenset[int] = frozenset()
    #: Plain text: what a coordinator types stays as typed ("08/10" does not become a date).
    text_columns: frozenset[int] = frozenset()
    #: Long text wrapped rather than cut.
    wrapped_columns: frozenset[int] = frozenset()
    #: Takes only TRUE or FALSE (a checkbox).
    checkbox_column: int | None = None
    #: Filled by rollcall: editing one warns (set when the tab is created).
    protected_columns: frozenset[int] = frozenset()
    #: Rows shown grey and struck, as they are now.
    greyed_rows: frozenset[int] = frozenset()
    #: Rows shown grey and struck by a rule on their content, as they change.
    greyed_rule: GreyedRule | None = None
    #: Rows tall and outlined, to sign in.
    boxed: bool = False
    #: (row, column) of a number shown as a percentage.
    percent_cell: tuple[int, int] | None = None
    #: (column, number format) of a coordinator's columns of dates, times or durations, as
    #: read: written back shown so, not as serial numbers.
    kept_formats: tuple[tuple[int, str], ...] = ()
