"""A roster workbook's rows rendered whole (``connectors.xlsx_rows.RowSheet``) hold what
XlsxWriter's cell API writes for the same tabs: every cell's value, type and style, every
row's height, every tab's columns, panes, validations and print setup, as openpyxl and
calamine read them back."""

from __future__ import annotations

import math
import zipfile
from pathlib import Path

import pytest
import xlsxwriter
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from rollcall.connectors import roster_files
from rollcall.connectors.xlsx_rows import MAX_TEXT, RowSheet
from rollcall.models.cells import Grid
from rollcall.models.roster_tabs import CHANGES_TAB, ROSTER_TAB, SIGN_IN_TAB, SUMMARY_TAB, TO_COMPLETE_TAB
from rollcall.models.tab_layout import TabLayout

TABS = (ROSTER_TAB, SIGN_IN_TAB, TO_COMPLETE_TAB, CHANGES_TAB, SUMMARY_TAB)
#: openpyxl warns on reading a number no date can be in a date cell; both writers write it
pytestmark = pytest.mark.filterwarnings("ignore:Cell .* is marked as a date:UserWarning")


def write_both(tmp_path: Path, tabs: dict[str, Grid], layouts: dict[str, TabLayout]) -> tuple[Path, Path]:
    """The same tabs written by rows (as every push) and by cells (the reference)."""
    paths = []
    for by_cells in (False, True):
        path = tmp_path / f"{'cells' if by_cells else 'rows'}.xlsx"
        roster_files.write_roster(
            path,
            tabs[ROSTER_TAB],
            changes=tabs.get(CHANGES_TAB),
            summary=tabs.get(SUMMARY_TAB, []),
            layouts=layouts,
            sign_in=tabs.get(SIGN_IN_TAB),
            to_complete=tabs.get(TO_COMPLETE_TAB),
            kept=[roster_files.CoordinatorTab("Mes notes", [["R00001", "rappeler", 3]])],
            by_cells=by_cells,
        )
        paths.append(path)
    return paths[0], paths[1]


def workbook_content(path: Path) -> dict[str, object]:
    """What a reader sees of every tab: cells with their style, rows, columns, setup."""
    book = load_workbook(path)
    seen: dict[str, object] = {"titles": book.sheetnames}
    for sheet in book.worksheets:
        cells = [
            (
                cell.coordinate,
                cell.value,
                cell.data_type,
                cell.number_format,
                (cell.font.b, cell.font.strike, cell.font.color.rgb if cell.font.color else None),
                (cell.alignment.wrap_text, cell.alignment.vertical, cell.alignment.horizontal),
                tuple(getattr(cell.border, side).style for side in ("left", "right", "top", "bottom")),
                cell.fill.fgColor.rgb,
            )
            for row in sheet.iter_rows()
            for cell in row
            if cell.value is not None or cell.has_style
        ]
        seen[sheet.title] = {
            "cells": cells,
            "dimensions": sheet.dimensions,
            "heights": {r: d.height for r, d in sheet.row_dimensions.items() if d.height is not None},
            "widths": {c: d.width for c, d in sheet.column_dimensions.items()},
            "panes": sheet.freeze_panes,
            "titles": sheet.print_title_rows,
            "setup": (sheet.page_setup.orientation, sheet.page_setup.paperSize, sheet.page_setup.fitToHeight),
            "validations": [(str(v.sqref), v.formula1, v.type) for v in sheet.data_validations.dataValidation],
        }
    return seen


def assert_same_workbook(rows: Path, cells: Path) -> None:
    assert workbook_content(rows) == workbook_content(cells)
    assert roster_files.read_tabs(rows) == roster_files.read_tabs(cells)
    assert roster_files.read_tabs_with_openpyxl(rows) == roster_files.read_tabs_with_openpyxl(cells)


ROSTER = [
    ["Réf. inscription", "Nom", "Prénom", "Inscrit le", "Statut", "Présent", "Remarques"],
    ["R00001", "Diallo", "Awa", 44833.42, "Inscrit", True, "vient le matin\nseulement"],
    ["R00002", "Martin", "Léo", 44834.5, "Annulé", None, ""],
    ["R00003", " Nguyen ", "<b>&amp;", "", "Inscrit", False, "_x0041_ et \x07 cloche"],
    ["R00004", '=HYPERLINK("x")', "Émile 🙂", 99999999, "Inscrit", "", 12],
    ["R00005"],
]
LAYOUTS = {
    ROSTER_TAB: TabLayout(
        widths=(10, 12, 12, 16, 8, 8, 30),
        frozen_columns=3,
        date_columns=frozenset({3}),
        wrapped_columns=frozenset({6}),
        greyed_rows=frozenset({2}),
        checkbox_column=5,
    ),
    SIGN_IN_TAB: TabLayout(widths=(10, 20, 20), boxed=True),
    SUMMARY_TAB: TabLayout(widths=(20, 10), percent_cell=(2, 1)),
    CHANGES_TAB: TabLayout(widths=(10, 30), date_columns=frozenset({0})),
    TO_COMPLETE_TAB: TabLayout(widths=(10, 30)),
}
OWNED = {
    SIGN_IN_TAB: [["Réf.", "Nom", "Signature"], ["R00001", "Diallo", ""], ["R00003", "Nguyen", None], []],
    SUMMARY_TAB: [["Site", "Lille"], ["Inscrits", 3], ["Taux de remplissage", 0.375], ["Capacité", ""]],
    CHANGES_TAB: [["Date", "Changement"], [44833.0, "R00004 ajouté"], ["", "R00002 annulé"]],
    TO_COMPLETE_TAB: [["Source", "Ce qui manque"], ["Tally", "le site"]],
}


