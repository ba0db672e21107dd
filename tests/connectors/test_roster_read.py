"""Reading a roster workbook back: the fast reader (calamine) gives exactly what openpyxl
gives, value and type, on what rollcall writes and on what a coordinator saves over it.

A push merges what it reads: a reader that saw "5.0" where the other saw 5, or "" where the
other saw nothing, would change what is stored of a coordinator's row, and so which night
writes what. Each workbook here is read both ways and compared cell by cell."""

from __future__ import annotations

import zipfile
from datetime import date, datetime, time, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import TYPE_STRING

from rollcall.connectors import roster_files
from rollcall.connectors.roster_files import read_tabs, read_tabs_with_openpyxl
from rollcall.models.cells import Cell, Grid
from rollcall.models.roster_tabs import ROSTER_TAB
from rollcall.transforms.sheet_roster import trimmed
from tests.roster_workbooks import save_roster

HEADER = ["N° inscription", "Prénom", "Nom", "Inscrit le", "Appelé", "Présent", "Notes"]
ROWS: Grid = [
    ["R00001", "Zoé", "Lefèvre", 44812.95486111111, True, None, "vient le matin"],
    ["R00002", "Awa", "Diallo", 44823.0, False, True, None],
    ["R00003", " Lou ", "O'Brien", 44820.5, None, None, "=SOMME(A1)"],
]


def typed(tabs: dict[str, Grid]) -> dict[str, list[list[tuple[str, Cell]]]]:
    """Each cell with its type: 5 and 5.0, None and "" must not pass as the same."""
    return {title: [[(type(v).__name__, v) for v in row] for row in grid] for title, grid in tabs.items()}


def assert_same_both_ways(path: Path, *, exactly: bool = True) -> dict[str, Grid]:
    """``exactly``: trailing blank rows and columns too (a workbook rollcall wrote has none
    beyond its cells; a coordinator's merged area or formatted empty cell, openpyxl pads to)."""
    fast, reference = read_tabs(path), read_tabs_with_openpyxl(path)
    if not exactly:
        fast = {title: trimmed(grid) for title, grid in fast.items()}
        reference = {title: trimmed(grid) for title, grid in reference.items()}
    assert typed(fast) == typed(reference)
    return fast


def rollcall_roster(path: Path, rows: Grid = ROWS) -> None:
    save_roster(path, [HEADER, *rows], changes=None, summary=[["Inscrits", len(rows)], ["Taux", 0.25]])


def test_a_roster_as_rollcall_writes_it(tmp_path: Path) -> None:
    path = tmp_path / "LIL Lille.xlsx"
    rollcall_roster(path)
    tabs = assert_same_both_ways(path)
    assert tabs[ROSTER_TAB][1][:4] == ["R00001", "Zoé", "Lefèvre", pytest.approx(44812.95486111111)]


def edited_by_a_coordinator(path: Path) -> None:
    """What a coordinator's spreadsheet program saves: typed values of every kind, a new
    column, a tab of their own with an empty margin, a hidden tab, merged cells."""
    workbook = load_workbook(path)
    sheet = workbook[ROSTER_TAB]
    sheet["H1"] = "Téléphone bis"
    values: list[object] = [
        612345678,
        0.1 + 0.2,
        -3,
        1e20,
        999999999999999,
        12.0,
        datetime(2022, 10, 8, 9, 30),
        date(2022, 10, 8),
        time(14, 30),
        timedelta(hours=26, minutes=5),
        True,
        "",
        "  espace  ",
        "Ligne 1\nLigne 2",
        "x" * 5000,
        "€ — 😀",
        "0612345678",
    ]
    for row, value in enumerate(values, start=2):
        sheet.cell(row=row, column=8, value=value)
    sheet.cell(row=2, column=7).value = "=B2 à rappeler"
    sheet.cell(row=2, column=7).data_type = TYPE_STRING  # typed as text, not a formula
    sheet["I3"] = 0.25
    sheet["I3"].number_format = "0 %"
    sheet["I4"] = 44823.25
    sheet["I4"].number_format = "dd/mm/yyyy hh:mm"
    sheet["I5"] = 3.5
    sheet["I5"].number_format = '# ##0,00 "€"'
    own = workbook.create_sheet("Mes notes")
    own["C5"] = "à appeler"
    own["D7"] = 12
    own.merge_cells("C9:E10")
    own["C9"] = "fusionnées"
    hidden = workbook.create_sheet("Caché")
    hidden["A1"] = "secret"
    hidden.sheet_state = "hidden"
    workbook.save(path)


