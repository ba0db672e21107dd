"""Rosters pushed to Google Sheets through the nightly sync, against the local Sheets/Drive fake.

Sites use a Google sheet (created and shared with their coordinators on the first push, or a
coordinator's own sheet given by its key); the fake validates every request against the
discovery documents, checks access like Google, counts reads and writes and answers 429 past
Google's quota. One site's failure never stops the others.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from rollcall.models.campaign import DATABASE_URL_ENV

from fakes.google_sheets import SERVICE_ACCOUNT, TOKEN, FakeGoogleSheets

EXAMPLE = Path(__file__).parents[2] / "examples/journees-engagees-2022/campaign.toml"

pytestmark = pytest.mark.flow


def google_campaign(
    tmp_path: Path, base_url: str, created: tuple[str, ...] = ("GNB", "BRY"), keys: dict[str, str] | None = None
) -> Path:
    """The example campaign; ``created`` sites get a spreadsheet rollcall creates, ``keys`` sites
    the coordinator's own spreadsheet."""
    text = EXAMPLE.read_text(encoding="utf-8").replace('path = "data/', f'path = "{EXAMPLE.parent}/data/')
    for code in created:
        text = text.replace(f'code = "{code}"', f'code = "{code}"\nroster = {{ kind = "google_sheet" }}')
    for code, key in (keys or {}).items():
        text = text.replace(
            f'code = "{code}"', f'code = "{code}"\nroster = {{ kind = "google_sheet", spreadsheet = "{key}" }}'
        )
    text = text.replace(
        "[rosters]",
        f'[google]\nbase_url = "{base_url}"\n'
        'credentials = { access_token = "env:ROLLCALL_TEST_GOOGLE_TOKEN" }\n\n[rosters]',
    )
    path = tmp_path / "campaign.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, migrated_url: str, prefect_harness: None) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(DATABASE_URL_ENV, migrated_url)
    monkeypatch.setenv("ROLLCALL_TEST_GOOGLE_TOKEN", TOKEN)
    return tmp_path


def test_sheets_created_shared_filled_once_then_left_alone(env: Path) -> None:
    from rollcall.flows.nightly import nightly_sync

    with FakeGoogleSheets() as fake:
        config = google_campaign(env, fake.url)
        summary = nightly_sync(config=str(config))
        keys = {code: summary["sites"][code]["roster"] for code in ("GNB", "BRY")}
        assert len(fake.spreadsheets) == 2 and set(keys.values()) == set(fake.spreadsheets)
        grid = fake.grid(keys["GNB"], "Inscrits")
        assert (
            grid[0][0] == "Réf. inscription"
            and len(grid) - 1 == summary["sites"]["GNB"]["registered"] + summary["sites"]["GNB"]["cancelled"]
        )
        assert fake.notifications == [] and fake.formula_cells() == []
        shared = {p.get("emailAddress") for p in fake.spreadsheets[keys["GNB"]].permissions}
        assert "coordination.grenoble@example.org" in shared
        assert "coordination.brunoy@example.org" not in shared  # a site's sheet: its coordinators only
        assert len(list((env / "var/rosters").glob("*.xlsx"))) == 10  # the other sites
        writes_before = fake.count("write")

        nightly_sync(config=str(config))
        assert fake.count("write") == writes_before  # nothing changed: nothing written
        assert fake.throttled == []
        for key in keys.values():
            assert fake.count("read", key=key) <= 3


def tabs(fake: FakeGoogleSheets, key: str) -> dict[str, list[list[object]]]:
    return {s.title: fake.grid(key, s.title) for s in fake.spreadsheets[key].sheets}


