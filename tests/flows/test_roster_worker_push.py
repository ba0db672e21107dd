"""A push whose workbooks are written by the second process ends where a push written in
this process ends: the same cells in every tab, the same state in the database."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from rollcall.connectors.database import session_scope
from rollcall.models.campaign import DATABASE_URL_ENV, load_campaign
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


def synced_campaign(folder: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The example campaign after one nightly sync, in ``folder``."""
    from rollcall.flows.nightly import nightly_sync

    shutil.copytree(EXAMPLE_DIR, folder, ignore=shutil.ignore_patterns("var"))
    monkeypatch.chdir(folder)
    monkeypatch.setenv(DATABASE_URL_ENV, f"sqlite:///{folder / 'rollcall.db'}")
    nightly_sync(config=str(folder / "campaign.toml"))
    return folder


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
