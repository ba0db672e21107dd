"""Roster workbooks written in worker processes while the next site is prepared.

Writing a workbook (``connectors.roster_files.write_roster``: XlsxWriter building and zipping
the tabs) is most of a local roster push, and pure CPU: a first sync of 100,000 sign-ups
spends 22 s writing against 16 s reading, merging and storing. ``push_rosters`` hands each
large workbook to a worker process (one per core, at most two: ``worker_processes``) and
meanwhile stores the previous site and merges the next, so a site's write overlaps the
next site's write and this process's work (first sync at 100k: 25 s with one worker, 20 s
with two). Each site's database state is saved only once its workbook is written, as
before. Two workers never write the same workbook: a site is submitted once a push.

A small workbook is written in this process: starting a worker (``flows.worker_pool``)
costs about a second. A worker
that dies is replaced by writing in this process: the write is whole-file and atomic, so
writing again is safe.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any

from rollcall.flows.worker_pool import OwnsWorkers, spawned_pool, worker_processes

log = logging.getLogger(__name__)

#: Rows of the main tab from which a workbook is written by a worker process.
PARALLEL_FROM_ROWS = 2000


@dataclass
class PendingWrite:
    """A write under way in the worker (``future``), or made already here (``error``)."""

    call: functools.partial[None]
    future: Future[None] | None = None
    error: Exception | None = None

    def wait(self) -> None:
        """The write's outcome: its exception raised here. A write lost with a dead worker is
        made again in this process."""
        if self.future is None:
            if self.error is not None:
                raise self.error
            return
        try:
            self.future.result()
        except BrokenProcessPool:
            log.warning("the workbook writer process stopped; writing in this process")
            self.call()


class WorkbookWriter(OwnsWorkers):
    """``submit(rows, write, *args, **kwargs)``: ``write(*args, **kwargs)`` started in the
    worker process when ``rows`` reaches ``from_rows``, else made here at once."""

    def __init__(self, from_rows: int = PARALLEL_FROM_ROWS) -> None:
        self.from_rows = from_rows
        self._pool: ProcessPoolExecutor | None = None

    def submit(self, rows: int, write: Callable[..., None], *args: Any, **kwargs: Any) -> PendingWrite:
        pending = PendingWrite(functools.partial(write, *args, **kwargs))
        if rows >= self.from_rows:
            try:
                pending.future = self._worker().submit(pending.call)
                return pending
            except BrokenProcessPool:
                log.warning("the workbook writer process stopped; writing in this process")
                self._pool = None
        try:
            pending.call()
        except Exception as exc:  # noqa: BLE001 - raised by wait(), as the worker's would be
            pending.error = exc
        return pending

    def _worker(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = spawned_pool(worker_processes())
        return self._pool

    def __enter__(self) -> WorkbookWriter:
        return self
