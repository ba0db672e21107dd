"""Real gspread against the local Sheets + Drive fake: rosters out, staff sheets in."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime
from typing import Any

import gspread
import pytest
import requests
from google.oauth2.credentials import Credentials

from rollcall.connectors.google_sheets import RateLimiter, RosterSheets, SheetsError, connect, read_source_tab
from rollcall.models.records import CANCELLED, REGISTERED
from rollcall.models.roster_tabs import CHANGES_TAB, ROSTER_TAB, SUMMARY_TAB
from rollcall.transforms.roster_layout import sheet_layouts
from rollcall.transforms.sheet_roster import (
    ID_HEADER,
    ROSTER_COLUMNS,
    RosterMerge,
    SheetEntry,
    changes_grid,
    merge_roster,
    summary_grid,
)

from fakes.google_sheets import SERVICE_ACCOUNT, TOKEN, FakeClock, FakeGoogleSheets

DAY = datetime(2026, 10, 1, 9, 14)
FORMULA_NAME = '=IMPORTXML("http://x","//a")'


def entry(rid: str, first: str, last: str, **kw: Any) -> SheetEntry:
    values: dict[str, Any] = dict(
        registration_id=rid,
        first_name=first,
        last_name=last,
        email=f"{rid}@exemple.fr",
        phone="06 12 34 56 78",
        sources=("Tally",),
        registered_at=DAY,
        status=REGISTERED,
    )
    values.update(kw)
    return SheetEntry(**values)


PRENOM = ROSTER_COLUMNS.index("Prénom")
ENTRIES = [
    entry("1", "Awa", "Diallo"),
    entry("2", "Bruno", "Martin", phone="01000"),
    entry("3", "Chloé", "Petit"),
    entry("4", "Driss", "Benali"),
    entry("5", FORMULA_NAME, "Zed"),
]


class Site:
    """What the flow will keep per site between runs: the last push and the cached layout."""

    def __init__(self, key: str) -> None:
        self.key, self.pushed, self.layouts = key, {}, {}


def push(sheets: RosterSheets, site: Site, entries: list[SheetEntry]) -> RosterMerge:
    """The flow's per-site step: one read, the pure merge, at most one write."""
    current = sheets.read_roster(site.key)
    merged = merge_roster(entries, current, site.pushed)
    if not merged.content_unchanged:
        changes = changes_grid(merged.changes, DAY) if merged.changes else None
        summary = summary_grid("Lyon", entries, 40)
        layouts = sheet_layouts({ROSTER_TAB: merged.grid, CHANGES_TAB: changes, SUMMARY_TAB: summary})
        sheets.write_roster(site.key, merged.grid, current, layouts=layouts, changes=changes, summary=summary)
    site.pushed = merged.pushed
    site.layouts = sheets.layouts()
    return merged


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def fake(clock: FakeClock) -> Iterator[FakeGoogleSheets]:
    with FakeGoogleSheets(clock=clock.time) as server:
        yield server


def make_client(fake: FakeGoogleSheets, clock: FakeClock, limiter: RateLimiter | None = None) -> gspread.Client:
    limiter = limiter or RateLimiter(clock=clock.time, sleep=clock.sleep)
    return connect(Credentials(token=TOKEN), base_url=fake.url, limiter=limiter, sleep=clock.sleep)


@pytest.fixture
def client(fake: FakeGoogleSheets, clock: FakeClock) -> gspread.Client:
    return make_client(fake, clock)


@pytest.fixture
def sheets(client: gspread.Client) -> RosterSheets:
    return RosterSheets(client)


def col(grid: list[list[Any]], name: str) -> int:
    return grid[0].index(name)


def row_of(grid: list[list[Any]], rid: str) -> list[Any]:
    rows = [r for r in grid[1:] if r and r[0] == rid]
    assert len(rows) == 1, f"registration {rid} on {len(rows)} rows"
    return rows[0] + [""] * (len(grid[0]) - len(rows[0]))