def test_a_roster_a_coordinator_edited(tmp_path: Path) -> None:
    path = tmp_path / "LIL Lille.xlsx"
    rollcall_roster(path)
    edited_by_a_coordinator(path)
    assert not roster_files._needs_openpyxl(path)  # calamine reads it
    tabs = assert_same_both_ways(path, exactly=False)
    assert tabs["Caché"] == [["secret"]]
    assert tabs["Mes notes"][4][2] == "à appeler"
    # the columns of dates, times and durations, to show them so once written back
    kept = {3: "dd/mm/yyyy hh:mm", 7: "dd/mm/yyyy hh:mm", 8: "dd/mm/yyyy hh:mm"}  # Inscrit le; H, I: typed
    assert roster_files.read_tabs_with_formats(path)[1][ROSTER_TAB] == kept
    assert roster_files._read_with_openpyxl(path)[1][ROSTER_TAB] == kept
    assert tabs[ROSTER_TAB][9][7] == 14.5 / 24 and tabs[ROSTER_TAB][10][7] == (26 * 60 + 5) / 1440  # 14:30, 26:05


@pytest.mark.parametrize("typed_value", ["#N/A", "  "], ids=["error_value", "spaces_only"])
def test_what_calamine_reads_otherwise_is_read_by_openpyxl(tmp_path: Path, typed_value: str) -> None:
    """A typed "#N/A" is an error value; spaces alone, as openpyxl saves them, lack
    ``xml:space="preserve"``: calamine reads both as blanks."""
    path = tmp_path / "LIL Lille.xlsx"
    rollcall_roster(path)
    workbook = load_workbook(path)
    workbook[ROSTER_TAB]["H2"] = typed_value
    workbook.save(path)
    assert roster_files._needs_openpyxl(path)
    assert assert_same_both_ways(path)[ROSTER_TAB][1][7] == typed_value


@pytest.mark.parametrize("number_format", ["dd/mm/yyyy hh:mm", "dd/mm/yyyy", "General"])
def test_a_negative_number_is_read_as_typed_whatever_its_format(tmp_path: Path, number_format: str) -> None:
    """Calamine reads a negative number in a date format as a time of day (-0.5 as 12:00):
    written back, a coordinator's "-0,5" would become "12:00"."""
    path = tmp_path / "LIL Lille.xlsx"
    rollcall_roster(path)
    workbook = load_workbook(path)
    workbook[ROSTER_TAB]["H2"] = -0.5
    workbook[ROSTER_TAB]["H2"].number_format = number_format
    workbook.save(path)
    assert roster_files._needs_openpyxl(path) == (number_format != "General")  # calamine reads that one right
    assert assert_same_both_ways(path)[ROSTER_TAB][1][7] == -0.5


def test_a_date_no_calendar_holds_is_read_by_openpyxl_not_a_crash(tmp_path: Path) -> None:
    """A number typed in a date cell far before any calendar (a pasted account number with
    a minus): calamine's Rust code panics, which Python sees as no ``Exception`` and which
    would stop every site's push. openpyxl reads it, as an error value."""
    path = tmp_path / "LIL Lille.xlsx"
    rollcall_roster(path)
    workbook = load_workbook(path)
    workbook[ROSTER_TAB]["H2"] = -416978869296
    workbook[ROSTER_TAB]["H2"].number_format = "dd/mm/yyyy hh:mm"
    workbook.save(path)
    with pytest.warns(UserWarning, match="outside the limits for dates"):
        tabs, reference = read_tabs(path), read_tabs_with_openpyxl(path)
    assert tabs[ROSTER_TAB][1][7] == "#VALUE!"
    assert tabs == reference


def test_a_formula_is_read_as_its_text(tmp_path: Path) -> None:
    """calamine would give the formula's last value: such a workbook is read by openpyxl."""
    path = tmp_path / "LIL Lille.xlsx"
    rollcall_roster(path)
    workbook = load_workbook(path)
    workbook[ROSTER_TAB]["H2"] = "=1+1"
    workbook.save(path)
    assert roster_files._needs_openpyxl(path)
    assert assert_same_both_ways(path)[ROSTER_TAB][1][7] == "=1+1"


def test_text_that_looks_like_a_formula_tag_is_not_one(tmp_path: Path) -> None:
    path = tmp_path / "LIL Lille.xlsx"
    rollcall_roster(path, [["R00001", "<f>", "<f/>", None, None, None, "<x:f>"]])
    assert not roster_files._needs_openpyxl(path)
    assert_same_both_ways(path)


