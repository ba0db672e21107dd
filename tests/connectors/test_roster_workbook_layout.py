"""A local roster read at the door and printed: asserted through openpyxl, as Excel or
LibreOffice would lay it out."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from openpyxl import load_workbook

from rollcall.connectors import roster_files
from rollcall.models.records import CANCELLED, REGISTERED
from rollcall.models.roster_tabs import ROSTER_TAB, SIGN_IN_TAB, SUMMARY_TAB, TO_COMPLETE_TAB
from rollcall.models.tab_layout import TabLayout
from rollcall.transforms.roster_layout import workbook_layouts
from rollcall.transforms.sheet_roster import SheetEntry, merge_roster, sign_in_grid, summary_grid

DAY = datetime(2022, 9, 1, 10, 5)
ENTRIES = [
    SheetEntry(
        "R00001",
        "Marie-Charlotte",
        "De La Fontaine-Dubois",
        "marie-charlotte.delafontaine-dubois@example.org",
        "06 12 34 56 78",
        ("JeVeuxAider", "Tally"),
        DAY,
        REGISTERED,
        time_slot="Samedi 15 octobre 2022 (10h00 - 13h00)",
        remarks="vient le matin seulement",
    ),
    SheetEntry("R00002", "Awa", "Diallo", "", "", ("Tally",), DAY, CANCELLED),
    SheetEntry("R00003", "Léo", "Martin", "leo@example.org", "", ("Sur place",), DAY, REGISTERED, minor=True),
]


def written(tmp_path: Path):
    path = tmp_path / "LIL Lille.xlsx"
    merged = merge_roster(ENTRIES, [], {})
    owned = {
        SUMMARY_TAB: summary_grid("Lille", ENTRIES, 2),
        SIGN_IN_TAB: sign_in_grid(ENTRIES),
        TO_COMPLETE_TAB: [["Source", "Ce qui manque"]],
    }
    roster_files.write_roster(
        path,
        merged.grid,
        changes=None,
        summary=owned[SUMMARY_TAB],
        layouts=workbook_layouts({ROSTER_TAB: merged.grid, **owned}),
        sign_in=owned[SIGN_IN_TAB],
        to_complete=owned[TO_COMPLETE_TAB],
    )
    return load_workbook(path), merged.grid


def width(sheet, header: str) -> float:
    names = [c.value for c in sheet[1]]
    letter = sheet.cell(row=1, column=names.index(header) + 1).column_letter
    return sheet.column_dimensions[letter].width


def test_every_cell_fits_its_column_and_the_names_stay_on_screen(tmp_path: Path) -> None:
    book, grid = written(tmp_path)
    roster = book["Inscrits"]
    assert book.sheetnames == ["Inscrits", "Émargement", "À compléter", "Résumé"]
    assert [c.value for c in roster[1]][:6] == ["Réf. inscription", "Nom", "Prénom", "Présent", "Appelé", "Notes"]
    assert width(roster, "Email") >= len("marie-charlotte.delafontaine-dubois@example.org")
    assert width(roster, "Nom") >= len("De La Fontaine-Dubois")
    assert width(roster, "Inscrit le") >= len("01/09/2022 10:05")
    assert width(roster, "Téléphone") >= len("06 12 34 56 78")
    assert roster.freeze_panes == "D2"  # header row and Réf., Nom, Prénom frozen
    date_cell = roster.cell(row=2, column=[c.value for c in roster[1]].index("Inscrit le") + 1)
    assert date_cell.number_format == "dd/mm/yyyy hh:mm" and date_cell.value == DAY


def test_a_cancelled_row_is_grey_and_struck_and_the_others_are_not(tmp_path: Path) -> None:
    roster = written(tmp_path)[0]["Inscrits"]
    rows = {row[0].value: row for row in roster.iter_rows(min_row=2)}
    assert all(c.font.strike and c.font.color.rgb.endswith("808080") for c in rows["R00002"])
    assert not any(c.font.strike for c in rows["R00001"])


def test_every_tab_prints_a4_landscape_one_page_wide_with_its_header_repeated(tmp_path: Path) -> None:
    book, _ = written(tmp_path)
    for sheet in book.worksheets:
        setup = sheet.page_setup
        assert (setup.orientation, int(setup.paperSize)) == ("landscape", int(sheet.PAPERSIZE_A4)), sheet.title
        # fitToWidth absent is 1, its default in the file format (ECMA-376 pageSetup), as
        # XlsxWriter writes it; Excel and LibreOffice read it so.
        fit_to_width = 1 if setup.fitToWidth is None else setup.fitToWidth
        assert (fit_to_width, setup.fitToHeight) == (1, 0) and sheet.sheet_properties.pageSetUpPr.fitToPage
        assert sheet.print_title_rows == "$1:$1"


def test_sign_in_sheet_has_room_to_sign(tmp_path: Path) -> None:
    sheet = written(tmp_path)[0]["Émargement"]
    assert [[c.value for c in r] for r in sheet.iter_rows()] == [
        ["Nom", "Prénom", "Créneau", "Signature"],
        ["De La Fontaine-Dubois", "Marie-Charlotte", "Samedi 15 octobre 2022 (10h00 - 13h00)", None],
        ["Martin", "Léo", None, None],
    ]
    assert width(sheet, "Signature") >= 30 and sheet.row_dimensions[2].height >= 24
    assert sheet["D2"].border.bottom.style == "thin"


def test_fill_rate_reads_as_a_percentage(tmp_path: Path) -> None:
    summary = written(tmp_path)[0]["Résumé"]
    rate = next(row[1] for row in summary.iter_rows() if row[0].value == "Taux de remplissage")
    assert rate.value == 1.0 and rate.number_format == "0 %"


def test_minor_time_slot_and_remarks_are_on_the_roster(tmp_path: Path) -> None:
    book, grid = written(tmp_path)
    rows = {r[0]: dict(zip(grid[0], r)) for r in grid[1:]}
    assert rows["R00003"]["Mineur"] == "Oui" and rows["R00001"]["Mineur"] == ""
    assert rows["R00001"]["Remarques"] == "vient le matin seulement"
    assert rows["R00001"]["Créneau"] == "Samedi 15 octobre 2022 (10h00 - 13h00)"


def test_the_layout_given_is_the_layout_applied(tmp_path: Path) -> None:
    """The connector decides nothing: columns are sized, frozen, dated and checked, rows
    greyed and boxed as the record says, whatever the headers."""
    path = tmp_path / "LIL Lille.xlsx"
    grid = [["A", "B", "C"], [True, 44805.5, "long"], [False, 44806.0, "x"]]
    layouts = {
        ROSTER_TAB: TabLayout(
            widths=(10, 20, 5),
            frozen_columns=1,
            date_columns=frozenset({1}),
            wrapped_columns=frozenset({2}),
            checkbox_column=0,
            greyed_rows=frozenset({2}),
        ),
        SUMMARY_TAB: TabLayout(widths=(6, 6), percent_cell=(1, 1)),
        SIGN_IN_TAB: TabLayout(widths=(6,), boxed=True),
    }
    roster_files.write_roster(
        path, grid, changes=None, summary=[["Site", "Lille"], ["Part", 0.25]], layouts=layouts, sign_in=[["E"], ["e"]]
    )
    book = load_workbook(path)
    roster = book["Inscrits"]
    assert roster.freeze_panes == "B2"
    assert [int(roster.column_dimensions[letter].width) for letter in "ABC"] == [11, 21, 6]  # width + 1
    assert roster["B2"].value == datetime(2022, 9, 1, 12) and roster["B2"].number_format == "dd/mm/yyyy hh:mm"
    assert roster["C2"].alignment.wrap_text and not roster["B2"].alignment.wrap_text
    assert [c.font.strike for c in roster[3]] == [True, True, True] and not roster["A2"].font.strike
    (validation,) = roster.data_validations.dataValidation
    assert str(validation.sqref).startswith("A2:A")
    assert book["Résumé"]["B2"].number_format == "0 %"
    assert book["Émargement"]["A2"].border.bottom.style == "thin"

    plain = {ROSTER_TAB: TabLayout(), SUMMARY_TAB: TabLayout()}
    roster_files.write_roster(path, grid, changes=None, summary=[["Site", "Lille"], ["Part", 0.25]], layouts=plain)
    roster = load_workbook(path)["Inscrits"]
    assert roster.freeze_panes == "A2" and roster.data_validations.dataValidation == []
    assert roster["B2"].value == 44805.5 and not any(c.font.strike for c in roster[3])