def test_one_site_failing_never_stops_the_others(env: Path) -> None:
    """Paris removed the service account, Lille's sheet was deleted, Drive rate-limits the
    night: Grenoble, Brunoy and the ten workbooks are written in full all the same (equal to a
    night where nothing failed); the run ends Failed naming Paris and Lille with their fix.
    Compared on cell values, references and push dates aside."""
    from rollcall.flows.nightly import nightly_sync

    with FakeGoogleSheets() as fake:
        paris = fake.create_spreadsheet("Paris — inscrits").id
        lille = fake.create_spreadsheet("Lille — inscrits").id
        config = google_campaign(env, fake.url, keys={"PAR": paris, "LIL": lille})
        fake.revoke(paris)
        fake.delete_spreadsheet(lille)
        fake.fail_next(r"^/drive/v3/files$", 403, "userRateLimitExceeded", times=2)

        state = nightly_sync(config=str(config), return_state=True)

        assert state.is_failed()
        message = state.message or ""
        assert (
            f"PAR (Paris: spreadsheet {paris}: the sheet is no longer shared with {SERVICE_ACCOUNT}: "
            "share it as Editor" in message
        )
        assert (
            f"LIL (Lille: spreadsheet {lille} no longer exists (deleted, or a wrong key): set a new key "
            "or remove it to have one created" in message
        )
        assert "later" not in message and "Traceback" not in message and "\n" not in message
        created = {b.title: b.id for b in fake.spreadsheets.values() if b.id != paris}
        assert len(created) == 2 and fake.grid(paris, "Feuille 1") == []
        nightly = {title: tabs(fake, key) for title, key in created.items()}
        assert len(list((env / "var/rosters").glob("*.xlsx"))) == 8  # 12 sites, 4 on Google

    with FakeGoogleSheets() as clean:  # the same night, nothing failing, in a fresh database
        other = env / "clean"
        other.mkdir()
        from rollcall.connectors.database import upgrade

        url = f"sqlite:///{other / 'clean.db'}"
        upgrade(url)
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv(DATABASE_URL_ENV, url)
            mp.chdir(other)
            summary = nightly_sync(config=str(google_campaign(other, clean.url)))
        assert summary["sites"]["GNB"]["roster"]
        expected = {b.title: tabs(clean, b.id) for b in clean.spreadsheets.values()}
    assert {t: strip_ids(g) for t, g in nightly.items()} == {t: strip_ids(g) for t, g in expected.items()}


def strip_ids(tabs_: dict[str, list[list[object]]]) -> dict[str, list[list[object]]]:
    """The tabs without references and dates of the push (ids differ between databases)."""
    out = {}
    for title, grid in tabs_.items():
        if title == "Nouveautés":
            out[title] = sorted(tuple(r[1:2] + r[3:]) for r in grid[1:])
        elif title == "Inscrits":
            out[title] = sorted(tuple(r[1:]) for r in grid[1:])
        else:
            out[title] = grid
    return out


def test_access_given_back_the_next_night_pushes_that_site(env: Path) -> None:
    from rollcall.flows.nightly import nightly_sync

    with FakeGoogleSheets() as fake:
        paris = fake.create_spreadsheet("Paris — inscrits").id
        config = google_campaign(env, fake.url, created=(), keys={"PAR": paris})
        fake.set_role(paris, "reader")  # can read, cannot write
        assert nightly_sync(config=str(config), return_state=True).is_failed()
        assert fake.grid(paris, "Feuille 1") == [] and "Inscrits" not in tabs(fake, paris)
        fake.set_role(paris, "writer")
        summary = nightly_sync(config=str(config))
        grid = fake.grid(paris, "Inscrits")
        assert len(grid) - 1 == summary["sites"]["PAR"]["registered"] + summary["sites"]["PAR"]["cancelled"]
        assert summary["sites"]["PAR"]["roster_error"] is None


def full_push(config: Path) -> dict[str, dict[str, object]]:
    """Every Google site pushed without the Drive check, reading its sheet as every night did
    before: what a night that skips nothing gives (the convergence rule's reference)."""
    from rollcall.connectors import store
    from rollcall.connectors.database import session_scope
    from rollcall.flows.rosters import push_site, roster_sheets
    from rollcall.models.campaign import load_campaign

    campaign = load_campaign(str(config))
    with session_scope(campaign.database_url) as session:
        events, sheets = store.sync_events(session, campaign), roster_sheets(session, campaign)
        return {
            site.code: push_site(session, campaign, site, events[site.code], sheets)
            for site in campaign.sites
            if site.roster.kind == "google_sheet"
        }


