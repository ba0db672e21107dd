"""The roster tab is ours by its sheetId, not by its name (local Sheets/Drive fake).

A coordinator renames "Inscrits" and moves it: the next sync updates that tab, keeps every
tick, note and added column, in the sheet and in the database. They delete it: the next sync
makes it again from what the database holds (their ticks, notes and columns), announced as
"Rétablie", not as new sign-ups. An erasure reaches the renamed tab and their own copy of it.
Checked on cell values.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from rollcall.connectors.database import session_scope
from rollcall.models.campaign import DATABASE_URL_ENV
from rollcall.models.tables import RosterState

from fakes.google_sheets import TOKEN, FakeGoogleSheets

EXAMPLE = Path(__file__).parents[2] / "examples/journees-engagees-2022/campaign.toml"

pytestmark = pytest.mark.flow

Grid = list[list[Any]]


def google_campaign(root: Path, base_url: str) -> Path:
    text = EXAMPLE.read_text(encoding="utf-8").replace('path = "data/', f'path = "{EXAMPLE.parent}/data/')
    text = text.replace('code = "GNB"', 'code = "GNB"\nroster = { kind = "google_sheet" }')
    text = text.replace(
        "[rosters]",
        f'[google]\nbase_url = "{base_url}"\n'
        'credentials = { access_token = "env:ROLLCALL_TEST_GOOGLE_TOKEN" }\n\n[rosters]',
    )
    path = root / "campaign.toml"
    path.write_text(text, encoding="utf-8")
    return path


def padded(grid: Grid) -> Grid:
    width = len(grid[0])
    return [list(r) + [""] * (width - len(r)) for r in grid]


def coordinator_work(grid: Grid) -> Grid:
    """Ticks the first registrant, notes on the second, a column of their own on the third."""
    grid = padded(grid)
    grid[0].append("Covoiturage")
    for row in grid[1:]:
        row.append("")
    header = grid[0]
    grid[1][header.index("Présent")] = True
    grid[2][header.index("Notes")] = "Rappeler jeudi"
    grid[2][header.index("Appelé")] = "oui"
    grid[3][header.index("Covoiturage")] = "2 places"
    return grid


def states(url: str) -> dict[int, tuple[Any, ...]]:
    with session_scope(url) as session:
        return {
            s.registration_id: (s.called, s.present, s.notes, s.extras) for s in session.scalars(select(RosterState))
        }


def test_renamed_moved_deleted_tab_keeps_the_coordinators_work(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, migrated_url: str, prefect_harness: None
) -> None:
    from rollcall.flows.nightly import nightly_sync
    from rollcall.flows.privacy import erase

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(DATABASE_URL_ENV, migrated_url)
    monkeypatch.setenv("ROLLCALL_TEST_GOOGLE_TOKEN", TOKEN)
    with FakeGoogleSheets() as fake:
        config = google_campaign(tmp_path, fake.url)
        key = nightly_sync(config=str(config))["sites"]["GNB"]["roster"]
        book = fake.spreadsheets[key]
        worked = coordinator_work(fake.grid(key, "Inscrits"))
        fake.set_grid(key, "Inscrits", worked)
        roster = book.sheet("Inscrits")
        roster.title, roster.index = "Grenoble – équipe", 2  # renamed and moved after Résumé
        book.sheet("Résumé").index, book.sheet("Nouveautés").index = 0, 1
        news_before = fake.grid(key, "Nouveautés")

        nightly_sync(config=str(config))
        book = fake.spreadsheets[key]
        assert {s.title for s in book.sheets} == {
            "Grenoble – équipe",
            "Émargement",
            "À compléter",
            "Nouveautés",
            "Résumé",
        }
        assert padded(fake.grid(key, "Grenoble – équipe")) == worked  # the same tab, untouched
        assert fake.grid(key, "Nouveautés") == news_before  # nobody announced as new
        kept = states(migrated_url)
        header = worked[0]
        ref = {name: worked[i][0] for name, i in (("ticked", 1), ("noted", 2), ("column", 3))}
        assert kept[int(ref["ticked"][1:])][1] is True
        assert kept[int(ref["noted"][1:])][::2] == ("oui", "Rappeler jeudi")
        assert kept[int(ref["column"][1:])][3] == {"Covoiturage": "2 places"}

        fake.spreadsheets[key].sheets = [s for s in fake.spreadsheets[key].sheets if s.title != "Grenoble – équipe"]
        nightly_sync(config=str(config))
        assert padded(fake.grid(key, "Inscrits")) == worked  # made again from the database
        assert states(migrated_url) == kept
        news = fake.grid(key, "Nouveautés")
        assert {r[1] for r in news[1:]} == {"Rétablie"} and len(news) == len(worked)

        # the coordinator renames it again and keeps a copy of it in a tab of their own
        fake.spreadsheets[key].sheet("Inscrits").title = "Équipe"
        copy = fake.create_spreadsheet("scratch", tabs=("Copie",))
        fake.spreadsheets[key].sheets.append(
            type(copy.sheets[0])(77, "Ma copie", 3, cells=dict(fake.spreadsheets[key].sheet("Équipe").cells))
        )
        email = worked[1][header.index("Email")]
        assert erase(str(config), email=email)["roster_rows_removed"] == 2
        for title in ("Équipe", "Ma copie", "Nouveautés"):
            values = fake.grid(key, title)
            assert not any(ref["ticked"] in row or email in row for row in values), title
        assert padded(fake.grid(key, "Équipe")) == [worked[0], *worked[2:]]
        assert fake.formula_cells() == []
