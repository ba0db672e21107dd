"""The Google roster laid out for the door, through the Sheets stand-in: every request of
each batchUpdate is checked against the Sheets v4 discovery document by the fake."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
from google.oauth2.credentials import Credentials

from rollcall.connectors.google_sheets import RateLimiter, RosterSheets, connect
from rollcall.models.records import CANCELLED, REGISTERED
from rollcall.models.roster_tabs import ROSTER_TAB, SIGN_IN_TAB, SUMMARY_TAB, TO_COMPLETE_TAB
from rollcall.models.tab_layout import GreyedRule, TabLayout
from rollcall.transforms.roster_layout import sheet_layouts
from rollcall.transforms.sheet_roster import (
    PAST_LAYOUTS,
    SheetEntry,
    merge_roster,
    pipeline_values,
    sign_in_grid,
    summary_grid,
)

from fakes.google_sheets import TOKEN, FakeClock, FakeGoogleSheets

DAY = datetime(2022, 9, 1, 10, 5)
LONG_EMAIL = "marie-charlotte.delafontaine-dubois@example.org"
ENTRIES = [
    SheetEntry(
        "R00001",
        "Marie",
        "Dubois",
        LONG_EMAIL,
        "06 12 34 56 78",
        ("Tally",),
        DAY,
        REGISTERED,
        time_slot="10h00 - 13h00",
    ),
    SheetEntry("R00002", "Awa", "Diallo", "", "", ("Tally",), DAY, CANCELLED),
]


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


def push(sheets: RosterSheets, key: str, entries: list[SheetEntry], pushed: dict[str, Any]):
    current = sheets.read_roster(key)
    merged = merge_roster(entries, current, pushed)
    owned = {
        SUMMARY_TAB: summary_grid("Lyon", entries, 3),
        SIGN_IN_TAB: sign_in_grid(entries),
        TO_COMPLETE_TAB: [["Source", "Ce qui manque"]],
    }
    result = sheets.write_roster(
        key,
        merged.grid,
        current,
        layouts=sheet_layouts({ROSTER_TAB: merged.grid, **owned}),
        summary=owned[SUMMARY_TAB],
        sign_in=owned[SIGN_IN_TAB],
        to_complete=owned[TO_COMPLETE_TAB],
        column_order=merged.column_order,
    )
    return merged, result


def test_a_new_roster_is_door_ready(fake: FakeGoogleSheets, sheets: RosterSheets) -> None:
    key = sheets.create_spreadsheet("Lyon — inscrits")
    merged, result = push(sheets, key, ENTRIES, {})
    book = fake.spreadsheets[key]
    roster = book.sheet("Inscrits")
    header = merged.grid[0]
    assert (roster.frozen_rows, roster.frozen_cols) == (1, 3)  # header and Réf., Nom, Prénom
    assert header[3:6] == ["Présent", "Appelé", "Notes"]
    assert roster.column_widths[header.index("Email")] >= 7 * len(LONG_EMAIL)
    assert roster.column_widths[header.index("Inscrit le")] >= 7 * len("01/09/2022 10:05")
    formulas = sorted(
        r["booleanRule"]["condition"]["values"][0]["userEnteredValue"] for r in roster.conditional_formats
    )
    status = "ABCDEFGHIJKLMNOP"[header.index("Statut")]
    assert formulas == [f'=${status}2="Annulé"', f'=${status}2="Retiré"']  # no ";" or "," to misread
    assert all(
        r["ranges"] == [{"sheetId": roster.sheet_id, "startRowIndex": 1}]
        and r["booleanRule"]["format"]["textFormat"]["strikethrough"]
        for r in roster.conditional_formats
    )
    rate = next(r for r, row in enumerate(fake.grid(key, "Résumé")) if row[0] == "Taux de remplissage")
    assert fake.cell(key, "Résumé", rate, 1)["userEnteredFormat"]["numberFormat"] == {
        "type": "PERCENT",
        "pattern": "0 %",
    }
    sign_in = book.sheet("Émargement")
    assert fake.grid(key, "Émargement") == [
        ["Nom", "Prénom", "Créneau", "Signature"],
        ["Dubois", "Marie", "10h00 - 13h00"],
    ]
    assert sign_in.row_heights == {1: 36} and len(sign_in.borders) == 1
    # one batchUpdate (one API call against the quota); its sub-requests grow with the columns
    # and tabs, never with the rows
    assert result.requests <= 60
    assert len(book.protected) == 2  # Réf..Prénom and Créneau..À vérifier: Présent, Appelé, Notes free

    again = push(sheets, key, ENTRIES, merged.pushed)[1]
    assert (again.written, again.requests) == (False, 0)  # nothing changed: nothing sent
    moved = push(
        sheets,
        key,
        [ENTRIES[0], SheetEntry("R00002", "Awa", "Diallo", "awa@example.org", "", ("Tally",), DAY, REGISTERED)],
        merged.pushed,
    )[1]
    assert moved.written and moved.requests <= 30  # one row, its formats, the owned tabs that changed


def test_an_old_layout_sheet_moves_its_columns_with_their_cells_and_checkboxes(
    fake: FakeGoogleSheets, sheets: RosterSheets
) -> None:
    """A sheet the previous version wrote (Appelé, Présent, Notes after Statut), ticked by the
    coordinator: its columns are moved, not rewritten; nothing typed is lost."""
    old = list(PAST_LAYOUTS[0])
    key = fake.create_spreadsheet("Lyon", tabs=("Inscrits", "Nouveautés", "Résumé")).id
    pushed = {e.registration_id: {k: v for k, v in pipeline_values(e).items() if k in old} for e in ENTRIES}
    typed = {"R00001": {"Appelé": "oui", "Présent": True, "Notes": "allergie"}, "R00002": {"Notes": "a prévenu"}}
    rows = [[{**pushed[e.registration_id], **typed[e.registration_id]}.get(n, "") for n in old] for e in ENTRIES]
    fake.set_grid(key, "Inscrits", [old, *rows])
    checkbox = {"condition": {"type": "BOOLEAN"}, "strict": True}
    present = old.index("Présent")
    for r in (1, 2):
        fake.spreadsheets[key].sheet("Inscrits").cells.setdefault((r, present), {})["dataValidation"] = checkbox
    merged, result = push(sheets, key, ENTRIES, pushed)
    grid = fake.grid(key, "Inscrits")
    header = grid[0]
    assert header[:6] == ["Réf. inscription", "Nom", "Prénom", "Présent", "Appelé", "Notes"]
    by_ref = {row[0]: dict(zip(header, row)) for row in grid[1:]}
    assert (by_ref["R00001"]["Présent"], by_ref["R00001"]["Appelé"], by_ref["R00001"]["Notes"]) == (
        True,
        "oui",
        "allergie",
    )
    assert by_ref["R00002"]["Notes"] == "a prévenu" and by_ref["R00001"]["Créneau"] == "10h00 - 13h00"
    new_present = header.index("Présent")
    assert fake.cell(key, "Inscrits", 1, new_present)["dataValidation"]["condition"]["type"] == "BOOLEAN"
    assert "dataValidation" not in fake.cell(key, "Inscrits", 1, present)  # the checkbox moved away
    assert merged.conflicts == [] and result.written
    assert push(sheets, key, ENTRIES, merged.pushed)[1].requests == 0  # converged


def test_a_coordinators_own_sign_in_tab_is_left_alone_and_ours_found_again(
    fake: FakeGoogleSheets, sheets: RosterSheets, clock: FakeClock
) -> None:
    """They made an "Émargement" of their own before rollcall had one: ours is made beside it.
    With the stored layout lost (a new database), ours is recognised by its header."""
    key = fake.create_spreadsheet("Lyon", tabs=("Inscrits", "Émargement")).id
    theirs = [["Bénévole", "Heure d'arrivée"], ["Awa", "9h10"]]
    fake.set_grid(key, "Émargement", theirs)
    merged, _ = push(sheets, key, ENTRIES, {})
    assert fake.grid(key, "Émargement") == theirs
    assert fake.grid(key, "Émargement (2)")[0] == ["Nom", "Prénom", "Créneau", "Signature"]

    limiter = RateLimiter(clock=clock.time, sleep=clock.sleep)
    fresh = RosterSheets(connect(Credentials(token=TOKEN), base_url=fake.url, limiter=limiter, sleep=clock.sleep))
    push(fresh, key, ENTRIES, merged.pushed)
    titles = {s.title for s in fake.spreadsheets[key].sheets}
    assert titles == {"Inscrits", "Émargement", "Émargement (2)", "À compléter", "Nouveautés", "Résumé"}
    assert fake.grid(key, "Émargement") == theirs


def test_the_layout_given_is_the_layout_applied(fake: FakeGoogleSheets, sheets: RosterSheets) -> None:
    """The connector decides nothing: columns are formatted, frozen, protected and greyed as
    the record says, whatever their headers."""
    key = sheets.create_spreadsheet("Lyon — inscrits")
    grid = [["A", "B", "C", "D"], [True, "08/10", 44805.5, "Z"], [False, "x", 44806.0, "long"]]
    summary = [["Site", "Lille"], ["Part", 0.25]]
    roster = TabLayout(
        widths=(10, 20, 5, 8),
        frozen_columns=2,
        date_columns=frozenset({2}),
        text_columns=frozenset({1}),
        wrapped_columns=frozenset({3}),
        checkbox_column=0,
        protected_columns=frozenset({2, 3}),
        greyed_rule=GreyedRule(3, ("Z",)),
    )
    sign_in = [["E"], ["e"]]
    layouts = {
        ROSTER_TAB: roster,
        SUMMARY_TAB: TabLayout(widths=(6, 6), percent_cell=(1, 1)),
        SIGN_IN_TAB: TabLayout(widths=(6,), boxed=True),
    }
    assert sheets.write_roster(key, grid, [], layouts=layouts, summary=summary, sign_in=sign_in).written
    tab = fake.spreadsheets[key].sheet("Inscrits")
    assert (tab.frozen_rows, tab.frozen_cols) == (1, 2)
    assert [tab.column_widths[c] for c in range(4)] == [w * 7 + 14 for w in (10, 20, 5, 8)]
    assert fake.cell(key, "Inscrits", 1, 0)["dataValidation"]["condition"]["type"] == "BOOLEAN"
    assert fake.cell(key, "Inscrits", 1, 1)["userEnteredFormat"]["numberFormat"] == {"type": "TEXT"}
    assert fake.cell(key, "Inscrits", 2, 2)["userEnteredFormat"]["numberFormat"]["type"] == "DATE_TIME"
    assert fake.cell(key, "Inscrits", 1, 3)["userEnteredFormat"]["wrapStrategy"] == "WRAP"
    assert [p["range"] for p in fake.spreadsheets[key].protected] == [
        {"sheetId": tab.sheet_id, "startColumnIndex": 2, "endColumnIndex": 4}
    ]
    (rule,) = tab.conditional_formats
    assert rule["booleanRule"]["condition"]["values"] == [{"userEnteredValue": '=$D2="Z"'}]
    assert fake.cell(key, "Résumé", 1, 1)["userEnteredFormat"]["numberFormat"]["type"] == "PERCENT"
    boxes = fake.spreadsheets[key].sheet("Émargement")
    assert boxes.row_heights == {1: 36} and len(boxes.borders) == 1

    plain = {ROSTER_TAB: TabLayout(widths=(10, 20, 5, 8)), SUMMARY_TAB: TabLayout()}
    other = sheets.create_spreadsheet("Lille — inscrits")  # its roster tab made by this write
    sheets.write_roster(other, grid, [], layouts=plain, summary=summary)
    tab = fake.spreadsheets[other].sheet("Inscrits")
    assert (tab.frozen_cols, tab.conditional_formats, fake.spreadsheets[other].protected) == (0, [], [])
    assert all(
        "dataValidation" not in cell and "numberFormat" not in cell.get("userEnteredFormat", {})
        for (r, _), cell in tab.cells.items()
        if r
    )
