"""30% of requests to Tally, HelloAsso and Google Sheets fail (500, 503, 429, dropped, or applied
with the reply lost), at random with fixed seeds: the nightly sync, re-run until it succeeds,
ends with the same database, workbooks and sheets as a clean run (the id-free snapshot of
``convergence.snapshot``). Then each kind of Sheets and Drive write, applied with its reply
lost, on purpose."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import pytest
from convergence.snapshot import Snapshot, assert_converged, snapshot

from faults.report import report
from faults.scenario import (
    ENV,
    GOOGLE_SITES,
    FaultPlan,
    cursor_not_ahead,
    providers,
    write_campaign,
)
from rollcall.models.campaign import DATABASE_URL_ENV

from fakes.http_server import FakeServer, Request, Response

pytestmark = [pytest.mark.faults, pytest.mark.flow]

MAX_RUNS = 4
SECTION = "faults: provider requests failed or lost"


def sync_until_it_succeeds(config: Path) -> list[str]:
    """Run the nightly sync until a run succeeds; returns why the failed runs failed."""
    from rollcall.flows.nightly import nightly_sync

    failures = []
    for _ in range(MAX_RUNS):
        try:
            nightly_sync(config=str(config))
            return failures
        except Exception as exc:  # noqa: BLE001 - a faulted run may fail; the next one must repair
            failures.append(f"{type(exc).__name__}: {str(exc)[:160]}")
    raise AssertionError(f"no successful run in {MAX_RUNS}: {failures}")


def run_campaign(directory: Path, fault: Any = None) -> tuple[Snapshot, dict[str, Any], list[str]]:
    """A sync of the web forms into workbooks and two Google sheets, with ``fault(fakes)``
    applied first; then what it produced, on natural keys, and what else is checked."""
    directory.mkdir()
    url = f"sqlite:///{directory / 'rollcall.db'}"
    with pytest.MonkeyPatch.context() as env, providers() as fakes:
        env.chdir(directory)
        env.setenv(DATABASE_URL_ENV, url)
        for name, value in ENV.items():
            env.setenv(name, value)
        config = write_campaign(
            directory,
            tally_url=fakes.tally.url,
            helloasso_url=fakes.helloasso.url,
            sheets_url=fakes.sheets.url,
            files=False,
        )
        if fault is not None:
            fault(fakes)
        failures = sync_until_it_succeeds(config)
        state = snapshot(url, directory / "var/rosters", fakes.sheets)
        extra = {
            "spreadsheets": len(fakes.sheets.spreadsheets),
            "shared_with": sorted(
                sorted({p.get("emailAddress") for p in book.permissions}) for book in fakes.sheets.spreadsheets.values()
            ),
            "formula_cells": fakes.sheets.formula_cells(),
            "cursor_problems": cursor_not_ahead(url),
        }
    return state, extra, failures


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory, prefect_harness: None) -> tuple[Snapshot, dict[str, Any]]:
    state, extra, failures = run_campaign(tmp_path_factory.mktemp("clean") / "run")
    assert failures == [] and extra["cursor_problems"] == []
    assert state.sections["registrations"]
    assert all(any(key[0] == code for key in state.sections["roster_rows"]) for code in GOOGLE_SITES), (
        "a Google sheet roster is empty"
    )
    return state, extra


def assert_same(state: Snapshot, extra: dict[str, Any], clean: tuple[Snapshot, dict[str, Any]], context: str) -> None:
    assert extra["cursor_problems"] == []
    assert extra["formula_cells"] == []
    assert_converged(state, clean[0], context)


@pytest.mark.parametrize("seed", [20221015, 7, 1312])
def test_thirty_percent_faults_end_like_a_clean_run(
    seed: int, tmp_path: Path, clean: tuple[Snapshot, dict[str, Any]]
) -> None:
    started = time.monotonic()
    plan = FaultPlan(rate=0.3, seed=seed)

    def fault(fakes: Any) -> None:
        plan.wrap(fakes.tally, "tally-form")
        plan.wrap(fakes.helloasso, "helloasso-api")
        plan.wrap(fakes.sheets.server, "sheets")

    state, extra, failures = run_campaign(tmp_path / "faulty", fault)
    report(
        SECTION,
        f"seed {seed}: {plan.requests} requests, {sum(plan.tried.values())} faulted ("
        + ", ".join(f"{k} x{n}" for k, n in sorted(plan.tried.items()))
        + f"); "
        f"{len(failures)} failed run(s) before success {failures}",
    )
    assert sum(plan.tried.values()) >= 0.15 * plan.requests
    assert_same(state, extra, clean, f"(seed {seed})")
    assert extra["spreadsheets"] == clean[1]["spreadsheets"]
    report(
        SECTION,
        f"seed {seed}: same as the clean run: {len(clean[0].sections['registrations'])} registrations, "
        f"{len(clean[0].sections['raw_records'])} raw records, {len(clean[0].sections['roster_summaries'])} rosters "
        f"({time.monotonic() - started:.0f} s)",
    )


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
    method: str, path: str, tmp_path: Path, clean: tuple[Snapshot, dict[str, Any]]
) -> None:
    lost: list[str] = []
    state, extra, failures = run_campaign(
        tmp_path / "faulty", lambda fakes: lose_reply(fakes.sheets.server, method, path, lost)
    )
    report(SECTION, f"reply lost to {lost}: {len(failures)} failed run(s) {failures}")
    assert lost, "the fault was not triggered"
    assert_same(state, extra, clean, f"(reply lost to {lost})")
    assert extra["spreadsheets"] == clean[1]["spreadsheets"], "a second spreadsheet was created"
    assert extra["shared_with"] == clean[1]["shared_with"]