def sheets_state(fake: FakeGoogleSheets, url: str) -> tuple[dict, list]:
    """Every spreadsheet's tabs and the stored roster states (what the coordinators typed)."""
    from sqlalchemy import create_engine, text

    with create_engine(url).connect() as connection:
        states = connection.execute(
            text("SELECT registration_id, called, present, notes FROM roster_states ORDER BY registration_id")
        ).all()
    return {key: tabs(fake, key) for key in fake.spreadsheets}, [tuple(r) for r in states]


def night_calls(fake: FakeGoogleSheets, before: int) -> list[tuple[str, str, str]]:
    return fake.calls[before:]


def test_unchanged_night_sends_one_drive_call_and_no_sheets_request(tmp_path: Path, sqlite_with_google: str) -> None:
    """After a push, nothing changed: one Drive listing, no Sheets read or write, and the
    sheets and database are what a full push (reading every sheet) leaves."""
    from rollcall.flows.nightly import nightly_sync
    from rollcall.flows.steps import write_rosters

    with FakeGoogleSheets() as fake:
        config = google_campaign(tmp_path, fake.url)
        nightly_sync(config=str(config))
        before, state = len(fake.calls), sheets_state(fake, sqlite_with_google)

        results = write_rosters.fn(str(config))

        assert night_calls(fake, before) == [("drive", "drive.files.list", "")]
        assert all(results[code]["unchanged"] and not results[code]["written"] for code in ("GNB", "BRY"))
        assert sheets_state(fake, sqlite_with_google) == state
        assert not any(r["written"] for r in full_push(config).values())
        assert sheets_state(fake, sqlite_with_google) == state


def test_a_coordinator_edit_is_read_at_that_site_only_and_kept(tmp_path: Path, sqlite_with_google: str) -> None:
    """Grenoble's coordinator types a note: that night Grenoble's sheet alone is read, the
    note is kept in the sheet and stored; Brunoy's sheet is not opened. The night after is
    unchanged again, and a full push finds nothing left to do."""
    from rollcall.flows.nightly import nightly_sync
    from rollcall.flows.steps import write_rosters

    with FakeGoogleSheets() as fake:
        config = google_campaign(tmp_path, fake.url)
        summary = nightly_sync(config=str(config))
        keys = {code: summary["sites"][code]["roster"] for code in ("GNB", "BRY")}
        header = fake.grid(keys["GNB"], "Inscrits")[0]
        fake.type_in(keys["GNB"], "Inscrits", 1, header.index("Notes"), "Vient avec sa sœur")
        fake.type_in(keys["GNB"], "Inscrits", 2, header.index("Appelé"), "oui")
        before = len(fake.calls)

        results = write_rosters.fn(str(config))

        calls = night_calls(fake, before)
        assert {key for kind, _, key in calls if kind != "drive"} == {keys["GNB"]}
        assert [kind for kind, _, _ in calls].count("read") == 1  # the roster tab, nothing else
        assert results["BRY"]["unchanged"] and not results["GNB"].get("unchanged")
        grid = fake.grid(keys["GNB"], "Inscrits")
        assert grid[1][header.index("Notes")] == "Vient avec sa sœur" and grid[2][header.index("Appelé")] == "oui"
        state = sheets_state(fake, sqlite_with_google)
        assert "Vient avec sa sœur" in {notes for _, _, _, notes in state[1]}
        assert "oui" in {called for _, called, _, _ in state[1]}

        before = len(fake.calls)
        write_rosters.fn(str(config))
        assert [kind for kind, _, _ in night_calls(fake, before)] == ["drive"]
        assert not any(r["written"] for r in full_push(config).values())
        assert sheets_state(fake, sqlite_with_google) == state


