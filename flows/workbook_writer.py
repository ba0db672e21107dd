"""Local roster workbooks pushed by worker processes while the next sites are read.

A local roster's push past the database (``flows.workbook_push``: reading the workbook back,
merging, building the tabs, XlsxWriter writing and zipping them) is pure CPU and most of a
push. ``push_rosters`` hands each large site's job to a worker process (one per core, at most
two: ``worker_processes``) and meanwhile reads the next sites from the database; each site's
state is stored, in site order, once its job is done. At most ``ahead`` jobs are under way
at once: enough to keep every worker busy while this process reads, few enough that the
sites' rows held in memory stay a handful. Two workers never push the same workbook: a
site is submitted once a push.

A small site's job runs in this process: starting a worker (``flows.worker_pool``) costs
about a second. A worker that dies is replaced by running its job in this process: the
write is whole-file and atomic, and a push run again on a workbook the dead worker had
already written leaves the same workbook and stored state (``transforms.sheet_roster``: a
second push changes nothing); only that night's result may then report it unwritten,
with no new rows.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from concurrent.futures import CancelledError, Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from rollcall.flows.worker_pool import OwnsWorkers, awaited, spawned_pool, stop_broken, submitted, worker_processes

log = logging.getLogger(__name__)

#: Rows of the main tab from which a workbook is pushed by a worker process.
PARALLEL_FROM_ROWS = 2000

T = TypeVar("T")


@dataclass
class PendingWrite(Generic[T]):
    """A job under way in a worker (``future``, in ``writer``'s pool), or run already here
    (``result`` or ``error``)."""

    call: functools.partial[T]
    writer: WorkbookWriter
    future: Future[T] | None = None
    pool: ProcessPoolExecutor | None = None
    result: T | None = None
    error: Exception | None = None

    def wait(self) -> T:
        """The job's result, or its exception raised here. A job lost with a dead worker is
        run again in this process."""
        if self.future is None or self.pool is None:
            if self.error is not None:
                raise self.error
            return self.result  # type: ignore[return-value]
        try:
            return awaited(self.pool, self.future)
        except (BrokenProcessPool, CancelledError):  # cancelled: its pool ended with the step
            self.writer.stopped(self.pool)
            return self.call()


class WorkbookWriter(OwnsWorkers):
    """``submit(rows, job, *args, **kwargs)``: ``job(*args, **kwargs)`` started in a worker
    process when ``rows`` reaches ``from_rows``, else run here at once. ``pool``: workers
    started earlier to use (and end) rather than starting them at the first large job."""

    def __init__(self, from_rows: int = PARALLEL_FROM_ROWS, pool: ProcessPoolExecutor | None = None) -> None:
        self.from_rows = from_rows
        self.ahead = worker_processes() + 1  # one queued behind each busy worker
        #: started already when given (``flows.workbook_read_ahead``); ended with this writer
        self._pool: ProcessPoolExecutor | None = pool

    def submit(self, rows: int, job: Callable[..., T], *args: Any, **kwargs: Any) -> PendingWrite[T]:
        pending = PendingWrite(functools.partial(job, *args, **kwargs), self)
        if rows >= self.from_rows:
            pool = self._worker()
            pending.future = submitted(pool, pending.call)
            if pending.future is not None:
                pending.pool = pool
                return pending
            self.stopped(pool)
        try:
            pending.result = pending.call()
        except Exception as exc:  # noqa: BLE001 - raised by wait(), as the worker's would be
            pending.error = exc
        return pending

    def _worker(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = spawned_pool(worker_processes())
        return self._pool

    def stopped(self, pool: ProcessPoolExecutor) -> None:
        """A worker of ``pool`` died: its workers are ended, and the jobs it held run here
        (``PendingWrite.wait``); the next large workbook starts a new pool."""
        if pool is self._pool:
            log.warning(
                "the workbook writer process stopped or could not start; writing in this process (slower, nothing lost)"
            )
            stop_broken(pool)
            self._pool = None

    def __enter__(self) -> WorkbookWriter:
        return self
