"""A push whose workbooks are written by the second process ends where a push written in
this process ends: the same cells in every tab, the same state in the database."""

from __future__ import annotations

import shutil
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from rollcall.connectors.database import session_scope
from rollcall.models.campaign import DATABASE_URL_ENV, load_campaign
from rollcall.models.records import REGISTERED
from rollcall.models.tables import RosterState, RosterTarget

EXAMPLE_DIR = Path(__file__).parents[2] / "examples/journees-engagees-2022"

pytestmark = pytest.mark.flow


def workbooks(folder: Path) -> dict[str, dict[str, list[list[object]]]]:
    """Every roster's tabs and cells, as a spreadsheet program reads them. The time of a
    change in Nouveautés is when the push ran: left out."""
    found = {}
    for path in sorted(folder.glob("*.xlsx")):
        book = load_workbook(path)
        found[path.name] = {
            sheet.title: [[c.value for c in row] for row in sheet.iter_rows()]
            for sheet in book.worksheets
            if sheet.title != "Nouveautés"
        }
        found[path.name]["Nouveautés"] = [[c.value for c in row][1:] for row in book["Nouveautés"].iter_rows()]
    return found


def stored(url: str) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    with session_scope(url) as session:
        states = session.execute(
            select(RosterState.registration_id, RosterState.pushed, RosterState.called, RosterState.present,
                   RosterState.notes, RosterState.extras, RosterState.conflicts).order_by(RosterState.registration_id)
        ).all()  # fmt: skip
        targets = session.execute(
            select(RosterTarget.site_code, RosterTarget.pushed_at.is_not(None), RosterTarget.shown).order_by(
                RosterTarget.site_code
            )
        ).all()
    return [tuple(r) for r in states], [tuple(r) for r in targets]


def synced_campaign(folder: Path, monkeypatch: pytest.MonkeyPatch, url: str | None = None) -> Path:
    """The example campaign after one nightly sync, in ``folder`` (its database there, or
    ``url``). On SQLite, a copy of the module's one sync (``synced_example``): each sync
    costs some ten seconds, and every test here starts from the same one."""
    from rollcall.flows.nightly import nightly_sync

    if url is None and _SYNCED:
        shutil.copytree(_SYNCED[0], folder)
    else:
        shutil.copytree(EXAMPLE_DIR, folder, ignore=shutil.ignore_patterns("var"))
    monkeypatch.chdir(folder)
    monkeypatch.setenv(DATABASE_URL_ENV, url or f"sqlite:///{folder / 'rollcall.db'}")
    if url is not None or not _SYNCED:
        nightly_sync(config=str(folder / "campaign.toml"))
    return folder


_SYNCED: list[Path] = []  # the module's one synced example, once made


@pytest.fixture(scope="module", autouse=True)
def synced_example(tmp_path_factory: pytest.TempPathFactory, prefect_harness: None) -> Iterator[None]:
    """One nightly sync of the example on SQLite, copied by ``synced_campaign``."""
    with pytest.MonkeyPatch.context() as patch:
        _SYNCED.append(synced_campaign(tmp_path_factory.mktemp("synced") / "example", patch))
    yield
    _SYNCED.clear()


def pushed_here_and_by_the_worker(
    here: Path, worker: Path, monkeypatch: pytest.MonkeyPatch
) -> dict[str, dict[str, dict[str, object]]]:
    """``here`` copied to ``worker``, then every roster pushed in this process in ``here`` and
    by worker processes in ``worker``; each push's results by folder name."""
    from rollcall.flows.rosters import push_rosters

    shutil.copytree(here, worker)
    results = {}
    for folder, from_rows in ((here, 10**9), (worker, 0)):
        monkeypatch.chdir(folder)
        monkeypatch.setenv(DATABASE_URL_ENV, f"sqlite:///{folder / 'rollcall.db'}")
        results[folder.name] = push_rosters(load_campaign(folder / "campaign.toml"), parallel_from_rows=from_rows)
    return results