def test_a_new_registration_reads_and_writes_that_site_only(tmp_path: Path, sqlite_with_google: str) -> None:
    """A new Tally sign-up for Grenoble: Grenoble's sheet is read and written (the new row in
    it), Brunoy's is not opened; the result is what a full push gives."""
    import shutil

    from rollcall.flows.nightly import nightly_sync

    with FakeGoogleSheets() as fake:
        config = google_campaign(tmp_path, fake.url)
        tally = tmp_path / "tally-inscriptions.csv"
        shutil.copy(EXAMPLE.parent / "data/tally-inscriptions.csv", tally)
        config.write_text(
            config.read_text(encoding="utf-8").replace(f"{EXAMPLE.parent}/data/tally-inscriptions.csv", str(tally)),
            encoding="utf-8",
        )
        summary = nightly_sync(config=str(config))
        keys = {code: summary["sites"][code]["roster"] for code in ("GNB", "BRY")}
        with tally.open("a", encoding="utf-8") as handle:
            handle.write(
                "Zq9Xk2,Rq9Xk2,2022-10-01 09:00:00,Inès,Nouvelle,ines.nouvelle@exemple.fr,"
                "06 11 22 33 44,Grenoble,Affiche,Oui\n"
            )
        before = len(fake.calls)

        nightly_sync(config=str(config))

        calls = night_calls(fake, before)
        assert {key for kind, _, key in calls if kind != "drive"} == {keys["GNB"]}
        assert [kind for kind, _, _ in calls].count("read") == 1
        assert [kind for kind, _, _ in calls].count("write") == 1
        assert [kind for kind, _, _ in calls].count("drive") == 2  # the check, the time of our write
        assert any("ines.nouvelle@exemple.fr" in row for row in fake.grid(keys["GNB"], "Inscrits"))
        state = sheets_state(fake, sqlite_with_google)
        assert not any(r["written"] for r in full_push(config).values())
        assert sheets_state(fake, sqlite_with_google) == state


def test_a_write_refused_after_its_states_were_stored_leaves_nothing_mistaken_for_an_edit(
    tmp_path: Path, sqlite_with_google: str
) -> None:
    """A push stores what it writes before it sends the batchUpdate: a run stopped between
    the two must not leave a sheet whose cells the next push takes for a coordinator's edits.
    Here Google refuses Grenoble's write once its states are stored (the same state a run
    killed there leaves): the sheet still holds the push before. A registrant's phone then
    changes again: the next night writes it, flags nothing, and a full push finds nothing
    left to do."""
    from sqlalchemy import select, update

    from rollcall.connectors.database import session_scope
    from rollcall.flows.nightly import nightly_sync
    from rollcall.flows.steps import write_rosters
    from rollcall.models.ids import registration_ref
    from rollcall.models.records import REGISTERED
    from rollcall.models.tables import Event, Person, Registration
    from rollcall.transforms.sheet_roster import CONFLICT_HEADER

    def phone_now(phone: str) -> None:
        with session_scope(sqlite_with_google) as session:
            session.execute(update(Person).where(Person.id == person).values(phone=phone))

    with FakeGoogleSheets() as fake:
        config = google_campaign(tmp_path, fake.url)
        key = nightly_sync(config=str(config))["sites"]["GNB"]["roster"]
        with session_scope(sqlite_with_google) as session:
            rid, person = session.execute(
                select(Registration.id, Registration.person_id)
                .join(Event)
                .where(Event.site_code == "GNB", Registration.status == REGISTERED)
                .order_by(Registration.id)
            ).first()  # type: ignore[misc]
        before = tabs(fake, key)
        phone_now("+33611111111")
        fake.fail_next(
            rf"^/v4/spreadsheets/{key}:batchUpdate$", 403, "forbidden", message="The caller does not have permission"
        )
        refused = write_rosters.fn(str(config))
        assert refused["GNB"].get("error") and tabs(fake, key) == before

        phone_now("+33622222222")
        again = write_rosters.fn(str(config))
        assert again["GNB"]["written"] and not again["GNB"].get("error") and again["GNB"]["conflicts"] == 0
        grid = fake.grid(key, "Inscrits")
        header = grid[0]
        row = next(r for r in grid[1:] if r[0] == registration_ref(rid))
        assert row[header.index("Téléphone")] == "06 22 22 22 22"
        flagged = header.index(CONFLICT_HEADER)
        assert not any(r[flagged] for r in grid[1:] if len(r) > flagged)
        state = sheets_state(fake, sqlite_with_google)
        assert not any(r["written"] for r in full_push(config).values())
        assert sheets_state(fake, sqlite_with_google) == state
