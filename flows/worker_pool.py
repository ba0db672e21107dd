"""Worker processes for pure CPU work (normalising pages, writing workbooks) beside this
process's database work: how many, how they start, and their end with the step.

Started fresh (``spawn``): forking a process that runs Prefect's threads is unsafe. Starting
one costs about a second, so the callers use workers only for large work.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from types import TracebackType
from typing import Any, TypeVar

from rollcall.flows.collector import SYNC_THRESHOLDS

T = TypeVar("T")


def worker_processes() -> int:
    """One per core, at most two: this process works beside them."""
    return max(1, min(2, os.cpu_count() or 1))


def spawned_pool(
    workers: int, initializer: Callable[..., object] | None = None, initargs: tuple[Any, ...] = ()
) -> ProcessPoolExecutor:
    """``workers`` fresh interpreters, each started by ``initializer(*initargs)`` when given,
    its garbage collector paced as the sync's (``flows.collector``: a worker holds a
    site's rows, or a page of records, a whole step long)."""
    return ProcessPoolExecutor(
        max_workers=workers,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_started,
        initargs=(initializer, initargs),
    )


def _started(initializer: Callable[..., object] | None, initargs: tuple[Any, ...]) -> None:
    gc.set_threshold(*SYNC_THRESHOLDS)
    if initializer is not None:
        initializer(*initargs)


def submitted(pool: ProcessPoolExecutor, job: Callable[..., T], *args: Any) -> Future[T] | None:
    """``job(*args)`` started in ``pool``, or None when the pool cannot take it: the caller
    runs it here.

    A pool learns that a worker died a moment later, in its own thread. Until then ``submit``
    starts a replacement over the dead worker's closed pipes, and what it raises then is not
    ``BrokenProcessPool``: seen in CI and in 100 runs of the dead-worker test, ``OSError``
    ("handle is closed") and ``ValueError`` ("bad value(s) in fds_to_keep"). Any error from
    ``submit`` is taken so: nothing of the job has run (its arguments are sent, and it runs,
    only after ``submit`` returns), so running it here is safe, and a job that is itself
    wrong fails here as it would have there. A job's own errors come from ``Future.result``.
    """
    try:
        return pool.submit(job, *args)
    except Exception:  # noqa: BLE001 - see above: whatever a breaking pool raises, the job runs here
        return None


def stop_broken(pool: ProcessPoolExecutor) -> None:
    """End a pool one of whose workers died, killing every worker it still has.

    On Python 3.11, a replacement worker that ``submit`` starts while the pool's own thread
    is ending the broken pool escapes that thread's ``terminate`` and then waits forever for
    work; the pool's thread waits forever to join it, and so does this interpreter's exit
    (seen: a test run that passed and never ended). Killing the workers here, after the
    failure was seen in this thread (so after any such ``submit`` returned), ends them all.
    ``ProcessPoolExecutor.kill_workers`` (Python 3.14) does the same; 3.11 has only the
    private ``_processes``.
    """
    workers = getattr(pool, "_processes", None) or {}  # None once the pool has ended
    for process in list(workers.values()):
        process.kill()
    pool.shutdown(wait=False, cancel_futures=True)


#: Seconds between two looks at a pool's health while waiting for one of its jobs.
HEALTH_CHECK_EVERY = 1.0


def awaited(pool: ProcessPoolExecutor, future: Future[T]) -> T:
    """The job's result, or its own exception; ``BrokenProcessPool`` once a worker of ``pool``
    died and the job will not finish.

    A job submitted on Python 3.11 while the pool's thread was failing the pending work of a
    broken pool is never failed nor run: its future would never be done. Waiting in short
    steps and looking at the pool's health in between turns that into ``BrokenProcessPool``,
    which the callers handle by running the job here.
    """
    while True:
        try:
            return future.result(timeout=HEALTH_CHECK_EVERY)
        except TimeoutError:
            if future.done():
                raise  # the job's own TimeoutError
            if getattr(pool, "_broken", False):
                raise BrokenProcessPool("a worker process died before this job was done") from None


#: Seconds a step's end waits for its pool to end on its own before killing its workers.
END_WAIT = 60.0


class OwnsWorkers:
    """A context manager whose workers (``_pool``, None when none were started or they
    stopped) end with it: the work under way finished, the work not started cancelled."""

    _pool: ProcessPoolExecutor | None = None

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        if self._pool is not None:
            end_pool(self._pool)
        self._pool = None


def end_pool(pool: ProcessPoolExecutor, wait: float = END_WAIT) -> None:
    """End a pool at the end of its step: the job under way finished, the others cancelled.

    Bounded: a pool one of whose workers died, broken or about to say so, can wait forever
    on a worker that escaped it (``stop_broken``); after ``wait`` seconds its workers are
    killed. A pool at rest ends in a moment; a job still under way (the step failed while it
    ran) has ``wait`` seconds to finish.
    """
    if getattr(pool, "_broken", False):
        stop_broken(pool)
        return
    ending = getattr(pool, "_executor_manager_thread", None)  # read before shutdown clears it
    workers = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    if ending is None:
        return
    ending.join(timeout=wait)
    if ending.is_alive():
        for process in workers:
            process.kill()
        ending.join(timeout=wait)
