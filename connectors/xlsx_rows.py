"""A worksheet whose cells are written as XML text a row at a time, not a cell at a time.

XlsxWriter stores each cell as an object (``write_string``: checks, a tuple in a dict of
dicts) and turns each into XML when the workbook is saved (``_write_rows``: one call, a list
of attributes and their escaping per cell). For a 15,000-row roster and its sign-in tab,
300,000 cells, that is three quarters of a push's time in its worker. ``RowSheet`` is an
XlsxWriter worksheet (everything else, formats, columns, panes, validations and print
setup, is XlsxWriter's as before) whose rows are given whole (``add_row``) and rendered at
once to the XML XlsxWriter would write for them:

- a text: a shared string (``t="s"``, XlsxWriter's own table, so the workbook's strings
  stay one table), cut at Excel's 32,767 UTF-16 units as ``write_string`` does;
- a number: ``<v>`` as ``%.16G``; NaN and infinity refused with ``write_number``'s error;
- a boolean: ``t="b"``; an empty cell only when it has a format (``write_blank``);
- a row set taller (``set_row``) keeps its height, through XlsxWriter's own row tag.

What a workbook written so holds is compared, cell by cell and style by style, with the
same tabs written through XlsxWriter's cell API (``tests/connectors/test_xlsx_rows.py``).
This relies on three of XlsxWriter's internals (the shared string table, a format's XF
index, the worksheet's ``<sheetData>`` writer), hence the version bound in pyproject.toml.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from xlsxwriter.format import Format
from xlsxwriter.utility import xl_col_to_name
from xlsxwriter.worksheet import Worksheet

from rollcall.models.cells import Cell

#: Excel's longest text in a cell, in UTF-16 code units (XlsxWriter's ``xls_strmax``).
MAX_TEXT = 32767


class RowSheet(Worksheet):
    """An XlsxWriter worksheet written by whole rows (``add_row``), in increasing order, a
    row set taller (``set_row``) given too. Once it has rows, a cell written through
    XlsxWriter's own ``write_*`` methods fails the save rather than being lost. Made by
    ``workbook.add_worksheet(name, worksheet_class=RowSheet)``."""

    def __init__(self) -> None:
        super().__init__()
        self._rendered: list[tuple[int, str]] = []  # (row, its cells' XML)
        self._kinds: dict[tuple, list[tuple[str, str, str, str | None]]] = {}  # ``_columns``

    def add_row(
        self,
        r: int,
        values: Sequence[Cell],
        formats: Sequence[Format | None],
        date_formats: Sequence[Format | None] | None = None,
        styled_blanks: bool = True,
    ) -> None:
        """Row ``r`` (0-based), as many cells as ``formats``: ``values[c]`` in ``formats[c]``;
        a number in a column whose ``date_formats[c]`` is set takes that format instead (a
        date is its serial). An empty value ("" or None) is written only where a format is
        and ``styled_blanks`` (a greyed row is grey throughout, a header is not)."""
        columns = self._columns(formats, date_formats, styled_blanks)
        strings = self.str_table
        row = r + 1
        cells = []
        first = last = -1
        for c, (at, style, dated_style, blank) in enumerate(columns):
            value = values[c] if c < len(values) else None
            if value is None or value == "":
                if blank is None:
                    continue
                cells.append(f'{at}{row}"{blank}')
            elif value.__class__ is str:
                cells.append(f'{at}{row}"{style} t="s"><v>{strings._get_shared_string_index(_fitted(value))}</v></c>')
            elif isinstance(value, bool):
                cells.append(f'{at}{row}"{style} t="b"><v>{1 if value else 0}</v></c>')
            elif isinstance(value, int | float):
                if not math.isfinite(value):
                    raise TypeError(
                        "NAN/INF not supported in write_number() without 'nan_inf_to_errors' Workbook() option"
                    )
                cells.append(f'{at}{row}"{dated_style}><v>{value:.16G}</v></c>')
            else:
                index = strings._get_shared_string_index(_fitted(str(value)))
                cells.append(f'{at}{row}"{style} t="s"><v>{index}</v></c>')
            if first < 0:
                first = c
            last = c
        if cells:  # XlsxWriter's dimensions: the cells written (<dimension>)
            self._check_dimensions(r, first)
            self._check_dimensions(r, last)
            self._rendered.append((r, "".join(cells)))
        elif r in self.row_info:  # a row set taller, no cell: its height alone
            self._rendered.append((r, ""))

    def _columns(
        self, formats: Sequence[Format | None], date_formats: Sequence[Format | None] | None, styled_blanks: bool
    ) -> list[tuple[str, str, str, str | None]]:
        """Each column's cell opening (``<c r="B``), style attribute, style attribute for a
        number in a date column, and empty cell's ending (None: not written), for a row of
        these formats: a tab's rows are of a few kinds."""
        key = (tuple(formats), None if date_formats is None else tuple(date_formats), styled_blanks)
        made = self._kinds
        if key not in made:
            columns = []
            for c, fmt in enumerate(formats):
                dated = date_formats[c] if date_formats is not None and date_formats[c] is not None else fmt
                style = "" if fmt is None else f' s="{fmt._get_xf_index()}"'
                columns.append(
                    (
                        f'<c r="{xl_col_to_name(c)}',
                        style,
                        "" if dated is None else f' s="{dated._get_xf_index()}"',
                        f"{style}/>" if fmt is not None and styled_blanks else None,
                    )
                )
            made[key] = columns
        return made[key]

    def _write_sheet_data(self) -> None:
        rendered = self._rendered
        if any(self.table.values()):  # they would be lost: a mistake, not a workbook to save
            raise ValueError(f"{self.name}: cells written both whole rows at a time and one by one")
        if not rendered:
            self._xml_empty_tag("sheetData")
            return
        self._xml_start_tag("sheetData")
        write, info = self.fh.write, self.row_info
        for r, cells in rendered:
            if r in info:
                self._write_row(r, None, info[r], empty_row=not cells)
                if not cells:
                    continue
            else:
                write(f'<row r="{r + 1}">')
            write(cells)
            write("</row>")
        self._xml_end_tag("sheetData")


def _fitted(text: str) -> str:
    return _cut(text) if len(text) > MAX_TEXT // 2 else text


def _cut(text: str) -> str:
    """``text`` cut to ``MAX_TEXT`` UTF-16 units as XlsxWriter's ``write_string`` cuts it:
    a character above U+FFFF counts two and is never halved."""
    length = 0
    for index, char in enumerate(text):
        length += 2 if ord(char) > 0xFFFF else 1
        if length > MAX_TEXT:
            return text[:index]
    return text
