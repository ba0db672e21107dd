"""Several workers pushing for one Google account share its quota through Prefect's global
rate limits (``flows.quota``), against the session's real Prefect server."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from rollcall.connectors.google_sheets import BURST, RateLimiter
from rollcall.flows import quota

pytestmark = pytest.mark.flow


def _client():
    from prefect import get_client

    return get_client(sync_client=True)


@pytest.fixture
def no_limits(prefect_harness: None) -> Iterator[None]:
    """The shared limits removed before and after: other tests on this server pace alone."""

    from prefect.exceptions import ObjectNotFound

    def remove() -> None:
        with _client() as client:
            for kind in quota.PER_MINUTE:
                try:
                    client.delete_global_concurrency_limit_by_name(quota.limit_name(kind))
                except ObjectNotFound:
                    pass

    remove()
    yield
    remove()


def _in_a_flow_run(body):
    """``body`` run in a task of a flow run, as the roster and landing steps are."""
    from prefect import flow, task

    @task(persist_result=False)
    def step():
        return body()

    @flow(name="quota-probe", persist_result=False)
    def probe():
        return step()

    return probe()


def test_outside_a_flow_run_or_without_limits_each_process_paces_alone(no_limits: None) -> None:
    assert quota.shared_google_quota() is None
    assert _in_a_flow_run(lambda: quota.shared_google_quota() is None)


def test_deploy_creates_the_three_limits_at_google_quotas_and_sets_them_back(no_limits: None) -> None:
    quota.ensure_google_limits()
    with _client() as client:
        client.upsert_global_concurrency_limit_by_name("rollcall-google-read", 1, slot_decay_per_second=0.01)
    assert quota.ensure_google_limits() == ["rollcall-google-read", "rollcall-google-write", "rollcall-google-drive"]
    with _client() as client:
        limits = {
            kind: client.read_global_concurrency_limit_by_name(quota.limit_name(kind)) for kind in quota.PER_MINUTE
        }
    for kind, limit in limits.items():
        assert limit.limit == BURST
        # no 60-second window above the documented quota: the burst, then the decay
        assert BURST + 60 * limit.slot_decay_per_second == pytest.approx(quota.PER_MINUTE[kind])
    assert limits["read"].slot_decay_per_second == pytest.approx(50 / 60)


def test_two_processes_limiters_together_stay_under_the_shared_rate(no_limits: None) -> None:
    """Two runs' limiters, each allowing far more on its own, take slots of one shared limit:
    their requests together follow its bucket (here 2 slots, 5 freed a second, to be quick)."""
    with _client() as client:
        client.upsert_global_concurrency_limit_by_name("rollcall-google-read", 2, slot_decay_per_second=5.0)
        for kind in ("write", "drive"):
            client.upsert_global_concurrency_limit_by_name(quota.limit_name(kind), 2, slot_decay_per_second=5.0)

    def two_runs() -> list[float]:
        shared = quota.shared_google_quota()
        assert shared is not None
        stamps: list[float] = []
        lock = threading.Lock()

        def run() -> None:
            limiter = RateLimiter(per_minute=10_000, drive_per_minute=10_000, shared=shared)
            for _ in range(6):
                limiter.acquire("read")
                with lock:
                    stamps.append(time.monotonic())

        threads = [threading.Thread(target=run) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return sorted(stamps)

    stamps = _in_a_flow_run(two_runs)
    assert len(stamps) == 12
    # 2 at once, then 5 a second: 12 slots need at least (12 - 2) / 5 = 2 s (alone: instant)
    assert stamps[-1] - stamps[0] >= 1.6, stamps
    for i, start in enumerate(stamps):  # no window holds more than the bucket allows
        inside = sum(1 for t in stamps[i:] if t - start <= 1.0)
        assert inside <= 2 + 5 * 1.0 + 1, (start, stamps)