def test_workbooks_written_by_the_worker_equal_those_written_here(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, prefect_harness: None
) -> None:
    here = synced_campaign(tmp_path / "here", monkeypatch)
    rosters = here / "var/rosters"
    # a coordinator's notes in one roster, another roster deleted, a third one's row removed
    paris = next(rosters.glob("PAR *.xlsx"))
    book = load_workbook(paris)
    sheet = book["Inscrits"]
    notes = [c.column for c in sheet[1] if c.value == "Notes"][0]
    sheet.cell(row=2, column=notes).value = "Rappeler jeudi"
    book.save(paris)
    next(rosters.glob("LYS *.xlsx")).unlink()
    book = load_workbook(lille := next(rosters.glob("LIL *.xlsx")))
    book["Inscrits"].delete_rows(3)
    book.save(lille)

    worker = tmp_path / "worker"
    results = pushed_here_and_by_the_worker(here, worker, monkeypatch)

    def without_location(result: dict[str, dict[str, object]]) -> dict[str, dict[str, object]]:
        return {code: {k: v for k, v in r.items() if k != "location"} for code, r in result.items()}

    assert without_location(results["worker"]) == without_location(results["here"])
    assert sum(r["written"] for r in results["here"].values()) == 2  # Lyon back, Lille's row back
    assert workbooks(worker / "var/rosters") == workbooks(rosters)
    assert stored(f"sqlite:///{worker / 'rollcall.db'}") == stored(f"sqlite:///{here / 'rollcall.db'}")