def coordinator_edits(grid: list[list[Any]]) -> list[list[Any]]:
    """Sort by Nom descending, tick Présent, notes, an inserted row, a new column, a blank row."""
    header, rows = list(grid[0]) + ["Covoiturage"], [list(r) + [""] * (len(grid[0]) - len(r)) for r in grid[1:]]
    rows.sort(key=lambda r: r[col(grid, "Nom")], reverse=True)
    for r in rows:
        if r[0] == "2":
            r[col(grid, "Présent")] = True
        if r[0] == "3":
            r[col(grid, "Notes")] = "Rappeler jeudi"
        if r[0] == "5":
            r[col(grid, "Notes")] = "A prévenu"
        if r[0] == "1":
            r[col(grid, "Email")] = "awa.perso@exemple.fr"
        r.append("oui" if r[0] == "4" else "")
    typed = {"Prénom": "Sami", "Nom": "Invité", "Présent": True, "Notes": "venu sans inscription"}
    rows.insert(2, [typed.get(str(name), "") for name in header])
    rows.insert(1, [])
    return [header, *rows]


def test_scenario_coordinator_edits_survive_a_second_push(fake: FakeGoogleSheets, sheets: RosterSheets) -> None:
    key = sheets.create_spreadsheet("Lyon — inscrits", ["coord@exemple.fr"])
    assert fake.notifications == []  # shared without notification e-mails
    assert [(p["role"], p["emailAddress"]) for p in fake.spreadsheets[key].permissions] == [
        ("owner", SERVICE_ACCOUNT),
        ("writer", "coord@exemple.fr"),
    ]
    site = Site(key)
    push(sheets, site, ENTRIES)
    assert [s.title for s in sorted(fake.spreadsheets[key].sheets, key=lambda s: s.index)] == [
        "Inscrits",
        "Émargement",
        "À compléter",
        "Nouveautés",
        "Résumé",
    ]

    fake.set_grid(key, "Inscrits", coordinator_edits(fake.grid(key, "Inscrits")))
    second = [
        *ENTRIES[:4],
        replace(ENTRIES[4], status=CANCELLED),
        entry("6", "Fanny", "Roux"),
        entry("7", "Gaël", "Aubert"),
    ]
    merged = push(sheets, site, second)

    grid = fake.grid(key, "Inscrits")
    ids = [r[0] for r in grid[1:] if r and r[0]]
    assert ids == ["5", "3", "2", "1", "4", "6", "7"]  # coordinator's order, new ones appended
    assert grid[2] == [] and any(r and r[PRENOM] == "Sami" for r in grid)
    assert row_of(grid, "2")[col(grid, "Présent")] is True
    assert row_of(grid, "3")[col(grid, "Notes")] == "Rappeler jeudi"
    assert row_of(grid, "4")[col(grid, "Covoiturage")] == "oui"
    assert row_of(grid, "5")[col(grid, "Statut")] == "Annulé"
    assert row_of(grid, "5")[col(grid, "Notes")] == "A prévenu"
    assert row_of(grid, "1")[col(grid, "Email")] == "awa.perso@exemple.fr"  # no change, no conflict
    assert row_of(grid, "6")[col(grid, "Présent")] is False
    assert merged.coordinator["2"].present is True
    assert merged.coordinator["4"].extras == {"Covoiturage": "oui"}
    assert [c.column for c in merged.conflicts] == ["Email"]
    assert "Email" in row_of(grid, "1")[col(grid, "À vérifier")]
    changes = fake.grid(key, "Nouveautés")
    assert {tuple(r[1:3]) for r in changes[1:]} == {
        ("Annulée", "5"),
        ("Nouvelle inscription", "6"),
        ("Nouvelle inscription", "7"),
    }


def test_formatting_coordinators_expect(fake: FakeGoogleSheets, sheets: RosterSheets) -> None:
    key = sheets.create_spreadsheet("Lyon")
    push(sheets, Site(key), ENTRIES)
    tab = fake.spreadsheets[key].sheet("Inscrits")
    grid = fake.grid(key, "Inscrits")
    assert tab.frozen_rows == 1
    assert fake.cell(key, "Inscrits", 0, 0)["userEnteredFormat"]["textFormat"]["bold"] is True
    present = fake.cell(key, "Inscrits", 1, col(grid, "Présent"))
    assert present["dataValidation"]["condition"]["type"] == "BOOLEAN"
    assert present["userEnteredValue"] == {"boolValue": False}
    date = fake.cell(key, "Inscrits", 1, col(grid, "Inscrit le"))
    assert date["userEnteredFormat"]["numberFormat"]["pattern"] == "dd/mm/yyyy hh:mm"
    assert fake.grid(key, "Inscrits", "FORMATTED_VALUE")[1][col(grid, "Inscrit le")] == "01/10/2026 09:14"
    assert all(p["warningOnly"] for p in fake.spreadsheets[key].protected)


