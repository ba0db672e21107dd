"""A coordinator's own tabs in a roster workbook, whatever their names.

Excel ignores letter case in tab names: "INSCRITS" is the roster tab, renamed so, and is read
as it. A name Excel's rules refuse on writing (over 31 characters, saved by another program)
gets the nearest name they accept: the tab keeps its content.
"""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook, load_workbook

from rollcall.connectors import roster_files
from rollcall.flows.workbook_push import workbook_tabs
from rollcall.models.roster_tabs import ROSTER_TAB, SUMMARY_TAB
from rollcall.transforms.roster_layout import workbook_layouts

ROSTER = [["Réf. inscription", "Nom", "Prénom"], ["R00001", "Diallo", "Awa"]]


def test_a_roster_tab_renamed_in_other_letter_case_is_the_roster_tab(tmp_path: Path) -> None:
    path = tmp_path / "roster.xlsx"
    book = Workbook()
    book.active.title = "INSCRITS"
    for row in ROSTER:
        book.active.append(row)
    book.create_sheet("Mes notes").append(["R00001", "rappeler"])
    book.save(path)

    tabs = workbook_tabs(path, frozenset())
    assert tabs.roster == ROSTER
    assert [tab.title for tab in tabs.kept] == ["Mes notes"]


def test_a_tab_name_excel_refuses_is_written_under_one_it_accepts(tmp_path: Path) -> None:
    long_name = "Notes de la coordinatrice pour le samedi"  # 40 characters
    kept = [
        roster_files.CoordinatorTab(long_name, [["gardé"]]),
        roster_files.CoordinatorTab("inscrits", [["gardé aussi"]]),  # ours, in other case
    ]
    path = tmp_path / "roster.xlsx"
    summary = [["Site", "Lille"]]
    roster_files.write_roster(
        path,
        ROSTER,
        changes=None,
        summary=summary,
        layouts=workbook_layouts({ROSTER_TAB: ROSTER, SUMMARY_TAB: summary}),
        kept=kept,
    )
    book = load_workbook(path)
    titles = book.sheetnames
    assert titles[0] == ROSTER_TAB and len(titles) == 4 and all(len(t) <= 31 for t in titles)
    assert [book[t]["A1"].value for t in titles[2:]] == ["gardé", "gardé aussi"]
