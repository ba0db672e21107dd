"""Both roster writers given a grid with fewer rows than the tab holds: rows left the roster.

Nothing of a removed row may stay: no value, no checkbox, no date format below the data.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from google.oauth2.credentials import Credentials

from rollcall.connectors import roster_files
from rollcall.connectors.google_sheets import RateLimiter, RosterSheets, connect
from rollcall.models.records import REGISTERED
from rollcall.models.roster_tabs import ROSTER_TAB, SUMMARY_TAB
from rollcall.transforms.roster_layout import sheet_layouts, workbook_layouts
from rollcall.transforms.sheet_roster import SheetEntry, merge_roster, summary_grid, trimmed

from fakes.google_sheets import TOKEN, FakeClock, FakeGoogleSheets

DAY = datetime(2026, 10, 1, 9, 14)
PEOPLE = [
    ("1", "Awa", "Diallo"),
    ("2", "Bruno", "Martin"),
    ("3", "Chloé", "Petit"),
    ("4", "Driss", "Benali"),
    ("5", "Elsa", "Zed"),
]


def entries(*ids: str) -> list[SheetEntry]:
    return [
        SheetEntry(rid, first, last, f"{first.lower()}@exemple.fr", f"06 00 00 00 0{rid}", ("Tally",), DAY, REGISTERED)
        for rid, first, last in PEOPLE
        if rid in ids
    ]


def values(grid: list[list[Any]]) -> list[list[Any]]:
    return trimmed([["" if v is None else v for v in row] for row in grid])


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def fake(clock: FakeClock) -> Iterator[FakeGoogleSheets]:
    with FakeGoogleSheets(clock=clock.time) as server:
        yield server


@pytest.fixture
def sheets(fake: FakeGoogleSheets, clock: FakeClock) -> RosterSheets:
    limiter = RateLimiter(clock=clock.time, sleep=clock.sleep)
    return RosterSheets(connect(Credentials(token=TOKEN), base_url=fake.url, limiter=limiter, sleep=clock.sleep))


def push(sheets: RosterSheets, key: str, grid: list[list[Any]]) -> list[list[Any]]:
    current = sheets.read_roster(key)
    summary = [["Site", "Lyon"]]
    layouts = sheet_layouts({ROSTER_TAB: grid, SUMMARY_TAB: summary})
    sheets.write_roster(key, grid, current, layouts=layouts, summary=summary)
    return current


@pytest.mark.parametrize(
    "padded", [pytest.param(False, id="shorter_grid"), pytest.param(True, id="padded_with_blank_rows_as_erasure_does")]
)
def test_a_sheet_written_with_fewer_rows_keeps_nothing_below(
    fake: FakeGoogleSheets, sheets: RosterSheets, padded: bool
) -> None:
    key = sheets.create_spreadsheet("Lyon — inscrits")
    first = merge_roster(entries("1", "2", "3", "4", "5"), [], {})
    push(sheets, key, first.grid)
    merged = merge_roster(entries("1", "3", "5"), sheets.read_roster(key), first.pushed)
    grid = merged.grid + ([[""] * len(merged.grid[0])] * 2 if padded else [])
    push(sheets, key, grid)

    assert fake.grid(key, "Inscrits") == values(merged.grid)
    cells = fake.spreadsheets[key].sheet("Inscrits").cells
    assert [(r, c) for (r, c), cell in cells.items() if r >= len(merged.grid) and cell] == []
    assert "bruno@exemple.fr" not in str(cells) and "driss@exemple.fr" not in str(cells)


def test_a_workbook_written_with_fewer_rows_keeps_nothing_below(tmp_path: Path) -> None:
    path = tmp_path / "LYS Lyon.xlsx"
    summary = summary_grid("Lyon", [], 10)
    first = merge_roster(entries("1", "2", "3", "4", "5"), [], {})
    layouts = workbook_layouts({ROSTER_TAB: first.grid, SUMMARY_TAB: summary})
    roster_files.write_roster(path, first.grid, changes=None, summary=summary, layouts=layouts)
    merged = merge_roster(entries("1", "3", "5"), roster_files.read_roster(path), first.pushed)
    layouts = workbook_layouts({ROSTER_TAB: merged.grid, SUMMARY_TAB: summary})
    roster_files.write_roster(path, merged.grid, changes=None, summary=summary, layouts=layouts)

    assert values(roster_files.read_roster(path)) == values(merged.grid)
    every = [v for grid in roster_files.read_tabs(path).values() for row in grid for v in row]
    assert "bruno@exemple.fr" not in every and "driss@exemple.fr" not in every