def test_text_stays_text_and_no_formula_is_ever_sent(fake: FakeGoogleSheets, sheets: RosterSheets) -> None:
    key = sheets.create_spreadsheet("Lyon")
    push(sheets, Site(key), ENTRIES)
    grid = fake.grid(key, "Inscrits")
    assert row_of(grid, "5")[col(grid, "Prénom")] == FORMULA_NAME
    assert row_of(grid, "2")[col(grid, "Téléphone")] == "01000"
    assert row_of(grid, "1")[col(grid, "Téléphone")] == "06 12 34 56 78"
    assert fake.formula_cells() == []
    assert not any(b"formulaValue" in r.body for r in fake.server.log)


def test_steady_state_costs_one_read_and_at_most_one_write(fake: FakeGoogleSheets, clock: FakeClock) -> None:
    key = fake.create_spreadsheet("Lyon", tabs=("Inscrits", "Nouveautés", "Résumé")).id
    site = Site(key)
    first = RosterSheets(make_client(fake, clock))
    push(first, site, ENTRIES)
    assert (fake.count("read"), fake.count("write")) == (2, 1)  # metadata once, then the values
    assert fake.count(method="sheets.spreadsheets.batchUpdate") == 1

    tonight = RosterSheets(make_client(fake, clock), layouts=site.layouts)
    before = len(fake.calls)
    push(tonight, site, ENTRIES)
    assert [k for k, _, _ in fake.calls[before:]] == ["read"]  # unchanged: zero writes

    before = len(fake.calls)
    push(tonight, site, [*ENTRIES, entry("6", "Fanny", "Roux")])
    assert [(k, m) for k, m, _ in fake.calls[before:]] == [
        ("read", "sheets.spreadsheets.values.get"),
        ("write", "sheets.spreadsheets.batchUpdate"),
    ]


def test_a_tab_resized_by_hand_is_recovered_with_one_metadata_read(
    fake: FakeGoogleSheets, sheets: RosterSheets
) -> None:
    key = fake.create_spreadsheet("Lyon", tabs=("Inscrits", "Nouveautés", "Résumé")).id
    site = Site(key)
    push(sheets, site, ENTRIES)
    fake.spreadsheets[key].sheet("Inscrits").rows = 6  # a coordinator deleted the empty rows
    stale = RosterSheets(sheets.client, layouts=site.layouts)  # still says 1000 rows
    before = fake.count("read")
    push(stale, site, [*ENTRIES, entry("6", "Fanny", "Roux")])
    assert row_of(fake.grid(key, "Inscrits"), "6")[PRENOM] == "Fanny"
    assert fake.count("read") - before == 2  # the values, then the metadata after the 400


def test_429_then_success(fake: FakeGoogleSheets, sheets: RosterSheets) -> None:
    key = fake.create_spreadsheet("Lyon").id
    fake.server.inject("429", path=r"/v4/spreadsheets/[^/:]+$")  # the metadata read
    push(sheets, Site(key), ENTRIES)
    assert sheets.http.retried == [429]
    assert row_of(fake.grid(key, "Inscrits"), "1")[PRENOM] == "Awa"


def test_5xx_then_success(fake: FakeGoogleSheets, sheets: RosterSheets) -> None:
    key = fake.create_spreadsheet("Lyon").id
    fake.server.inject("503", path=r":batchUpdate$", times=2)
    push(sheets, Site(key), ENTRIES)
    assert sheets.http.retried == [503, 503]
    assert fake.count(method="sheets.spreadsheets.batchUpdate") == 1


def test_a_failed_write_leaves_the_tab_as_it_was(fake: FakeGoogleSheets, sheets: RosterSheets) -> None:
    key = fake.create_spreadsheet("Lyon").id
    site = Site(key)
    push(sheets, site, ENTRIES)
    before = fake.grid(key, "Inscrits")
    fake.server.inject("500", path=r":batchUpdate$", times=10)
    with pytest.raises(SheetsError, match="left as it was"):
        push(sheets, site, [*ENTRIES, entry("6", "Fanny", "Roux")])
    assert fake.grid(key, "Inscrits") == before


