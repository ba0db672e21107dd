"""Large roster workbooks are written by a second process (``flows.workbook_writer``): what
it writes, fails or loses reaches the push as if it had written them itself."""

from __future__ import annotations

import multiprocessing
import os
from pathlib import Path

import pytest
from worker_pools import PipeClosedPool

from rollcall.flows.workbook_writer import WorkbookWriter


def record_pid(path: Path) -> None:
    path.write_text(str(os.getpid()), encoding="utf-8")


def refuse(path: Path) -> None:
    raise OSError(28, "No space left on device", str(path))


def die_in_the_worker(path: Path) -> None:
    if multiprocessing.parent_process() is not None:
        os._exit(1)  # the worker process dies mid-write
    record_pid(path)


def test_a_large_workbook_is_written_by_the_worker_a_small_one_here(tmp_path: Path) -> None:
    with WorkbookWriter(from_rows=100) as writer:
        big = writer.submit(100, record_pid, tmp_path / "big")
        small = writer.submit(99, record_pid, tmp_path / "small")
        big.wait()
        small.wait()
    assert (tmp_path / "small").read_text() == str(os.getpid())
    assert (tmp_path / "big").read_text() not in ("", str(os.getpid()))


def test_a_failed_write_is_raised_by_wait_wherever_it_ran(tmp_path: Path) -> None:
    with WorkbookWriter(from_rows=100) as writer:
        for rows in (100, 1):
            pending = writer.submit(rows, refuse, tmp_path / "roster.xlsx")
            with pytest.raises(OSError, match="No space left"):
                pending.wait()


def test_a_write_lost_with_a_dead_worker_is_made_here(tmp_path: Path) -> None:
    with WorkbookWriter(from_rows=1) as writer:
        writer.submit(5, die_in_the_worker, tmp_path / "first").wait()
        writer.submit(5, record_pid, tmp_path / "second").wait()  # a new worker, or here
    assert (tmp_path / "first").read_text() == str(os.getpid())
    assert (tmp_path / "second").exists()


def test_a_write_refused_by_a_pool_losing_its_worker_is_made_here(tmp_path: Path) -> None:
    with WorkbookWriter(from_rows=1) as writer:
        writer._pool = PipeClosedPool(max_workers=1)
        writer.submit(5, record_pid, tmp_path / "roster").wait()
        assert writer._pool is None  # the next large workbook starts a new pool
    assert (tmp_path / "roster").read_text() == str(os.getpid())