def with_a_worksheet_cut_short(path: Path) -> bytes:
    """The workbook with its first worksheet's XML cut in half; its bytes."""
    with zipfile.ZipFile(path) as source:
        parts = [(item, source.read(item.filename)) for item in source.infolist()]
    with zipfile.ZipFile(path, "w") as package:
        for item, data in parts:
            package.writestr(item, data[: len(data) // 2] if item.filename == "xl/worksheets/sheet1.xml" else data)
    return path.read_bytes()


def test_a_workbook_that_cannot_be_read_fails_its_site_alone_wherever_it_is_pushed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, prefect_harness: None
) -> None:
    """Reading back and merging run in the worker too: a workbook left broken (half written
    by another program, or a whole zip whose worksheet is cut short) fails its own site with
    the same message, and the other sites are pushed, as when the push runs in this process."""
    here = synced_campaign(tmp_path / "here", monkeypatch)
    rosters = here / "var/rosters"
    next(rosters.glob("PAR *.xlsx")).write_bytes(b"PK\x03\x04 half a workbook")
    damaged = with_a_worksheet_cut_short(next(rosters.glob("MRS *.xlsx")))  # a zip whose XML is not whole
    next(rosters.glob("LYS *.xlsx")).unlink()  # one site with something to write

    worker = tmp_path / "worker"
    results = pushed_here_and_by_the_worker(here, worker, monkeypatch)

    for folder, result in results.items():
        assert [code for code, r in result.items() if r.get("error")] == ["PAR", "MRS"]
        assert "cannot be read, its content is damaged" in result["MRS"]["error"]
        assert result["LYS"]["written"] is True
        broken = next((tmp_path / folder / "var/rosters").glob("PAR *.xlsx"))
        assert broken.read_bytes() == b"PK\x03\x04 half a workbook"  # left as it was
        broken.unlink()
        cut = next((tmp_path / folder / "var/rosters").glob("MRS *.xlsx"))
        assert cut.read_bytes() == damaged
        cut.unlink()
    failures = {
        folder: {
            code: {k: str(v).replace(str(tmp_path / folder), "") for k, v in result[code].items() if k != "location"}
            for code in ("PAR", "MRS")
        }
        for folder, result in results.items()
    }
    assert failures["worker"] == failures["here"]
    assert workbooks(worker / "var/rosters") == workbooks(rosters)
    assert stored(f"sqlite:///{worker / 'rollcall.db'}") == stored(f"sqlite:///{here / 'rollcall.db'}")


def test_an_unforeseen_failure_fails_its_site_alone_and_a_retry_ends_as_one_clean_push(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, prefect_harness: None
) -> None:
    """A push that fails in a way no test foresaw (here XlsxWriter raising while it saves
    Paris's workbook) fails Paris alone: its message gives the error's type and where it was
    raised, never the error's text, which may quote a person. The eleven other workbooks are
    written. Pushed again once the fault is gone, every workbook and stored state equals
    one push without the fault."""
    import xlsxwriter

    from rollcall.flows.rosters import push_rosters

    here = synced_campaign(tmp_path / "here", monkeypatch)
    for workbook in (here / "var/rosters").glob("*.xlsx"):
        workbook.unlink()  # every site has its workbook to write
    clean = tmp_path / "clean"
    shutil.copytree(here, clean)
    save = xlsxwriter.Workbook.close

    def failing_for_paris(book: xlsxwriter.Workbook) -> None:
        if Path(book.filename).name.startswith(".PAR "):
            raise RuntimeError("cell of Amina Martin")
        save(book)

    with monkeypatch.context() as fault:
        fault.setattr(xlsxwriter.Workbook, "close", failing_for_paris)
        night = push_rosters(load_campaign(here / "campaign.toml"), parallel_from_rows=10**9)
    assert [code for code, r in night.items() if r.get("error")] == ["PAR"]
    error = night["PAR"]["error"]
    assert error.startswith("Paris: unexpected error RuntimeError at ") and "Amina" not in error
    assert "Retry the run" in error
    assert sorted(p.name[:3] for p in (here / "var/rosters").iterdir()) == sorted(
        code for code in night if code != "PAR"
    )  # nothing of Paris's, not even a part file
    again = push_rosters(load_campaign(here / "campaign.toml"), parallel_from_rows=10**9)
    assert not any(r.get("error") for r in again.values()) and again["PAR"]["written"]

    monkeypatch.chdir(clean)
    monkeypatch.setenv(DATABASE_URL_ENV, f"sqlite:///{clean / 'rollcall.db'}")
    push_rosters(load_campaign(clean / "campaign.toml"), parallel_from_rows=10**9)
    assert workbooks(here / "var/rosters") == workbooks(clean / "var/rosters")
    assert stored(f"sqlite:///{here / 'rollcall.db'}") == stored(f"sqlite:///{clean / 'rollcall.db'}")


def with_phone(url: str, registration_id: int, phone: str) -> None:
    """The person of that registration now has this phone (as a later sign-up would give)."""
    from sqlalchemy import update

    from rollcall.models.tables import Person, Registration

    with session_scope(url) as session:
        person = session.scalar(select(Registration.person_id).where(Registration.id == registration_id))
        session.execute(update(Person).where(Person.id == person).values(phone=phone))


def a_paris_registrant(url: str) -> int:
    """A registration shown with its phone on Paris's roster."""
    from rollcall.models.tables import Event, Registration

    with session_scope(url) as session:
        found = session.scalars(
            select(Registration.id)
            .join(Event)
            .where(Event.site_code == "PAR", Registration.status == REGISTERED)
            .order_by(Registration.id)
        ).first()
    assert found is not None
    return found


def pushed_again_with_a_new_phone(
    folders: dict[Path, str], registration_id: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each folder's campaign pushed once more (in this process), that person's phone changed."""
    from rollcall.flows.rosters import push_rosters

    for folder, url in folders.items():
        with_phone(url, registration_id, "+33622222222")
        monkeypatch.chdir(folder)
        monkeypatch.setenv(DATABASE_URL_ENV, url)
        again = push_rosters(load_campaign(folder / "campaign.toml"), parallel_from_rows=10**9)
        assert not any(r.get("error") or r.get("conflicts") for r in again.values())


def test_a_push_stopped_before_its_workbook_is_replaced_leaves_nothing_the_next_push_mistakes_for_an_edit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, prefect_harness: None
) -> None:
    """What a push writes is stored before its workbook replaces the roster. Here Paris's
    workbook cannot be replaced (open in Excel on a shared drive: the rename refused) once
    its rows' states are stored, so the roster still holds the values of the push before.
    A person's phone then changes again: the next push must write it, as one clean push
    would. The old phone still in the workbook is ours (``previous``), not a coordinator's
    edit to keep and flag for ever."""
    import os

    from rollcall.connectors import roster_files
    from rollcall.flows.rosters import push_rosters

    here = synced_campaign(tmp_path / "here", monkeypatch)
    clean = tmp_path / "clean"
    shutil.copytree(here, clean)
    urls = {folder: f"sqlite:///{folder / 'rollcall.db'}" for folder in (here, clean)}
    paris = a_paris_registrant(urls[here])
    before = workbooks(here / "var/rosters")
    with_phone(urls[here], paris, "+33611111111")
    rename = os.replace

    def refused_for_paris(source: str, target: str | Path) -> None:
        if Path(target).name.startswith("PAR "):
            raise PermissionError(13, "Permission denied", str(target))
        rename(source, target)

    with monkeypatch.context() as fault:
        fault.setattr(roster_files.os, "replace", refused_for_paris)
        night = push_rosters(load_campaign(here / "campaign.toml"), parallel_from_rows=0)
    assert [code for code, r in night.items() if r.get("error")] == ["PAR"]
    assert night["PAR"]["error"] == (
        "Paris: PAR Paris.xlsx could not be replaced (Permission denied): close it if it is open "
        f"(Excel locks it) and check that rollcall may write in {here / 'var/rosters'}, then rerun "
        "the sync; until then it keeps its previous version"
    )
    assert workbooks(here / "var/rosters") == before
    assert not list((here / "var/rosters").glob(".*.part"))  # the staged workbook deleted

    pushed_again_with_a_new_phone(urls, paris, monkeypatch)
    assert workbooks(here / "var/rosters") == workbooks(clean / "var/rosters")
    assert stored(urls[here]) == stored(urls[clean])


PUSH_IN_A_PROCESS = """
import sys
from rollcall.flows.rosters import push_rosters
from rollcall.models.campaign import load_campaign
push_rosters(load_campaign(sys.argv[1]), parallel_from_rows=10**9)
"""


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_a_sync_killed_just_after_a_workbook_is_replaced_leaves_its_states_stored(
    backend: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, prefect_harness: None, request: pytest.FixtureRequest
) -> None:
    """The other order, as it was: a workbook replaced, then the run killed (SIGKILL, as by
    the machine's memory killer) before the rows' states it wrote were stored. Those rows
    were then compared with the values of the push before, and a cell that changed again
    was kept as a coordinator's edit and flagged for ever. The push is killed here the
    moment Paris's workbook is replaced; the next push, after the phone changed again,
    must equal one clean push (on SQLite, of a copy taken before the kill).

    On PostgreSQL above all: SQLite's driver commits a savepoint opened outside a
    transaction when it is released, so there each site's states were stored as it ended."""
    import os
    import signal
    import subprocess
    import sys
    import time

    url = request.getfixturevalue("postgres_url") if backend == "postgres" else None
    if url:
        from sqlalchemy import text

        from rollcall.connectors.database import get_engine

        with get_engine(url).begin() as connection:  # empty: the first sync migrates it
            connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    here = synced_campaign(tmp_path / "here", monkeypatch, url)
    clean = tmp_path / "clean"
    shutil.copytree(here, clean)
    urls = {here: url or f"sqlite:///{here / 'rollcall.db'}", clean: f"sqlite:///{clean / 'rollcall.db'}"}
    if url:  # the clean copy: the same first sync on SQLite
        shutil.rmtree(clean)
        synced_campaign(clean, monkeypatch)
        monkeypatch.setenv(DATABASE_URL_ENV, url)
    assert workbooks(here / "var/rosters") == workbooks(clean / "var/rosters")
    paris = a_paris_registrant(urls[here])
    with_phone(urls[here], paris, "+33611111111")
    workbook = next((here / "var/rosters").glob("PAR *.xlsx"))
    inode = workbook.stat().st_ino
    push = subprocess.Popen(
        [sys.executable, "-c", PUSH_IN_A_PROCESS, str(here / "campaign.toml")],
        cwd=here,
        env={**os.environ, DATABASE_URL_ENV: urls[here]},
    )
    deadline = time.monotonic() + 120
    while workbook.stat().st_ino == inode and push.poll() is None and time.monotonic() < deadline:
        time.sleep(0.002)
    if push.poll() is None:
        os.kill(push.pid, signal.SIGKILL)
    push.wait()
    assert workbook.stat().st_ino != inode, "Paris's workbook was never replaced"

    pushed_again_with_a_new_phone(urls, paris, monkeypatch)
    assert workbooks(here / "var/rosters") == workbooks(clean / "var/rosters")
    assert stored(urls[here]) == stored(urls[clean])


def test_an_earlier_value_typed_back_by_a_coordinator_is_their_edit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, prefect_harness: None
) -> None:
    """``previous`` lives only while a push is under way: once the workbook holds what was
    pushed, a coordinator who types the old phone back (they know it is the right one) is
    making an edit, kept and flagged, not a cell of ours to write over."""
    from rollcall.flows.rosters import display_id, push_rosters
    from rollcall.transforms.sheet_roster import CONFLICT_HEADER

    here = synced_campaign(tmp_path / "here", monkeypatch)
    url = f"sqlite:///{here / 'rollcall.db'}"
    paris = a_paris_registrant(url)
    workbook = next((here / "var/rosters").glob("PAR *.xlsx"))

    def paris_row() -> tuple[list[object], dict[str, int]]:
        rows = [[c.value for c in row] for row in load_workbook(workbook)["Inscrits"].iter_rows()]
        return next(r for r in rows if r[0] == display_id(paris)), {name: i for i, name in enumerate(rows[0])}

    row, col = paris_row()
    old_phone = row[col["Téléphone"]]
    with_phone(url, paris, "+33611111111")
    assert not push_rosters(load_campaign(here / "campaign.toml"))["PAR"].get("error")
    book = load_workbook(workbook)
    sheet = book["Inscrits"]
    line = next(r[0].row for r in sheet.iter_rows() if r[0].value == display_id(paris))
    sheet.cell(line, col["Téléphone"] + 1).value = old_phone
    book.save(workbook)

    night = push_rosters(load_campaign(here / "campaign.toml"))
    assert night["PAR"]["conflicts"] == 1
    row, col = paris_row()
    assert row[col["Téléphone"]] == old_phone and "Téléphone" in row[col[CONFLICT_HEADER]]


def test_each_rosters_states_are_on_disk_before_it_is_replaced(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, prefect_harness: None
) -> None:
    """SQLite syncs its WAL at checkpoints only (``synchronous=NORMAL``): the commit of a
    site's states is synced on its own before its workbook is renamed into place, so even a
    power loss never leaves a roster whose cells the database does not know it wrote."""
    import os

    from rollcall.flows.rosters import push_rosters

    here = synced_campaign(tmp_path / "here", monkeypatch)
    for roster in (here / "var/rosters").glob("*.xlsx"):
        roster.unlink()  # every site pushed again
    wal = str(here / "rollcall.db-wal")
    done: list[str] = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd: int) -> None:
        done.append("synced" if os.readlink(f"/proc/self/fd/{fd}") == wal else "other file synced")
        real_fsync(fd)

    def replace(source: object, target: object) -> None:
        if str(target).endswith(".xlsx"):
            done.append("replaced")
        real_replace(source, target)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    results = push_rosters(load_campaign(here / "campaign.toml"), parallel_from_rows=10**9)

    assert all(r["written"] for r in results.values())
    assert done == ["synced", "replaced"] * len(results)


def test_workbooks_pushed_from_their_read_ahead_equal_those_read_at_the_push(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, prefect_harness: None
) -> None:
    """Read ahead while resolving (``flows.workbook_read_ahead``), then one roster saved by
    its coordinator before the push: the rosters and states equal a push that read every
    workbook itself, the saved one's edit kept."""
    from rollcall.flows import workbook_read_ahead
    from rollcall.flows.rosters import push_rosters, read_ahead_key

    here = synced_campaign(tmp_path / "here", monkeypatch)
    paris = next((here / "var/rosters").glob("PAR *.xlsx"))
    book = load_workbook(paris)
    notes = [c.column for c in book["Inscrits"][1] if c.value == "Notes"][0]
    book["Inscrits"].cell(row=2, column=notes).value = "Rappeler jeudi"
    book.save(paris)
    ahead = tmp_path / "ahead"
    shutil.copytree(here, ahead)
    results = {}
    for folder in (here, ahead):
        monkeypatch.chdir(folder)
        monkeypatch.setenv(DATABASE_URL_ENV, f"sqlite:///{folder / 'rollcall.db'}")
        campaign = load_campaign(folder / "campaign.toml")
        rosters = sorted((folder / "var/rosters").glob("*.xlsx"))
        if folder == ahead:
            workbook_read_ahead.start(read_ahead_key(campaign), rosters, from_bytes=0)
            reading = workbook_read_ahead._UNDER_WAY[read_ahead_key(campaign)]
            reading._feeder.join(timeout=60)  # every workbook read, as after a long resolve
        marseille = next((folder / "var/rosters").glob("MRS *.xlsx"))  # saved after it was read
        book = load_workbook(marseille)
        book["Inscrits"].cell(row=2, column=notes).value = "Arrive à 10 h"
        book.save(marseille)
        results[folder.name] = push_rosters(campaign, parallel_from_rows=0)
    assert not reading._reads.get(next((ahead / "var/rosters").glob("PAR *.xlsx")))  # Paris's read was taken
    assert reading.pool is None  # handed to the writer, ended with the step

    def without_location(result: dict[str, dict[str, object]]) -> dict[str, dict[str, object]]:
        return {code: {k: v for k, v in r.items() if k != "location"} for code, r in result.items()}

    assert without_location(results["ahead"]) == without_location(results["here"])
    pushed = sorted(code for code, r in results["here"].items() if not r.get("unchanged"))
    assert pushed == ["MRS", "PAR"]  # their notes read and stored; the other rosters skipped
    assert workbooks(ahead / "var/rosters") == workbooks(here / "var/rosters")
    assert stored(f"sqlite:///{ahead / 'rollcall.db'}") == stored(f"sqlite:///{here / 'rollcall.db'}")
    states = stored(f"sqlite:///{ahead / 'rollcall.db'}")[0]
    assert {"Rappeler jeudi", "Arrive à 10 h"} <= {state[4] for state in states}