def test_batch_update_is_all_or_nothing(fake: FakeGoogleSheets, client: gspread.Client) -> None:
    book = fake.create_spreadsheet("Lyon", tabs=("Inscrits",))
    fake.set_grid(book.id, "Inscrits", [["avant"]])
    body = {
        "requests": [
            {
                "updateCells": {
                    "start": {"sheetId": 0, "rowIndex": 0, "columnIndex": 0},
                    "rows": [{"values": [{"userEnteredValue": {"stringValue": "après"}}]}],
                    "fields": "userEnteredValue",
                }
            },
            {"deleteSheet": {"sheetId": 99}},
        ]
    }
    with pytest.raises(gspread.exceptions.APIError) as error:
        client.http_client.batch_update(book.id, body)
    assert error.value.code == 400
    assert fake.grid(book.id, "Inscrits") == [["avant"]]


def test_the_fake_refuses_what_the_discovery_document_does_not_know(
    fake: FakeGoogleSheets, client: gspread.Client
) -> None:
    book = fake.create_spreadsheet("Lyon")
    with pytest.raises(gspread.exceptions.APIError) as error:
        client.http_client.batch_update(book.id, {"requests": [{"updateCells": {"rowz": []}}]})
    assert error.value.code == 400 and 'Unknown name "rowz"' in error.value.error["message"]
    assert error.value.error["status"] == "INVALID_ARGUMENT"
    with pytest.raises(gspread.exceptions.APIError) as error:
        client.http_client.values_get(book.id, "'Feuille 1'", params={"valueRenderOption": "RAW"})
    assert error.value.code == 400
    # gspread's own share() sends Drive v2's "withLink", which v3's Permission does not have
    with pytest.raises(gspread.exceptions.APIError) as error:
        client.open_by_key(book.id).share("x@exemple.fr", perm_type="user", role="writer", notify=False)
    assert "withLink" in error.value.error["message"] and "errors" in error.value.error


def test_the_fake_enforces_the_per_minute_quota(fake: FakeGoogleSheets, clock: FakeClock) -> None:
    book = fake.create_spreadsheet("Lyon")
    unpaced = make_client(fake, clock, RateLimiter(per_minute=10_000, clock=clock.time, sleep=clock.sleep))
    unpaced.http_client.retries = 0
    for _ in range(60):
        unpaced.http_client.values_get(book.id, "'Feuille 1'")
    with pytest.raises(gspread.exceptions.APIError) as error:
        unpaced.http_client.values_get(book.id, "'Feuille 1'")
    assert error.value.code == 429
    assert error.value.error["status"] == "RESOURCE_EXHAUSTED"
    assert error.value.error["details"][0]["reason"] == "RATE_LIMIT_EXCEEDED"
    clock.sleep(60)
    unpaced.http_client.values_get(book.id, "'Feuille 1'")


def test_a_hundred_sites_never_see_a_429(fake: FakeGoogleSheets, clock: FakeClock) -> None:
    keys = [fake.create_spreadsheet(f"Site {i}", tabs=("Inscrits", "Nouveautés", "Résumé")).id for i in range(100)]
    sheets = RosterSheets(make_client(fake, clock))
    sites = [Site(k) for k in keys]
    start = clock.time()
    for night in range(2):
        for i, site in enumerate(sites):
            push(sheets, site, [entry(f"{i}-{n}", "Awa", f"N{n}") for n in range(5 + night)])
    assert fake.throttled == [] and sheets.http.retried == []
    assert fake.count("write") == 200 and fake.count("read") == 300
    assert clock.time() - start < 8 * 60  # paced, not stalled


