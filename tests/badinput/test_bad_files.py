"""Bad export files through the real landing and normalising steps: latin-1, UTF-16, an empty
file, a header alone, duplicated headers, missing and extra columns, wrong cell types in XLSX,
a NUL byte. Either every row lands (then ends signed up or quarantined with a reason) or the
source fails with a message a person can act on; never a crash, never a silent guess.

And a large export, streamed: its peak memory is reported (``ROLLCALL_BIG_EXPORT_MB=200`` for
the issue's 200 MB, about 90 s; 10 MB by default).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest
from faults.report import report

from badinput.pipeline import COLUMNS, outcomes, sync_file, unaccounted, write_campaign
from rollcall.models.campaign import DATABASE_URL_ENV

pytestmark = pytest.mark.badinput

SECTION = "bad input: files"
HEADER = list(COLUMNS.values())
ROWS = [
    ["A1", "Hélène", "Müller", "helene@example.org", "06 39 98 00 01", "Paris", "2022-09-30", "Oui"],
    ["A2", "François", "Lefèvre", "", "06 39 98 00 02", "St Denis", "30/09/2022", "x"],
    ["A3", "Zoé", "Nguyễn", "pas-un-email", "", "Lyon", "", ""],
]


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    from rollcall.connectors.database import upgrade

    url = f"sqlite:///{tmp_path / 'rollcall.db'}"
    monkeypatch.setenv(DATABASE_URL_ENV, url)
    upgrade(url)
    return url


def csv_bytes(header: list[str], rows: list[list[str]], encoding: str, delimiter: str = ";") -> bytes:
    lines = [delimiter.join(header)] + [delimiter.join(r) for r in rows]
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def landed(tmp_path: Path, url: str, name: str, data: bytes, extra: str = "") -> tuple[str | None, dict]:
    export = tmp_path / name
    export.write_bytes(data)
    error = sync_file(write_campaign(tmp_path, export, extra=extra))
    found = outcomes(url)
    assert unaccounted(found) == []
    report(SECTION, f"{name}: {len(found)} rows landed" + (f"; source failed: {error[:160]}" if error else ""))
    return error, found


LATIN = [r for r in ROWS if all(c.encode("latin-1", "ignore").decode("latin-1") == c for c in r)]


@pytest.mark.parametrize(
    ("name", "encoding", "rows", "extra"),
    [
        pytest.param("latin1.csv", "latin-1", LATIN, "", id="latin1_detected"),
        pytest.param("latin1-declared.csv", "latin-1", LATIN, 'encoding = "latin-1"', id="latin1_declared"),
        pytest.param("utf16.csv", "utf-16", ROWS, "", id="utf16_with_bom"),
        pytest.param("utf16le.csv", "utf-16-le", ROWS, 'encoding = "utf-16-le"', id="utf16le_declared"),
        pytest.param("utf8-bom.csv", "utf-8-sig", ROWS, "", id="utf8_bom"),
    ],
)
def test_encodings_land_every_row_as_written(
    name: str, encoding: str, rows: list[list[str]], extra: str, tmp_path: Path, database: str
) -> None:
    error, found = landed(tmp_path, database, name, csv_bytes(HEADER, rows, encoding), extra)
    assert error is None
    assert {k: found[k].payload["Prénom"] for k in found} == {r[0]: r[1] for r in rows}


def test_utf16_without_bom_fails_the_source_and_says_what_to_set(tmp_path: Path, database: str) -> None:
    error, found = landed(tmp_path, database, "utf16-nobom.csv", csv_bytes(HEADER, ROWS, "utf-16-le"))
    assert error is not None and "encoding" in error and found == {}


@pytest.mark.parametrize(
    ("name", "data"),
    [
        pytest.param("empty.csv", b"", id="empty_file"),
        pytest.param("blank.csv", b"\r\n\r\n  \r\n", id="blank_lines_only"),
    ],
)
def test_empty_file_fails_the_source_with_a_reason(name: str, data: bytes, tmp_path: Path, database: str) -> None:
    error, found = landed(tmp_path, database, name, data)
    assert error is not None and name in error and found == {}


def test_header_only_lands_nothing_and_does_not_fail(tmp_path: Path, database: str) -> None:
    error, found = landed(tmp_path, database, "header-only.csv", csv_bytes(HEADER, [], "utf-8"))
    assert (error, found) == (None, {})


def test_missing_mapped_column_names_it(tmp_path: Path, database: str) -> None:
    header = [h for h in HEADER if h != "Téléphone"]
    rows = [[c for h, c in zip(HEADER, r) if h != "Téléphone"] for r in ROWS]
    error, found = landed(tmp_path, database, "missing-column.csv", csv_bytes(header, rows, "utf-8"))
    assert error is not None and "Téléphone" in error and found == {}


def test_extra_columns_are_kept_raw(tmp_path: Path, database: str) -> None:
    header = HEADER + ["Commentaire", "Taille de t-shirt"]
    rows = [r + ["=1+1", "M"] for r in ROWS]
    error, found = landed(tmp_path, database, "extra-columns.csv", csv_bytes(header, rows, "utf-8"))
    assert error is None and {o.payload["Commentaire"] for o in found.values()} == {"=1+1"}


def test_duplicated_headers_are_kept_apart(tmp_path: Path, database: str) -> None:
    header = HEADER + ["Email", "Nom"]
    rows = [r + ["autre@example.org", "Doublon"] for r in ROWS]
    error, found = landed(tmp_path, database, "duplicated-headers.csv", csv_bytes(header, rows, "utf-8"))
    assert error is None and len(found) == len(ROWS)
    payload = found["A1"].payload
    assert "helene@example.org" in payload.values() and "autre@example.org" in payload.values()


def test_ragged_rows_land(tmp_path: Path, database: str) -> None:
    data = csv_bytes(HEADER, [ROWS[0][:3], ROWS[1] + ["surplus", "encore"], ROWS[2]], "utf-8")
    error, found = landed(tmp_path, database, "ragged.csv", data)
    assert error is None and len(found) == len(ROWS)


def test_nul_byte_in_a_cell_costs_its_row_only(tmp_path: Path, database: str) -> None:
    """A NUL byte is a bad row (no database stores it): kept raw (as U+FFFD), quarantined with
    its reason; the rest of the export lands (see test_hostile_files.py)."""
    rows = [ROWS[0], ["A2", "Zo\x00é", "Martin", "z@example.org", "", "Paris", "", ""]]
    error, found = landed(tmp_path, database, "nul.csv", csv_bytes(HEADER, rows, "utf-8"))
    assert error is None and found["A1"].signup
    assert (found["A2"].reason_code, found["A2"].payload["Prénom"]) == ("nul_byte", "Zo\ufffdé")


def test_wrong_types_in_xlsx_are_read_as_text(tmp_path: Path, database: str) -> None:
    """Numbers, dates, booleans, formulas and bidi marks in typed XLSX cells (openpyxl itself
    refuses to write control characters, so Excel files cannot carry them this way)."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADER)
    sheet.append(["X1", 42, True, "x1@example.org", 639980001, "Paris", datetime(2022, 9, 30, 10), 1])
    sheet.append(
        ["X2", "=1+1", '=HYPERLINK("http://evil.example")', None, "06 39 98 00 02", 93200, date(2022, 9, 30), False]
    )
    sheet.append([3, 3.5, None, "x3@example.org", -1, "Lyon", "not a date", "Oui"])
    sheet.append(["X4", "Zoé\u202e", "N\u200fguyen", "x4@example.org", "+33639980004", "Reims (51)", 44835.5, "✓"])
    path = tmp_path / "types.xlsx"
    book.save(path)
    error = sync_file(write_campaign(tmp_path, path, kind="xlsx"))
    found = outcomes(database)
    report(SECTION, f"types.xlsx: {len(found)} rows landed" + (f"; source failed: {error[:160]}" if error else ""))
    assert error is None and unaccounted(found) == []
    assert len(found) == 4
    assert all(isinstance(v, str) for o in found.values() for v in o.payload.values())


def test_big_export_is_streamed_in_bounded_memory(tmp_path: Path) -> None:
    megabytes = int(os.environ.get("ROLLCALL_BIG_EXPORT_MB", "10"))
    script = Path(__file__).with_name("big_export.py")
    done = subprocess.run(
        [sys.executable, str(script), str(tmp_path), str(megabytes)],
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    growth = figures["peak_mb"] - figures["before_mb"]
    report(
        SECTION,
        f"big export: {figures['megabytes']:.0f} MB, {figures['rows']} rows landed "
        f"({figures['landed']['new']} new) in {figures['seconds']} s; peak RSS {figures['peak_mb']} MB "
        f"(+{growth} MB while landing); poisoned rows: {figures['poisoned']}",
    )
    assert figures["landed"]["new"] == figures["rows"]
    assert figures["poisoned"] == {
        "P000000001": "nul_byte",
        "P000000002": "cell_too_long",
        "P000000003": "unclosed_quote",
        "P000000004": None,
    }
    assert growth < 200, "landing the export grew memory with its size: not streamed"
