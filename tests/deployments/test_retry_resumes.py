"""Ops' "Retry" on a failed nightly run, against a real Prefect server and a real worker.

The nightly deployment is registered from deployments/ on a process work pool, a worker
subprocess runs it, the run fails (the roster folder is blocked, or a source file was moved
away), the cause is lifted and the run is retried with the exact API call the Prefect UI
makes. The retry must complete the same sync run without pulling a completed source again
or landing anything twice, and rerun what derives from the data (normalise, resolve,
rosters), so it ends where one clean sync of the same files ends.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections import Counter, defaultdict
from datetime import UTC
from pathlib import Path
from uuid import UUID

import httpx
import pytest
from faults.scenario import snapshot
from sqlalchemy import func, select

from rollcall.connectors.database import session_scope
from rollcall.models.tables import QuarantineEntry, RawRecord, Registration, Signup, SyncRun

EXAMPLE = Path(__file__).parents[2] / "examples/journees-engagees-2022/campaign.toml"
TERMINAL = {"COMPLETED", "FAILED", "CRASHED", "CANCELLED"}

pytestmark = pytest.mark.flow


def campaign_file(tmp_path: Path, data: Path = EXAMPLE.parent / "data") -> tuple[Path, str, Path]:
    """The example campaign with its database and rosters under ``tmp_path``, reading its
    exports from ``data``."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    database = f"sqlite:///{tmp_path / 'rollcall.db'}"
    rosters = tmp_path / "rosters"
    text = EXAMPLE.read_text(encoding="utf-8")
    text = text.replace('url = "sqlite:///var/rollcall.db"', f'url = "{database}"')
    text = text.replace('directory = "var/rosters"', f'directory = "{rosters}"')
    text = text.replace('path = "data/', f'path = "{data}/')
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

    from rollcall.deployments.start import ensure_pool

    api = PREFECT_API_URL.value()
    pool = f"rollcall-test-{os.getpid()}"
    ensure_pool(pool)
    env = {
        **os.environ,
        "PREFECT_API_URL": api,
        "PREFECT_WORKER_QUERY_SECONDS": "1",
        "PREFECT_HOME": str(tmp_path / "worker-home"),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    }
    env.pop("ROLLCALL_DATABASE_URL", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "prefect", "worker", "start", "--pool", pool],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    yield api, pool
    _remove_google_limits()  # deploy_all created them: other tests on this server pace alone
    _stop(process)


def _stop(process: subprocess.Popen) -> None:
    """A worker's first SIGTERM only makes it send itself SIGINT, which a process started
    from a test may ignore (it waited out 10 s here); a second SIGTERM stops it."""
    for _ in range(2):
        process.terminate()
        try:
            process.wait(timeout=2)
            return
        except subprocess.TimeoutExpired:
            pass
    process.kill()
    process.wait()


def _remove_google_limits() -> None:
    from prefect import get_client
    from prefect.exceptions import ObjectNotFound

    from rollcall.flows.quota import PER_MINUTE, limit_name

    with get_client(sync_client=True) as client:
        for kind in PER_MINUTE:
            try:
                client.delete_global_concurrency_limit_by_name(limit_name(kind))
            except ObjectNotFound:
                pass


def retry_from_the_ui(api: str, flow_run_id: UUID) -> None:
    """The request the Prefect UI's Retry button sends (see the Prefect notes, section 3)."""
    response = httpx.post(
        f"{api}/flow_runs/{flow_run_id}/set_state",
        json={"state": {"type": "SCHEDULED", "name": "AwaitingRetry", "message": "Retry from the UI"}, "force": True},
    )
    assert response.status_code == 201


def task_states(flow_run_id: UUID, timeout: float = 60) -> dict[str, list[str]]:
    """Task name -> the states of its runs over both attempts, in order.

    Prefect 3 records task runs and their states from events, after the flow run's own
    state: read at once, a task run may have no state yet (seen under load), or be missing.
    Read again until each has a final state and a second reading finds the same runs."""
    from prefect import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    deadline, seen = time.monotonic() + timeout, None
    with get_client(sync_client=True) as client:
        while True:
            task_runs = client.read_task_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[flow_run_id])))
            final = all(t.state is not None and t.state.is_final() for t in task_runs)
            now = sorted((str(t.id), t.state.name if t.state else "") for t in task_runs)
            if final and now == seen:
                break
            if time.monotonic() > deadline:
                raise AssertionError(f"task runs of {flow_run_id} without a final state after {timeout}s")
            seen = now
            time.sleep(0.5)
    states: dict[str, list[str]] = defaultdict(list)
    for task_run in sorted(task_runs, key=lambda t: t.expected_start_time or t.created):
        assert task_run.state is not None  # waited for above
        states[task_run.task_key.split("-")[0]].append(task_run.state.name)
    return states


def assert_downstream_steps_reran(states: dict[str, list[str]]) -> None:
    """The run row is reused; what derives from the data reads the database again."""
    assert states["prepare_run"] == ["Completed", "Cached"], states["prepare_run"]
    for step in ("normalise_pending", "resolve_people"):
        assert states[step] == ["Completed", "Completed"], (step, states[step])


