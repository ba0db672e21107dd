"""Rosters read back while the sign-ups are resolved (``flows.workbook_read_ahead``): a push
given its workbook's read ahead ends as one that reads the workbook, a workbook saved since
is read again, and the worker and its folder end with the roster step."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import openpyxl
import pytest

from rollcall.connectors import roster_files
from rollcall.flows import workbook_push, workbook_read_ahead
from rollcall.flows.workbook_push import push_workbook, read_back, tabs_read_back, workbook_tabs
from rollcall.flows.workbook_read_ahead import ReadAhead
from rollcall.models.roster_tabs import ROSTER_TAB
from rollcall.transforms.sheet_roster import NOTES_HEADER

from .test_workbook_push import job


def pushed_once(path: Path) -> workbook_push.WorkbookJob:
    """A roster pushed once, then a coordinator's note on its first row and a tab of theirs
    that names R00001; the job of the next night's push."""
    first = push_workbook(job(path))
    book = openpyxl.load_workbook(path)
    sheet = book[ROSTER_TAB]
    column = [cell.value for cell in sheet[1]].index(NOTES_HEADER) + 1
    sheet.cell(row=2, column=column).value = "vient avec sa fille"
    book.create_sheet("Covoiturage").append(["R00001", "Amina", "voiture"])
    book.save(path)
    return job(path, last_pushed=first.merged.pushed)


def written_tabs(path: Path) -> dict:
    return roster_files.read_tabs(path)


def test_a_read_ahead_holds_what_reading_the_workbook_gives(tmp_path: Path) -> None:
    path = tmp_path / "PAR Paris.xlsx"
    pushed_once(path)
    read = read_back(path, tmp_path)
    assert read is not None
    assert tabs_read_back(read) == workbook_tabs(path, frozenset())


def test_a_push_given_its_read_ahead_ends_as_one_that_reads_the_workbook(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    night = pushed_once(tmp_path / "a" / "PAR Paris.xlsx")
    shutil.copyfile(night.path, tmp_path / "b" / "PAR Paris.xlsx")
    read = read_back(night.path, tmp_path)
    assert read is not None
    reading = push_workbook(replace(night, path=tmp_path / "b" / "PAR Paris.xlsx"))

    def not_read(*args: object) -> None:
        raise AssertionError("the workbook was read again: its read ahead was not used")

    monkeypatch.setattr(workbook_push, "workbook_tabs", not_read)
    ahead = push_workbook(replace(night, read_back=read))
    assert ahead == replace(reading, staged=ahead.staged)
    assert written_tabs(night.path) == written_tabs(tmp_path / "b" / "PAR Paris.xlsx")


def test_a_workbook_saved_after_its_read_ahead_is_read_again(tmp_path: Path) -> None:
    path = tmp_path / "PAR Paris.xlsx"
    night = pushed_once(path)
    read = read_back(path, tmp_path)
    assert read is not None
    book = openpyxl.load_workbook(path)  # the coordinator types while rollcall resolves
    sheet = book[ROSTER_TAB]
    column = [cell.value for cell in sheet[1]].index(NOTES_HEADER) + 1
    sheet.cell(row=3, column=column).value = "arrive à 10h"
    book.save(path)
    assert tabs_read_back(read) is None
    push_workbook(replace(night, read_back=read))
    notes = [row[column - 1] for row in written_tabs(path)[ROSTER_TAB][1:]]
    assert notes == ["vient avec sa fille", "arrive à 10h"]


def test_an_erasure_reads_the_workbook_whatever_was_read_ahead(tmp_path: Path) -> None:
    """A read ahead knows no reference leaving: an erasure's push reads the workbook, and
    the coordinator's tab loses the erased person's row."""
    path = tmp_path / "PAR Paris.xlsx"
    night = pushed_once(path)
    read = read_back(path, tmp_path)
    erasing = replace(night, inputs=replace(night.inputs, erased=frozenset({"R00001"})), read_back=read)
    outcome = push_workbook(erasing)
    assert outcome.erased_rows == 2  # the roster's row and the coordinator's
    assert written_tabs(path)["Covoiturage"] == []


def test_a_small_workbook_is_left_to_its_push(tmp_path: Path) -> None:
    path = tmp_path / "PAR Paris.xlsx"
    pushed_once(path)  # two rows: a few kilobytes
    key = ("sqlite:///nowhere.db", "small-campaign")
    workbook_read_ahead.start(key, [path])
    assert key not in workbook_read_ahead._UNDER_WAY  # no worker started


def test_a_lost_read_ahead_means_the_workbook_is_read(tmp_path: Path) -> None:
    path = tmp_path / "PAR Paris.xlsx"
    pushed_once(path)
    read = read_back(path, tmp_path)
    assert read is not None
    read.saved.write_bytes(b"not a pickle")
    assert tabs_read_back(read) is None
    read.saved.unlink()
    assert tabs_read_back(read) is None
    assert read_back(tmp_path / "missing.xlsx", tmp_path) is None


def test_a_worker_reads_the_workbooks_ahead_and_ends_with_its_folder(tmp_path: Path) -> None:
    paths = [tmp_path / "PAR Paris.xlsx", tmp_path / "LYS Lyon.xlsx"]
    for path in paths:
        pushed_once(path)
    ahead = ReadAhead(paths)
    ahead._feeder.join(timeout=60)  # every read done (a roster step takes what is done)
    reads = [ahead.taken(path) for path in paths]
    assert all(read is not None for read in reads)
    assert [tabs_read_back(read) for read in reads if read] == [workbook_tabs(p, frozenset()) for p in paths]
    folder = reads[0].saved.parent if reads[0] else None
    pool = ahead.pool
    workers = list((getattr(pool, "_processes", None) or {}).values())
    assert workers, "the reads ran in a worker process"
    ahead.end()
    assert folder is not None and not folder.exists()
    assert all(not worker.is_alive() for worker in workers)


def test_a_sync_that_ends_before_its_rosters_ends_the_read_ahead(tmp_path: Path) -> None:
    path = tmp_path / "PAR Paris.xlsx"
    pushed_once(path)
    key = ("sqlite:///nowhere.db", "test-campaign")
    workbook_read_ahead.start(key, [path, tmp_path / "never written.xlsx"], from_bytes=0)
    started = workbook_read_ahead._UNDER_WAY[key]
    workbook_read_ahead.end(key)
    assert started.pool is None
    claimed = workbook_read_ahead.claimed(key)  # the next roster step finds none
    assert claimed.pool is None and claimed.taken(path) is None
