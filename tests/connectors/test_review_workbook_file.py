"""The "Doublons à vérifier" workbook on disk: read back as written, whichever reader reads
it, and not written again when it already holds the night's rows."""

from __future__ import annotations

from pathlib import Path

from openpyxl import load_workbook

from rollcall.connectors import review_workbook

HEADERS = ["Doublon", "Raisons", "Décision", "Remarque", "Inscription A", "Inscription B"]
ROWS = [
    ["P00001", "même email", "", "", "S00001", "S00002"],
    ["P00002", "même téléphone", "je ne sais pas", "Décision non comprise", "S00003", "S00004"],
]


def write(path: Path, rows: list[list[str]] = ROWS) -> None:
    review_workbook.write(path, "Doublons", HEADERS, rows, ["Même personne"], "Décision", {})


def trimmed(row: list[object]) -> list[object]:
    cells = [None if v == "" else v for v in row]
    while cells and cells[-1] is None:
        cells.pop()
    return cells


def test_the_fast_reader_gives_what_openpyxl_gives(tmp_path: Path) -> None:
    path = tmp_path / "review.xlsx"
    write(path)
    workbook = load_workbook(path)
    sheet = workbook["Doublons"]
    sheet["C2"] = 1  # a reviewer types a number, a formula
    sheet["G2"] = "=1+1"
    workbook.save(path)
    headers, rows = review_workbook.read(path, "Doublons")  # type: ignore[misc]
    by_openpyxl = review_workbook._read_with_openpyxl(path, "Doublons")
    # the same cells; openpyxl pads every row to the formula's column (a formula never
    # calculated has no value to read)
    assert [trimmed(headers), *map(trimmed, rows)] == [trimmed(r) for r in by_openpyxl]
    assert rows[0][2] == 1 and rows[0][3] is None  # an int, a blank as None


def test_a_workbook_holding_the_rows_is_not_written_again(tmp_path: Path) -> None:
    path = tmp_path / "review.xlsx"
    write(path)
    found = review_workbook.read(path, "Doublons")
    assert review_workbook.holds(found, HEADERS, ROWS)
    assert not review_workbook.holds(found, HEADERS, ROWS[:1])  # a pair decided: rewritten
    assert not review_workbook.holds(found, HEADERS, [ROWS[1], ROWS[0]])
    assert not review_workbook.holds(found, HEADERS, [[*ROWS[0][:2], "oui", *ROWS[0][3:]], ROWS[1]])
    assert not review_workbook.holds(None, HEADERS, [])
    write(path, [])
    assert review_workbook.holds(review_workbook.read(path, "Doublons"), HEADERS, [])


def test_an_unreadable_workbook_is_named_with_what_to_do(tmp_path: Path) -> None:
    path = tmp_path / "review.xlsx"
    path.write_bytes(b"not a workbook")
    try:
        review_workbook.read(path, "Doublons")
    except review_workbook.ReviewWorkbookError as exc:
        assert "review.xlsx cannot be read" in str(exc) and "sync again" in str(exc)
    else:
        raise AssertionError("an unreadable workbook must raise ReviewWorkbookError")