def test_retry_from_the_ui_reuses_the_pulls_and_pushes_once(worker, tmp_path: Path) -> None:
    from prefect.deployments import run_deployment

    from rollcall.deployments.deploy import deploy_all

    api, pool = worker
    config, database, rosters = campaign_file(tmp_path)
    rosters.write_text("a file where the roster folder should be: the push step fails")
    deploy_all(str(config), pool)

    run = run_deployment("nightly-sync/nightly", timeout=0)
    assert wait_for(api, run.id, TERMINAL) == "FAILED"
    rosters.unlink()
    retry_from_the_ui(api, run.id)
    assert wait_for(api, run.id, {"COMPLETED", "FAILED", "CRASHED"}) == "COMPLETED"

    states = task_states(run.id)
    # the push isolates sites: the task completes, naming the sites it could not push, and the
    # run fails; the retry pushes again
    assert states["write_rosters"] == ["Completed", "Completed"]
    assert_downstream_steps_reran(states)
    assert states["land_source"].count("Cached") == states["land_source"].count("Completed") > 0

    assert len(list(rosters.glob("*.xlsx"))) == 12
    with session_scope(database) as session:
        assert session.scalar(select(func.count()).select_from(RawRecord)) == 1997
        runs = session.execute(select(SyncRun.status)).scalars().all()
    assert runs == ["completed"]  # the retry finished the same sync run


def test_retry_after_a_source_file_was_missing_ends_as_one_clean_sync(worker, tmp_path: Path) -> None:
    """The night's run fails because one export was moved away; the file is put back and ops
    press Retry. The retry pulls that source only, and the people, the rosters and the run's
    summary come out as one clean sync of the same files."""
    from prefect.deployments import run_deployment

    from rollcall.deployments.deploy import deploy_all
    from rollcall.flows.nightly import nightly_sync

    api, pool = worker
    data = tmp_path / "data"
    shutil.copytree(EXAMPLE.parent / "data", data)
    config, database, rosters = campaign_file(tmp_path / "retried", data)
    moved, aside = data / "tally-inscriptions.csv", tmp_path / "tally-inscriptions.csv"
    moved.rename(aside)
    deploy_all(str(config), pool)

    run = run_deployment("nightly-sync/nightly", timeout=0)
    assert wait_for(api, run.id, TERMINAL) == "FAILED"
    with session_scope(database) as session:
        assert session.scalar(select(SyncRun.status)) == "failed"
        assert session.scalar(select(func.count()).select_from(RawRecord)) < 1997  # tally not landed
    aside.rename(moved)
    retry_from_the_ui(api, run.id)
    assert wait_for(api, run.id, {"COMPLETED", "FAILED", "CRASHED"}) == "COMPLETED"

    states = task_states(run.id)
    assert_downstream_steps_reran(states)
    pulls = Counter(states["land_source"])  # a missing file is not transient: no task retry
    assert pulls["Failed"] == 1 and pulls["Cached"] == pulls["Completed"] - 1 > 0  # only tally pulled again
    assert states["write_rosters"] == ["Completed", "Completed"]

    with session_scope(database) as session:
        raw = set(session.scalars(select(RawRecord.id)))
        signed_up = list(session.scalars(select(Signup.raw_record_id)))
        quarantined = list(session.scalars(select(QuarantineEntry.raw_record_id)))
        registered = session.scalar(
            select(func.count()).select_from(Registration).where(Registration.status == "registered")
        )
        people = session.scalar(select(func.count(func.distinct(Registration.person_id))))
        runs = session.execute(select(SyncRun.status, SyncRun.summary)).all()
    assert len(raw) == 1997
    assert sorted(signed_up + quarantined) == sorted(raw)  # each record a sign-up or quarantined, once
    assert [status for status, _ in runs] == ["completed"]  # the same sync run, finished by the retry
    summary = runs[0].summary
    assert (summary["registered"], summary["people"]) == (registered, people)
    assert all(s["error"] is None for s in summary["sources"].values())

    clean_config, clean_database, clean_rosters = campaign_file(tmp_path / "clean", data)
    nightly_sync(config=str(clean_config))
    retried, clean = snapshot(database, rosters), snapshot(clean_database, clean_rosters)
    assert len(retried["workbooks"]) == 12
    for part in clean:
        assert retried[part] == clean[part], part


def test_a_night_missed_while_the_worker_was_down_is_caught_up(worker, tmp_path: Path) -> None:
    """A run that came due while no worker ran stays on the server as Late and runs once a
    worker polls again (a stopped `serve` would have deleted it)."""
    from datetime import datetime, timedelta

    from prefect import get_client
    from prefect.states import Scheduled

    from rollcall.deployments.deploy import deploy_all

    api, pool = worker
    config, database, rosters = campaign_file(tmp_path)
    ids = deploy_all(str(config), pool)
    missed = datetime.now(UTC) - timedelta(hours=20)
    with get_client(sync_client=True) as client:
        run = client.create_flow_run_from_deployment(
            ids["nightly-sync/nightly"],
            state=Scheduled(scheduled_time=missed).model_copy(update={"name": "Late"}),
        )
    assert wait_for(api, run.id, TERMINAL) == "COMPLETED"
    assert len(list(rosters.glob("*.xlsx"))) == 12