def test_staff_sheet_is_read_unformatted(fake: FakeGoogleSheets, client: gspread.Client) -> None:
    book = fake.create_spreadsheet("Accueil Lyon", tabs=("Réponses",))
    worksheet = client.open_by_key(book.id).worksheet("Réponses")
    worksheet.update(
        [
            ["Nom", "Téléphone", "Horodateur", "Nom"],
            ["Diallo", "0639980003", "", "bis"],
            [],
            ["Martin", "01 23 45 67 89", "", ""],
        ],
        "A1",
        raw=False,
    )
    fake.set_grid(book.id, "Réponses", fake.grid(book.id, "Réponses"))
    fake.spreadsheets[book.id].sheet("Réponses").cells[(1, 2)] = {"userEnteredValue": {"numberValue": 44835.5}}
    assert fake.grid(book.id, "Réponses", "FORMATTED_VALUE")[1][1] == "639980003"
    rows = read_source_tab(client, book.id, "Réponses")
    assert rows == [
        (2, {"Nom": "Diallo", "Téléphone": "639980003", "Horodateur": "44835.5", "Nom (2)": "bis"}),
        (4, {"Nom": "Martin", "Téléphone": "01 23 45 67 89", "Horodateur": "", "Nom (2)": ""}),
    ]
    query = [r for r in fake.server.log if "/values/" in r.path and r.method == "GET"][-1].query
    assert query["valueRenderOption"] == ["UNFORMATTED_VALUE"]
    assert query["dateTimeRenderOption"] == ["SERIAL_NUMBER"]
    assert json.dumps(rows)  # plain text, storable as a raw payload
    assert ID_HEADER not in rows[0][1]


def test_missing_staff_tab_says_what_to_check(fake: FakeGoogleSheets, client: gspread.Client) -> None:
    book = fake.create_spreadsheet("Accueil Lyon", tabs=("Réponses",))
    with pytest.raises(SheetsError, match="'Walk-ins' cannot be read"):
        read_source_tab(client, book.id, "Walk-ins")


def test_the_fake_answers_values_get_like_google(fake: FakeGoogleSheets, client: gspread.Client) -> None:
    book = fake.create_spreadsheet("Lyon", tabs=("L'Haÿ-les-Roses", "Vide"))
    fake.set_grid(book.id, "L'Haÿ-les-Roses", [["a", "", "c"], [], ["", "b"], []])
    answer = client.http_client.values_get(book.id, "'L''Haÿ-les-Roses'")
    assert answer["range"] == "'L''Haÿ-les-Roses'!A1:Z1000"
    assert answer["values"] == [["a", "", "c"], [], ["", "b"]]  # ragged, blank middle row, no trailing
    assert "values" not in client.http_client.values_get(book.id, "Vide")
    assert client.http_client.values_get(book.id, "Vide!A1:B2")["range"] == "Vide!A1:B2"


def test_user_entered_formulas_are_stored_as_formulas_so_tests_can_see_them(
    fake: FakeGoogleSheets, client: gspread.Client
) -> None:
    book = fake.create_spreadsheet("Lyon")
    client.open_by_key(book.id).sheet1.update([[FORMULA_NAME]], "A1", raw=False)
    assert fake.formula_cells() == [(book.id, "Feuille 1", 0, 0)]


def test_the_fake_speaks_drive_errors_and_wants_a_token(fake: FakeGoogleSheets, client: gspread.Client) -> None:
    with pytest.raises(gspread.exceptions.APIError) as error:
        client.http_client.list_permissions("nope")
    assert error.value.code == 404 and error.value.error["errors"][0]["reason"] == "notFound"
    key = fake.create_spreadsheet("Lyon").id
    answer = requests.get(f"{fake.url}/v4/spreadsheets/{key}", headers={"Authorization": "Bearer wrong"}, timeout=5)
    assert answer.status_code == 401 and answer.json()["error"]["status"] == "UNAUTHENTICATED"


def test_the_fake_applies_field_masks_path_by_path(fake: FakeGoogleSheets, client: gspread.Client) -> None:
    book = fake.create_spreadsheet("Lyon")
    bold = {
        "repeatCell": {
            "range": {"sheetId": 0, "startRowIndex": 0, "endRowIndex": 1, "startColumnIndex": 0, "endColumnIndex": 1},
            "cell": {"userEnteredFormat": {"textFormat": {"bold": True}}},
            "fields": "userEnteredFormat.textFormat.bold",
        }
    }
    dated = json.loads(
        json.dumps(bold)
        .replace('"textFormat": {"bold": true}', '"numberFormat": {"type": "DATE"}')
        .replace("userEnteredFormat.textFormat.bold", "userEnteredFormat.numberFormat")
    )
    client.http_client.batch_update(book.id, {"requests": [bold, dated]})
    assert fake.cell(book.id, "Feuille 1", 0, 0)["userEnteredFormat"] == {
        "textFormat": {"bold": True},
        "numberFormat": {"type": "DATE"},
    }


