"""Retention reaches every roster: ``purge`` empties the purged events' rows of names,
contacts, notes and added columns in the workbooks and in a Google sheet (every tab), and the
next sync writes nothing back and changes nothing in the database.

Paris (8 Oct) and the five other sites of that day are purged with ``--before 2022-10-10``;
Lille (15 Oct) is not. Checked on cell values.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from roster_workbooks import save_roster
from sqlalchemy import select

from rollcall.connectors import roster_files
from rollcall.connectors.database import session_scope
from rollcall.models.campaign import DATABASE_URL_ENV
from rollcall.models.tables import Event, Person, Registration, RosterState
from rollcall.transforms.phones import format_national
from rollcall.transforms.sheet_roster import CHANGES_HEADERS

from fakes.google_sheets import FakeGoogleSheets

EXAMPLE = Path(__file__).parents[2] / "examples/journees-engagees-2022/campaign.toml"
BEFORE = date(2022, 10, 10)
PURGED_SITES = {"PAR", "MRS", "LYS", "RMS", "CRT", "RBX"}
#: What a purged row keeps: nobody's name or contact.
KEPT = ("Réf. inscription", "Source(s)", "Inscrit le", "Statut", "Appelé", "Présent")

pytestmark = pytest.mark.flow

Grid = list[list[Any]]


def campaign_file(root: Path, google_base_url: str | None = None) -> Path:
    """The example campaign, its sources read in place; Paris in a Google sheet if asked."""
    text = EXAMPLE.read_text(encoding="utf-8").replace('path = "data/', f'path = "{EXAMPLE.parent}/data/')
    if google_base_url:
        text = text.replace('code = "PAR"', 'code = "PAR"\nroster = { kind = "google_sheet" }')
        text = text.replace(
            "[rosters]",
            f'[google]\nbase_url = "{google_base_url}"\n'
            'credentials = { access_token = "env:ROLLCALL_TEST_GOOGLE_TOKEN" }\n\n[rosters]',
        )
    path = root / "campaign.toml"
    path.write_text(text, encoding="utf-8")
    return path


def padded(grid: Grid) -> Grid:
    width = max(map(len, grid))
    return [["" if v is None else v for v in r] + [""] * (width - len(r)) for r in grid]


def coordinator_work(grid: Grid) -> Grid:
    """Ticks and a note on the first row, a column of their own on the second, a corrected
    first name (a conflict) on the third."""
    grid = padded(grid)
    grid[0].append("Covoiturage")
    for row in grid[1:]:
        row.append("")
    h = grid[0]
    grid[1][h.index("Présent")], grid[1][h.index("Appelé")] = True, "oui"
    grid[1][h.index("Notes")] = "Allergie arachides, appeler sa mère"
    grid[2][h.index("Covoiturage")] = "2 places depuis Montreuil"
    grid[3][h.index("Prénom")] = "Jean-Corrigé"
    return grid


def purged_values(url: str, worked: Grid) -> set[str]:
    """Every name, email and phone of the purged sites' registrants, and what the coordinator
    typed in their notes and own columns."""
    with session_scope(url) as session:
        people = (
            session.execute(select(Person).join(Registration).join(Event).where(Event.site_code.in_(PURGED_SITES)))
            .scalars()
            .all()
        )
        found = {v for p in people for v in (p.first_name, p.last_name, p.email) if v}
        found |= {format_national(p.phone) for p in people if p.phone}
    h = worked[0]
    return found | {"Jean-Corrigé", worked[1][h.index("Notes")], worked[2][h.index("Covoiturage")]}


def expected_after_purge(worked: Grid) -> Grid:
    """The roster as a clean push of the purged data writes it, given the coordinator's
    ticks: each row keeps its reference, sources, date, status, Appelé and Présent."""
    h = worked[0]
    return [list(h)] + [[v if h[i] in KEPT else "" for i, v in enumerate(row)] for row in worked[1:]]


def db_snapshot(url: str) -> tuple[Any, ...]:
    with session_scope(url) as session:
        registrations = sorted(
            (r.id, r.person_id, r.event_id, r.status, tuple(r.sources), str(r.registered_at))
            for r in session.scalars(select(Registration))
        )
        people = sorted((p.id, p.first_name, p.last_name, p.email, p.phone) for p in session.scalars(select(Person)))
        states = sorted(
            (s.registration_id, sorted((s.pushed or {}).items()), s.called, s.present, s.notes, s.extras)
            for s in session.scalars(select(RosterState))
        )
    return registrations, people, states


def strings(tabs: dict[str, Grid]) -> set[str]:
    return {str(v).strip() for grid in tabs.values() for row in grid for v in row if isinstance(v, str) and v.strip()}


def same_but_contacts(after: Grid, before: Grid) -> bool:
    """Same rows, in the same order, differing at most in names and contacts: a person who
    also came to a purged event no longer shows what they gave there."""
    h = before[0]
    personal = {h.index(n) for n in ("Prénom", "Nom", "Email", "Téléphone")}

    def rest(grid: Grid) -> Grid:
        return [[v for i, v in enumerate(row) if i not in personal] for row in padded(grid)]

    return rest(after) == rest(before)


def workbook(root: Path, code: str) -> Path:
    return next((root / "var/rosters").glob(f"{code} *.xlsx"))


def test_purge_empties_the_purged_workbooks_and_the_next_sync_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, migrated_url: str, prefect_harness: None
) -> None:
    from rollcall.flows.nightly import nightly_sync
    from rollcall.flows.privacy import purge

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(DATABASE_URL_ENV, migrated_url)
    config = campaign_file(tmp_path)
    nightly_sync(config=str(config))
    paris, lille = workbook(tmp_path, "PAR"), workbook(tmp_path, "LIL")
    tabs = roster_files.read_tabs(paris)
    worked = coordinator_work(tabs["Inscrits"])
    save_roster(paris, worked, changes=tabs["Nouveautés"], summary=tabs["Résumé"])
    nightly_sync(config=str(config))  # the coordinator's work is read and stored
    worked = padded(roster_files.read_tabs(paris)["Inscrits"])
    secrets = purged_values(migrated_url, worked)
    summary_before = roster_files.read_tabs(paris)["Résumé"]
    lille_before = roster_files.read_tabs(lille)
    registrations_before = db_snapshot(migrated_url)[0]

    counts = purge(str(config), BEFORE)

    assert counts["rosters_rewritten"] == len(PURGED_SITES)
    after = roster_files.read_tabs(paris)
    assert padded(after["Inscrits"]) == expected_after_purge(worked)
    assert after["Nouveautés"] == [list(CHANGES_HEADERS)]  # no line names a purged registration
    assert after["Résumé"] == summary_before  # registrations and their counts survive
    for code in PURGED_SITES:
        assert not strings(roster_files.read_tabs(workbook(tmp_path, code))) & secrets, code
    lille_after = roster_files.read_tabs(lille)
    assert same_but_contacts(lille_after["Inscrits"], lille_before["Inscrits"])
    with session_scope(migrated_url) as session:
        ticked = session.get_one(RosterState, int(worked[1][0][1:]))
        assert (ticked.called, ticked.present, ticked.notes, ticked.extras) == ("oui", True, None, None)
    purged_db = db_snapshot(migrated_url)
    assert [r[::2] for r in purged_db[0]] == [r[::2] for r in registrations_before]  # same rows, events

    result = nightly_sync(config=str(config))

    assert db_snapshot(migrated_url) == purged_db
    assert roster_files.read_tabs(paris) == after and roster_files.read_tabs(lille) == lille_after
    assert result["sites"]["PAR"]["conflicts"] == 0 and result["sites"]["PAR"]["new_this_run"] == 0
    assert purge(str(config), BEFORE)["rosters_rewritten"] == 0  # a second purge changes nothing


def test_purge_reaches_every_tab_of_a_google_roster(tmp_path: Path, sqlite_with_google: str) -> None:
    """On SQLite only: the roster path does not depend on the database backend."""
    from rollcall.flows.nightly import nightly_sync
    from rollcall.flows.privacy import purge

    url = sqlite_with_google
    with FakeGoogleSheets() as fake:
        config = campaign_file(tmp_path, fake.url)
        key = nightly_sync(config=str(config))["sites"]["PAR"]["roster"]
        worked = coordinator_work(fake.grid(key, "Inscrits"))
        fake.set_grid(key, "Inscrits", worked)
        book = fake.spreadsheets[key]
        book.sheets.append(type(book.sheets[0])(77, "Ma copie", 3))
        fake.set_grid(key, "Ma copie", [["Mes appels"], *worked[1:4], ["une ligne à moi"]])
        nightly_sync(config=str(config))
        worked = padded(fake.grid(key, "Inscrits"))
        secrets = purged_values(url, worked)

        purge(str(config), BEFORE)

        titles = [s.title for s in fake.spreadsheets[key].sheets]
        every = {title: fake.grid(key, title) for title in titles}
        assert not strings(every) & secrets
        assert padded(every["Inscrits"]) == expected_after_purge(worked)
        assert every["Ma copie"] == [["Mes appels"], ["une ligne à moi"]]
        assert every["Nouveautés"] == [list(CHANGES_HEADERS)]
        assert fake.formula_cells() == []
        purged_db = db_snapshot(url)
        writes = fake.count("write", key)

        nightly_sync(config=str(config))

        assert fake.count("write", key) == writes  # nothing written back
        assert {title: fake.grid(key, title) for title in titles} == every
        assert db_snapshot(url) == purged_db
