"""Worker processes for pure CPU work (normalising pages, writing workbooks) beside this
process's database work: how many, how they start, and their end with the step.

Started fresh (``spawn``): forking a process that runs Prefect's threads is unsafe. Starting
one costs about a second, so the callers use workers only for large work.
"""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from types import TracebackType
from typing import Any


def worker_processes() -> int:
    """One per core, at most two: this process works beside them."""
    return max(1, min(2, os.cpu_count() or 1))


def spawned_pool(workers: int, **options: Any) -> ProcessPoolExecutor:
    """``workers`` fresh interpreters; ``options``: ``ProcessPoolExecutor``'s (an initializer)."""
    return ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"), **options)


class OwnsWorkers:
    """A context manager whose workers (``_pool``, None when none were started or they
    stopped) end with it: the work under way finished, the work not started cancelled."""

    _pool: ProcessPoolExecutor | None = None

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