# ---- failures by cause: what a coordinator or Google does, and what the message says to do


def test_access_removed_says_share_it_as_editor_with_the_account(fake: FakeGoogleSheets, sheets: RosterSheets) -> None:
    key = fake.create_spreadsheet("Paris", tabs=("Inscrits", "Nouveautés", "Résumé")).id
    site = Site(key)
    push(sheets, site, ENTRIES)
    fake.revoke(key)  # the coordinator removed the service account
    with pytest.raises(SheetsError) as error:
        push(sheets, site, [*ENTRIES, entry("6", "Fanny", "Roux")])
    assert error.value.cause == "permission"
    assert f"no longer shared with {SERVICE_ACCOUNT}: share it as Editor" in str(error.value)
    assert "later" not in str(error.value) and "\n" not in str(error.value)
    assert error.value.__suppress_context__ and sheets.http.retried == []  # no retry, no chained traceback


def test_downgraded_to_viewer_reads_then_says_share_it_as_editor(fake: FakeGoogleSheets, sheets: RosterSheets) -> None:
    key = fake.create_spreadsheet("Paris", tabs=("Inscrits", "Nouveautés", "Résumé")).id
    site = Site(key)
    push(sheets, site, ENTRIES)
    before = fake.grid(key, "Inscrits")
    fake.set_role(key, "reader")
    with pytest.raises(SheetsError, match="share it as Editor") as error:
        push(sheets, site, [*ENTRIES, entry("6", "Fanny", "Roux")])
    assert error.value.cause == "permission" and fake.grid(key, "Inscrits") == before


def test_deleted_spreadsheet_says_set_a_new_key(fake: FakeGoogleSheets, sheets: RosterSheets) -> None:
    key = fake.create_spreadsheet("Paris").id
    fake.delete_spreadsheet(key)
    with pytest.raises(SheetsError, match="set a new key or remove it to have one created") as error:
        push(sheets, Site(key), ENTRIES)
    assert error.value.cause == "deleted" and key in str(error.value)


def test_a_persistent_400_is_not_retried_and_not_later(fake: FakeGoogleSheets, sheets: RosterSheets) -> None:
    key = fake.create_spreadsheet("Paris").id
    fake.fail_next(r":batchUpdate$", 400, "badRequest", times=2, message="Invalid requests[3]: protected")
    with pytest.raises(SheetsError) as error:
        push(sheets, Site(key), ENTRIES)
    assert error.value.cause == "rejected" and "later" not in str(error.value)
    assert "HTTP 400" in str(error.value) and sheets.http.retried == []


@pytest.mark.parametrize("reason", ["userRateLimitExceeded", "rateLimitExceeded"])
def test_drive_403_rate_limit_is_retried_with_backoff(
    fake: FakeGoogleSheets, sheets: RosterSheets, clock: FakeClock, reason: str
) -> None:
    fake.fail_next(r"^/drive/v3/files$", 403, reason, times=2)  # the lookup by title, then again
    start = clock.time()
    key = sheets.create_spreadsheet("Paris", ["coord@exemple.fr"])
    push(sheets, Site(key), ENTRIES)
    assert sheets.http.retried == [403, 403] and clock.time() - start >= 1 + 2
    assert row_of(fake.grid(key, "Inscrits"), "1")[PRENOM] == "Awa" and len(fake.spreadsheets) == 1


def test_a_rate_limit_that_lasts_says_the_next_run_retries(fake: FakeGoogleSheets, sheets: RosterSheets) -> None:
    key = fake.create_spreadsheet("Paris").id
    fake.fail_next(r"/v4/spreadsheets/[^/:]+$", 429, "RATE_LIMIT_EXCEEDED", times=20)
    with pytest.raises(SheetsError, match="next run tries again") as error:
        push(sheets, Site(key), ENTRIES)
    assert error.value.cause == "unavailable" and sheets.http.retried == [429] * 6


