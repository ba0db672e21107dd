"""Worker pools (``flows.worker_pool``) whose workers die: nothing waits forever, neither a
job nor the end of the process."""

from __future__ import annotations

import os
import time
from concurrent.futures import Future
from concurrent.futures.process import BrokenProcessPool

import pytest

from rollcall.flows.worker_pool import awaited, spawned_pool, stop_broken


def die() -> None:
    os._exit(1)


def pid() -> int:
    return os.getpid()


def test_a_job_the_broken_pool_lost_track_of_is_reported_broken_not_awaited_forever() -> None:
    pool = spawned_pool(1)
    with pytest.raises(BrokenProcessPool):
        pool.submit(die).result()
    lost: Future[int] = Future()  # submitted as the pool broke (Python 3.11): never done
    started = time.monotonic()
    with pytest.raises(BrokenProcessPool, match="worker process died"):
        awaited(pool, lost)
    assert time.monotonic() - started < 10
    stop_broken(pool)


def test_a_job_s_own_result_and_errors_come_back_through_awaited() -> None:
    pool = spawned_pool(1)
    try:
        assert awaited(pool, pool.submit(pid)) != os.getpid()
        with pytest.raises(ZeroDivisionError):
            awaited(pool, pool.submit(divmod, 1, 0))
    finally:
        pool.shutdown()


def test_stopping_a_pool_ends_every_worker_it_still_has() -> None:
    pool = spawned_pool(2)
    pool.submit(pid).result()
    workers = list(pool._processes.values())  # type: ignore[union-attr]
    assert workers and all(process.is_alive() for process in workers)
    stop_broken(pool)
    for process in workers:
        process.join(timeout=10)
    assert not any(process.is_alive() for process in workers)
