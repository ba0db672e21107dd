"""Ops' "Retry" on a failed nightly run, against a real Prefect server and a real worker.

The nightly deployment is registered from deployments/ on a process work pool, a worker
subprocess runs it, the run fails in the push step (the roster folder is blocked), the
block is lifted and the run is retried with the exact API call the Prefect UI makes. The
retry must complete without pulling or resolving again, and land nothing twice.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path
from uuid import UUID

import httpx
import pytest
from sqlalchemy import func, select

from connectors.database import session_scope
from models.tables import RawRecord, SyncRun

EXAMPLE = Path(__file__).parents[2] / "examples/journees-engagees-2022/campaign.toml"
TERMINAL = {"COMPLETED", "FAILED", "CRASHED", "CANCELLED"}

pytestmark = pytest.mark.flow


def campaign_file(tmp_path: Path) -> tuple[Path, str, Path]:
    database = f"sqlite:///{tmp_path / 'rollcall.db'}"
    rosters = tmp_path / "rosters"
    text = EXAMPLE.read_text(encoding="utf-8")
    text = text.replace('url = "sqlite:///var/rollcall.db"', f'url = "{database}"')
    text = text.replace('directory = "var/rosters"', f'directory = "{rosters}"')
    text = text.replace('path = "data/', f'path = "{EXAMPLE.parent}/data/')
    config = tmp_path / "campaign.toml"
    config.write_text(text, encoding="utf-8")
    return config, database, rosters


def wait_for(api: str, flow_run_id: UUID, states: set[str], timeout: float = 180) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        state = httpx.get(f"{api}/flow_runs/{flow_run_id}").json()["state"]
        if state and state["type"] in states:
            return state["type"]
        time.sleep(1)
    raise AssertionError(f"flow run {flow_run_id} did not reach {states} in {timeout}s")


@pytest.fixture
def worker(prefect_harness: None, tmp_path: Path):
    from prefect.settings import PREFECT_API_URL

    from deployments.start import ensure_pool

    api = PREFECT_API_URL.value()
    pool = f"rollcall-test-{os.getpid()}"
    ensure_pool(pool)
    env = {**os.environ, "PREFECT_API_URL": api, "PREFECT_WORKER_QUERY_SECONDS": "1",
           "PREFECT_HOME": str(tmp_path / "worker-home"), "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    env.pop("ROLLCALL_DATABASE_URL", None)
    process = subprocess.Popen([sys.executable, "-m", "prefect", "worker", "start", "--pool", pool],
                               env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    yield api, pool
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()


def test_retry_from_the_ui_reuses_pull_and_resolve_and_pushes_once(worker, tmp_path: Path) -> None:
    from prefect import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId
    from prefect.deployments import run_deployment

    from deployments.deploy import deploy_all

    api, pool = worker
    config, database, rosters = campaign_file(tmp_path)
    rosters.write_text("a file where the roster folder should be: the push step fails")
    deploy_all(str(config), pool)

    run = run_deployment("nightly-sync/nightly", timeout=0)
    assert wait_for(api, run.id, TERMINAL) == "FAILED"
    rosters.unlink()
    response = httpx.post(f"{api}/flow_runs/{run.id}/set_state", json={
        "state": {"type": "SCHEDULED", "name": "AwaitingRetry", "message": "Retry from the UI"},
        "force": True})
    assert response.status_code == 201
    assert wait_for(api, run.id, {"COMPLETED", "FAILED", "CRASHED"}) == "COMPLETED"

    with get_client(sync_client=True) as client:
        task_runs = client.read_task_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[run.id])))
    states: dict[str, list[str]] = defaultdict(list)
    for task_run in sorted(task_runs, key=lambda t: t.expected_start_time or t.created):
        states[task_run.task_key.split("-")[0]].append(task_run.state.name)
    assert states["write_rosters"] == ["Failed", "Completed"]
    for step in ("prepare_run", "normalise_pending", "resolve_people"):
        assert states[step] == ["Completed", "Cached"], (step, states[step])
    assert states["land_source"].count("Cached") == states["land_source"].count("Completed") > 0

    assert len(list(rosters.glob("*.xlsx"))) == 12
    with session_scope(database) as session:
        assert session.scalar(select(func.count()).select_from(RawRecord)) == 1997
        runs = session.execute(select(SyncRun.status)).scalars().all()
    assert runs == ["completed"]  # the retry finished the same sync run


def test_a_night_missed_while_the_worker_was_down_is_caught_up(worker, tmp_path: Path) -> None:
    """A run that came due while no worker ran stays on the server as Late and runs once a
    worker polls again (a stopped `serve` would have deleted it)."""
    from datetime import datetime, timedelta, timezone

    from prefect import get_client
    from prefect.states import Scheduled

    from deployments.deploy import deploy_all

    api, pool = worker
    config, database, rosters = campaign_file(tmp_path)
    ids = deploy_all(str(config), pool)
    missed = datetime.now(timezone.utc) - timedelta(hours=20)
    with get_client(sync_client=True) as client:
        run = client.create_flow_run_from_deployment(
            ids["nightly-sync/nightly"], state=Scheduled(scheduled_time=missed).model_copy(update={"name": "Late"}),
        )
    assert wait_for(api, run.id, TERMINAL) == "COMPLETED"
    assert len(list(rosters.glob("*.xlsx"))) == 12
