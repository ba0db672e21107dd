"""The garbage collector's pace during a sync (``flows.collector``), in this process and in
its workers, and back to what it was once the sync has ended."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator

import pytest

from rollcall.flows.collector import SYNC_THRESHOLDS, fewer_collections
from rollcall.flows.worker_pool import end_pool, spawned_pool


@pytest.fixture(autouse=True)
def usual_pace() -> Iterator[tuple[int, int, int]]:
    before = gc.get_threshold()
    gc.set_threshold(700, 10, 10)
    yield gc.get_threshold()
    gc.set_threshold(*before)


def test_a_sync_paces_collections_and_the_usual_pace_comes_back_even_after_an_error(
    usual_pace: tuple[int, int, int],
) -> None:
    with pytest.raises(RuntimeError), fewer_collections():
        assert gc.get_threshold() == SYNC_THRESHOLDS
        raise RuntimeError("a step failed")
    assert gc.get_threshold() == usual_pace


def test_two_syncs_in_threads_of_one_process_keep_the_pace_until_the_last_has_ended(
    usual_pace: tuple[int, int, int],
) -> None:
    first_in, first_out = threading.Event(), threading.Event()

    def first() -> None:
        with fewer_collections():
            first_in.set()
            first_out.wait(10)

    thread = threading.Thread(target=first)
    thread.start()
    first_in.wait(10)
    with fewer_collections():
        first_out.set()
        thread.join(10)
        assert gc.get_threshold() == SYNC_THRESHOLDS  # the first ended, this one runs on
    assert gc.get_threshold() == usual_pace


def remember(value: int) -> None:
    global REMEMBERED  # noqa: PLW0603 - set in the worker by its initializer
    REMEMBERED = value


REMEMBERED = 0


def remembered() -> tuple[tuple[int, int, int], int]:
    return gc.get_threshold(), REMEMBERED


def test_a_worker_runs_at_the_syncs_pace_and_still_runs_its_own_initializer() -> None:
    pool = spawned_pool(1, initializer=remember, initargs=(42,))
    try:
        assert pool.submit(remembered).result(timeout=60) == (SYNC_THRESHOLDS, 42)
    finally:
        end_pool(pool)
