"""Two syncs of one campaign started at once (two processes), on SQLite and PostgreSQL: one is
refused with "already running" (the campaign lock), and the result is that of a single run
(the id-free snapshot of ``convergence.snapshot``)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from convergence.snapshot import Snapshot, assert_converged, snapshot

from faults.report import report
from faults.scenario import ENV, providers, write_campaign
from faults.test_killed_sync import sync_process
from rollcall.models.campaign import DATABASE_URL_ENV

pytestmark = [pytest.mark.faults, pytest.mark.flow]


@pytest.fixture(scope="module")
def single_run(tmp_path_factory: pytest.TempPathFactory, prefect_harness: None) -> Snapshot:
    """What one sync, alone, produces."""
    from rollcall.flows.nightly import nightly_sync

    directory = tmp_path_factory.mktemp("single")
    url = f"sqlite:///{directory / 'rollcall.db'}"
    with providers(sheets=False) as fakes, pytest.MonkeyPatch.context() as env:
        env.chdir(directory)
        env.setenv(DATABASE_URL_ENV, url)
        for name, value in ENV.items():
            env.setenv(name, value)
        config = write_campaign(
            directory, tally_url=fakes.tally.url, helloasso_url=fakes.helloasso.url, sheets_url=None
        )
        nightly_sync(config=str(config))
        return snapshot(url, directory / "var/rosters")


def test_two_syncs_at_once_one_is_refused_result_of_one_run(
    tmp_path: Path, migrated_url: str, single_run: Snapshot
) -> None:
    started = time.monotonic()
    with providers(sheets=False) as fakes:
        # Providers answering in a second, as real ones may: the sync that takes the lock holds
        # it for seconds, so the other, started at the same moment, finds it taken even when
        # its interpreter starts a little later (a fast sync could otherwise end before).
        fakes.tally.latency = fakes.helloasso.latency = 1.0
        config = write_campaign(tmp_path, tally_url=fakes.tally.url, helloasso_url=fakes.helloasso.url, sheets_url=None)
        processes = [sync_process(config, migrated_url, tmp_path) for _ in range(2)]
        outcomes = []
        for process in processes:
            _, stderr = process.communicate(timeout=300)
            outcomes.append((process.returncode, stderr.decode(errors="replace")))
        pulls = fakes.tally.count(path="/submissions")
        state = snapshot(migrated_url, tmp_path / "var/rosters")
    codes = sorted(code for code, _ in outcomes)
    refused = [err for code, err in outcomes if code != 0]
    backend = migrated_url.split(":")[0]
    report(
        "faults: two syncs at once",
        f"{backend}: exit codes {codes}; refused with: "
        f"{[line for e in refused for line in e.splitlines() if 'already running' in line][:1]}; "
        f"tally pulled {pulls} page(s) ({time.monotonic() - started:.0f} s)",
    )
    assert codes == [0, 1], [err[-2000:] for _, err in outcomes]
    assert "already running" in refused[0]
    assert_converged(state, single_run, f"(two syncs at once, {backend})")
    report(
        "faults: two syncs at once",
        f"{backend}: same as a single run ({len(state.sections['registrations'])} registrations)",
    )