#: The first bytes of every OLE compound file: a workbook Excel encrypted with a password
#: (its ``EncryptionInfo`` and ``EncryptedPackage`` streams follow), or an old .xls.
OLE = bytes.fromhex("d0cf11e0a1b11ae1") + bytes(504)


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (OLE, "is protected by a password, or was saved in the old Excel 97-2003 format"),
        (b"", "is empty (0 bytes)"),
        (b"not a workbook", "cannot be read, its content is damaged (BadZipFile"),
        (b"PK\x03\x04broken", "cannot be read, its content is damaged (BadZipFile"),
    ],
    ids=["password", "empty", "text", "half_a_zip"],
)
def test_a_file_that_is_no_workbook_fails_with_its_reason_and_is_left_as_it_is(
    tmp_path: Path, content: bytes, reason: str
) -> None:
    """Its site's push fails alone (``flows.rosters.push_rosters``), with what to do: a
    coordinator who set a password on their roster is asked to remove it."""
    path = tmp_path / "LIL Lille.xlsx"
    path.write_bytes(content)
    with pytest.raises(roster_files.UnreadableWorkbook) as failed:
        read_tabs(path)
    assert str(failed.value).startswith(f"LIL Lille.xlsx {reason}")
    assert "was not updated and the file was left as it is" in str(failed.value)
    assert path.read_bytes() == content


def test_a_damaged_workbook_is_reported_without_a_cell_value(tmp_path: Path) -> None:
    """A value error's text may quote a cell, that is someone's name: only its type is
    reported; the text of structural damage (a missing part) is kept, it says what is wrong."""
    path = tmp_path / "LIL Lille.xlsx"
    rollcall_roster(path)
    quoted = roster_files._unreadable(path, ValueError("could not convert string to float: 'Amina Diallo'"))
    assert "(ValueError)" in str(quoted) and "Amina" not in str(quoted)
    missing = roster_files._unreadable(path, KeyError("There is no item named 'xl/workbook.xml' in the archive"))
    assert "xl/workbook.xml" in str(missing)


def test_a_workbook_that_lost_its_list_of_tabs_is_not_read_as_empty(tmp_path: Path) -> None:
    """Without ``xl/workbook.xml`` calamine finds no tab at all: read as an empty workbook, it
    would be written over, the coordinator's own tabs with it. It fails as damaged instead."""
    path = tmp_path / "LIL Lille.xlsx"
    rollcall_roster(path)
    with zipfile.ZipFile(path) as source:
        parts = [(item, source.read(item)) for item in source.infolist() if item.filename != "xl/workbook.xml"]
    with zipfile.ZipFile(path, "w") as package:
        for item, data in parts:
            package.writestr(item, data)
    with pytest.raises(roster_files.UnreadableWorkbook, match="its content is damaged"):
        read_tabs(path)


CELLS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**14), max_value=10**14),
    st.floats(allow_nan=False, allow_infinity=False, min_value=-1e18, max_value=1e18),
    st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=30),
)


#: "Inscrit le": rollcall writes there the serial number of a sign-up's date and time, to the
#: minute (``sheet_entry``), 2000 to 2100. Not any float: both readers turn a date cell into a
#: datetime and back, and round a fraction of a millisecond differently (36526.14469351273 read
#: as ...518516 and ...50695), a difference ``same_cell`` ignores (a millionth) but this exact
#: comparison would not.
SIGNED_UP = st.none() | st.integers(min_value=36526 * 1440, max_value=73051 * 1440).map(lambda m: m / 1440)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.tuples(CELLS, CELLS, SIGNED_UP, CELLS, CELLS, CELLS), min_size=1, max_size=8))
def test_any_roster_rollcall_writes_reads_the_same_both_ways(tmp_path: Path, rows: list[tuple]) -> None:
    path = tmp_path / "LIL Lille.xlsx"
    rollcall_roster(path, [[f"R{i:05}", *row] for i, row in enumerate(rows, start=1)])
    assert_same_both_ways(path)


def test_number_formats_are_read_past_a_wrong_declared_size(tmp_path: Path) -> None:
    """A coordinator's number format is taken from the first number of its column, however
    far down, even in a workbook whose declared size (``<dimension>``) says it ends before
    (openpyxl's read-only mode trusts it otherwise). A column without a number, or whose first
    number is "General", gives none; a broken file gives none, not an error."""
    path = tmp_path / "roster.xlsx"
    book = Workbook()
    sheet = book.active
    sheet.title = ROSTER_TAB
    sheet.append(["Réf. inscription", "Cotisation", "Badge", "Notes"])
    for n in range(2, 40):
        sheet.append([f"R{n:05d}", None, None, "texte"])
    sheet.append(["R00040", 12.5, 7, "texte"])
    sheet["B40"].number_format = '#,##0.00\\ "€"'
    book.save(path)
    declared = tmp_path / "declared.xlsx"
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(declared, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b'<dimension ref="A1:D40" />', b'<dimension ref="A1:D2" />')
                assert b'<dimension ref="A1:D2" />' in data
            target.writestr(item, data)
    assert roster_files.number_formats(declared, ROSTER_TAB, [1, 2, 3]) == {1: '#,##0.00\\ "€"'}
    (tmp_path / "broken.xlsx").write_bytes(b"PK not a workbook")
    assert roster_files.number_formats(tmp_path / "broken.xlsx", ROSTER_TAB, [1]) == {}