def test_a_roster_of_every_kind_of_cell_reads_the_same_written_by_rows(tmp_path: Path) -> None:
    rows, cells = write_both(tmp_path, {ROSTER_TAB: ROSTER, **OWNED}, LAYOUTS)
    assert_same_workbook(rows, cells)
    # the two really were written differently: XlsxWriter's rows name their span of columns
    sheets = [zipfile.ZipFile(path).read("xl/worksheets/sheet1.xml") for path in (rows, cells)]
    assert b"spans=" not in sheets[0] and b"spans=" in sheets[1]
    assert roster_files.read_tabs(rows)[ROSTER_TAB][3][1] == " Nguyen "


def test_a_text_over_excels_limit_is_cut_as_xlsxwriter_cuts_it(tmp_path: Path) -> None:
    astral_at_the_limit = "a" * (MAX_TEXT - 1) + "🙂" + "b"  # the emoji would straddle the limit
    roster = [["Réf.", "Remarques"], ["R00001", "x" * (MAX_TEXT + 10)], ["R00002", astral_at_the_limit]]
    rows, cells = write_both(tmp_path, {ROSTER_TAB: roster}, {ROSTER_TAB: TabLayout(widths=(10, 30))})
    assert_same_workbook(rows, cells)
    read = roster_files.read_tabs(rows)[ROSTER_TAB]
    assert len(read[1][1]) == MAX_TEXT and read[2][1] == "a" * (MAX_TEXT - 1)


@pytest.mark.parametrize("number", [math.nan, math.inf])
def test_a_number_that_is_not_one_fails_as_it_does_cell_by_cell(tmp_path: Path, number: float) -> None:
    roster = [["Réf.", "Âge"], ["R00001", number]]
    for by_cells in (False, True):
        with pytest.raises(TypeError, match="NAN/INF"):
            roster_files.write_roster(
                tmp_path / f"{by_cells}.xlsx",
                roster,
                changes=None,
                summary=[],
                layouts={ROSTER_TAB: TabLayout(widths=(10, 10))},
                by_cells=by_cells,
            )


def test_a_cell_written_one_by_one_on_a_sheet_of_whole_rows_fails_the_save(tmp_path: Path) -> None:
    workbook = xlsxwriter.Workbook(str(tmp_path / "mixed.xlsx"))
    sheet = workbook.add_worksheet("Inscrits", RowSheet)
    sheet.add_row(0, ["Réf."], [None])
    sheet.write_string(1, 0, "R00001")
    with pytest.raises(ValueError, match="Inscrits: cells written both"):
        workbook.close()


TEXT = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=12) | st.sampled_from(
    ["", " ", "_x0009_", "a\r\nb", "\t lead", "trail ", "&<>\"'", "=SUM(A1)", "0612345678"]
)
#: Numbers as far as calamine reads them in a date column (past about -1e11 days it panics,
#: whoever wrote the cell: ``test_roster_read``)
NUMBER = st.integers(-(10**10), 10**12) | st.floats(-1e10, 1e12, allow_nan=False) | st.sampled_from([1e-300, 0.1 + 0.2])
VALUE = st.one_of(st.none(), TEXT, st.booleans(), NUMBER)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    grid=st.lists(st.lists(VALUE, max_size=6), min_size=1, max_size=8),
    greyed=st.frozensets(st.integers(0, 8)),
    dates=st.frozensets(st.integers(0, 6)),
    wrapped=st.frozensets(st.integers(0, 6)),
    boxed=st.booleans(),
    percent=st.none() | st.tuples(st.integers(0, 8), st.integers(0, 6)),
)
def test_any_grid_and_layout_read_the_same_written_by_rows(
    tmp_path_factory: pytest.TempPathFactory,
    grid: Grid,
    greyed: frozenset[int],
    dates: frozenset[int],
    wrapped: frozenset[int],
    boxed: bool,
    percent: tuple[int, int] | None,
) -> None:
    layout = TabLayout(
        widths=(10,) * 6,
        date_columns=dates,
        wrapped_columns=wrapped,
        greyed_rows=greyed,
        boxed=boxed,
        percent_cell=percent,
    )
    tabs = {ROSTER_TAB: grid, SIGN_IN_TAB: grid, SUMMARY_TAB: grid}
    rows, cells = write_both(tmp_path_factory.mktemp("grid"), tabs, dict.fromkeys(TABS, layout))
    assert_same_workbook(rows, cells)
