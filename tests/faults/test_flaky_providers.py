"""30% of requests to Tally, HelloAsso and Google Sheets fail (500, 503, 429, dropped, or applied
with the reply lost), at random with fixed seeds: the nightly sync, re-run until it succeeds,
ends with the same database, workbooks and sheets as a clean run. Then each kind of Sheets and
Drive write, applied with its reply lost, on purpose."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import pytest
from fakes.http_server import FakeServer, Request, Response

from faults.report import report
from faults.scenario import (
    ENV,
    FaultPlan,
    cursor_not_ahead,
    providers,
    snapshot,
    write_campaign,
)
from models.campaign import DATABASE_URL_ENV

pytestmark = [pytest.mark.faults, pytest.mark.flow]

MAX_RUNS = 4
COMPARED = ("raw_records", "signups", "people", "registrations", "quarantine", "cursors", "workbooks", "sheets")
SECTION = "faults: provider requests failed or lost"


def sync_until_it_succeeds(config: Path) -> list[str]:
    """Run the nightly sync until a run succeeds; returns why the failed runs failed."""
    from flows.nightly import nightly_sync

    failures = []
    for _ in range(MAX_RUNS):
        try:
            nightly_sync(config=str(config))
            return failures
        except Exception as exc:  # noqa: BLE001 - a faulted run may fail; the next one must repair
            failures.append(f"{type(exc).__name__}: {str(exc)[:160]}")
    raise AssertionError(f"no successful run in {MAX_RUNS}: {failures}")


def run_campaign(directory: Path, fault: Any = None) -> tuple[dict[str, Any], list[str]]:
    """A sync of the web forms into workbooks and two Google sheets, with ``fault(fakes)``
    applied first; then what it produced, on natural keys."""
    directory.mkdir()
    url = f"sqlite:///{directory / 'rollcall.db'}"
    with pytest.MonkeyPatch.context() as env, providers() as fakes:
        env.chdir(directory)
        env.setenv(DATABASE_URL_ENV, url)
        for name, value in ENV.items():
            env.setenv(name, value)
        config = write_campaign(directory, tally_url=fakes.tally.url, helloasso_url=fakes.helloasso.url,
                                sheets_url=fakes.sheets.url, files=False)
        if fault is not None:
            fault(fakes)
        failures = sync_until_it_succeeds(config)
        state = snapshot(url, directory / "var/rosters", fakes.sheets)
        state["spreadsheets"] = len(fakes.sheets.spreadsheets)
        state["shared_with"] = sorted(sorted({p.get("emailAddress") for p in book.permissions})
                                      for book in fakes.sheets.spreadsheets.values())
        state["formula_cells"] = fakes.sheets.formula_cells()
        state["cursor_problems"] = cursor_not_ahead(url)
    return state, failures


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory, prefect_harness: None) -> dict[str, Any]:
    state, failures = run_campaign(tmp_path_factory.mktemp("clean") / "run")
    assert failures == [] and state["cursor_problems"] == []
    assert state["registrations"] and all(state["sheets"].values())
    return state


def assert_same(state: dict[str, Any], clean: dict[str, Any]) -> None:
    assert state["cursor_problems"] == []
    assert state["formula_cells"] == []
    for part in COMPARED:
        assert state[part] == clean[part], f"{part} differs from the clean run"


@pytest.mark.parametrize("seed", [20221015, 7, 1312])
def test_thirty_percent_faults_end_like_a_clean_run(seed: int, tmp_path: Path, clean: dict[str, Any]) -> None:
    started = time.monotonic()
    plan = FaultPlan(rate=0.3, seed=seed)

    def fault(fakes: Any) -> None:
        plan.wrap(fakes.tally, "tally-form")
        plan.wrap(fakes.helloasso, "helloasso-api")
        plan.wrap(fakes.sheets.server, "sheets")

    state, failures = run_campaign(tmp_path / "faulty", fault)
    report(SECTION, f"seed {seed}: {plan.requests} requests, {sum(plan.tried.values())} faulted ("
           + ", ".join(f"{k} x{n}" for k, n in sorted(plan.tried.items())) + f"); "
           f"{len(failures)} failed run(s) before success {failures}")
    assert sum(plan.tried.values()) >= 0.15 * plan.requests
    assert_same(state, clean)
    assert state["spreadsheets"] == clean["spreadsheets"]
    report(SECTION, f"seed {seed}: same as the clean run: {sum(clean['registrations'].values())} registrations, "
           f"{sum(clean['raw_records'].values())} raw records, {len(clean['workbooks'])} workbooks, "
           f"{len(clean['sheets'])} sheets ({time.monotonic() - started:.0f} s)")


def lose_reply(server: FakeServer, method: str, path: str, lost: list[str]) -> None:
    """The first ``method`` request matching ``path`` is applied, then its connection dropped:
    the client never hears that it worked. ``lost`` receives what was lost."""
    original = server.dispatch

    def dispatch(request: Request) -> Response | None:
        answer = original(request)
        if not lost and request.method == method and re.search(path, request.path):
            lost.append(f"{method} {request.path}")
            return None
        return answer

    server.dispatch = dispatch  # type: ignore[method-assign]


LOST_WRITES = [
    pytest.param("POST", r"/drive/v3/files$", id="drive_files_create"),
    pytest.param("POST", r"/permissions$", id="drive_permissions_create"),
    pytest.param("POST", r":batchUpdate$", id="sheets_batch_update"),
]


@pytest.mark.parametrize(("method", "path"), LOST_WRITES)
def test_a_write_applied_with_its_reply_lost_changes_nothing(
    method: str, path: str, tmp_path: Path, clean: dict[str, Any]
) -> None:
    lost: list[str] = []
    state, failures = run_campaign(tmp_path / "faulty",
                                   lambda fakes: lose_reply(fakes.sheets.server, method, path, lost))
    report(SECTION, f"reply lost to {lost}: {len(failures)} failed run(s) {failures}")
    assert lost, "the fault was not triggered"
    assert_same(state, clean)
    assert state["spreadsheets"] == clean["spreadsheets"], "a second spreadsheet was created"
    assert state["shared_with"] == clean["shared_with"]
