"""Worker pools (``flows.worker_pool``) whose workers die: nothing waits forever, neither a
job nor the end of the process."""

from __future__ import annotations

import os
import time
from concurrent.futures import Future
from concurrent.futures.process import BrokenProcessPool

import pytest

from rollcall.flows.worker_pool import awaited, end_pool, spawned_pool, stop_broken


def die() -> None:
    os._exit(1)


def pid() -> int:
    return os.getpid()


def ended(workers: list, within: float = 10) -> bool:
    """Whether these worker processes all end within ``within`` seconds. Asked again until
    then: the pool's own thread may be reaping one at the moment it is asked, and a process
    reaped by another thread looks alive for that moment."""
    deadline = time.monotonic() + within
    while any(process.is_alive() for process in workers):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


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
    assert ended(workers)


def test_a_step_s_end_waits_for_its_pool_a_bounded_time_then_ends_its_workers() -> None:
    pool = spawned_pool(1)
    pool.submit(pid).result()
    workers = list(pool._processes.values())  # type: ignore[union-attr]
    pool.submit(time.sleep, 600)  # a worker that would hold the end for ten minutes
    started = time.monotonic()
    end_pool(pool, wait=1)
    assert time.monotonic() - started < 30
    assert ended(workers)


def test_a_pool_at_rest_ends_at_once() -> None:
    pool = spawned_pool(2)
    pool.submit(pid).result()
    started = time.monotonic()
    end_pool(pool)
    assert time.monotonic() - started < 10