def test_a_drive_403_that_is_not_a_rate_limit_is_not_retried(fake: FakeGoogleSheets, sheets: RosterSheets) -> None:
    fake.fail_next(
        r"^/drive/v3/files$", 403, "insufficientPermissions", message="Request had insufficient authentication scopes."
    )
    with pytest.raises(SheetsError, match=r"credentials") as error:
        sheets.create_spreadsheet("Paris")
    assert error.value.cause == "credentials" and sheets.http.retried == []


def test_modified_times_in_one_listing_show_who_moved_what(fake: FakeGoogleSheets, sheets: RosterSheets) -> None:
    """One Drive call lists every spreadsheet's modifiedTime; ``since`` keeps the ones modified
    at or after it; our write is ours, a coordinator's typing is someone else's."""
    theirs = fake.create_spreadsheet("Paris").id
    ours = sheets.create_spreadsheet("Lyon")
    push(sheets, Site(ours), ENTRIES)
    before = len(fake.calls)
    listed = sheets.modified_times()
    assert fake.calls[before:] == [("drive", "drive.files.list", "")]
    assert set(listed) == {theirs, ours} and listed[theirs].by_other and not listed[ours].by_other
    assert listed[ours].time == fake.spreadsheets[ours].modified_time > listed[theirs].time

    assert set(sheets.modified_times(since=listed[ours].time)) == {ours}  # >=: the one at `since` is listed
    fake.type_in(ours, "Inscrits", 1, 0, "à rappeler")
    moved = sheets.modified_times(since=listed[ours].time)[ours]
    assert moved.time > listed[ours].time and moved.by_other


def test_modified_times_follow_pages_and_ride_out_drive_rate_limits(
    fake: FakeGoogleSheets, sheets: RosterSheets, clock: FakeClock
) -> None:
    for n in range(1001):
        fake.create_spreadsheet(f"Site {n}")
    fake.fail_next(r"^/drive/v3/files$", 403, "userRateLimitExceeded")
    start, before = clock.time(), len(fake.calls)
    listed = sheets.modified_times()
    assert len(listed) == 1001 and sheets.http.retried == [403] and clock.time() > start
    assert [m for _, m, _ in fake.calls[before:]] == ["drive.files.list"] * 2  # two pages of 1,000


def test_the_fake_drive_listing_speaks_q_and_fields_as_drive_does(
    fake: FakeGoogleSheets, client: gspread.Client
) -> None:
    book = fake.create_spreadsheet("L'Haÿ and co")
    url = f"{fake.url}/drive/v3/files"
    headers = {"Authorization": f"Bearer {TOKEN}"}
    answer = requests.get(
        url,
        headers=headers,
        params={
            "q": "name = 'L\\'Haÿ and co' and trashed = false and modifiedTime > '2026-01-01T00:00:00Z'",
            "fields": "nextPageToken,files(id,modifiedTime)",
        },
    ).json()
    assert answer == {"files": [{"id": book.id, "modifiedTime": book.modified_time}]}
    later = requests.get(url, headers=headers, params={"q": f"modifiedTime > '{book.modified_time}'"}).json()
    assert later["files"] == []
    bad = requests.get(url, headers=headers, params={"q": "modifiedTime > 'yesterday'"})
    assert bad.status_code == 400 and bad.json()["error"]["errors"][0]["reason"] == "invalid"
    unknown = requests.get(url, headers=headers, params={"q": "trashed = false", "orderByX": "name"})
    assert unknown.status_code == 400  # not a parameter of files.list in drive.v3.json


def test_a_change_made_by_hand_in_the_fake_moves_modified_time(fake: FakeGoogleSheets, sheets: RosterSheets) -> None:
    """A test that renames a tab or empties cells on the fake's model directly is a
    coordinator's edit too: Drive's modifiedTime moves, and it names someone else."""
    key = sheets.create_spreadsheet("Lyon")
    push(sheets, Site(key), ENTRIES)
    before = sheets.modified_times()[key]
    assert sheets.modified_times()[key] == before  # listing changes nothing
    fake.spreadsheets[key].sheet("Inscrits").title = "Équipe"
    after = sheets.modified_times()[key]
    assert after.time > before.time and after.by_other and not before.by_other
