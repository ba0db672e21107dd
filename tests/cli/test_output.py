"""What the command prints when all is well: --version, --json shapes, times in the
campaign's time zone, and a quiet sync (Prefect's logs only with --verbose)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rollcall.cli.main import app
from rollcall.connectors.database import upgrade
from rollcall.flows.progress import watching
from rollcall.models.campaign import load_campaign

runner = CliRunner()
ROOT = Path(__file__).parents[2]


def test_version() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.output.splitlines()[0] == f"rollcall {metadata.version('rollcall')}"


def test_json_shapes_on_an_empty_campaign(campaign_file: Path) -> None:
    upgrade(load_campaign(campaign_file).database_url)
    status = runner.invoke(app, ["status", "--json", "--config", str(campaign_file)])
    assert status.exit_code == 0, status.output
    body = json.loads(status.output)
    assert sorted(body) == [
        "campaign",
        "goal",
        "last_sync",
        "new_volunteers",
        "people",
        "quarantine",
        "registered",
        "returning_volunteers",
        "review_pairs",
        "sites",
    ]
    assert (body["campaign"], body["goal"], body["registered"], body["last_sync"]) == (
        "journees-engagees-2022",
        1200,
        0,
        None,
    )
    assert body["sites"][0] == {
        "code": "PAR",
        "name": "Paris",
        "date": "2022-10-08",
        "capacity": 320,
        "registered": 0,
        "cancelled": 0,
        "new_volunteers": 0,
        "returning_volunteers": 0,
        "channels": {},
    }
    review = runner.invoke(app, ["review", "--json", "--config", str(campaign_file)])
    assert review.exit_code == 0 and json.loads(review.output) == {"pairs": []}
    quarantine = runner.invoke(app, ["quarantine", "--json", "--config", str(campaign_file)])
    assert quarantine.exit_code == 0 and json.loads(quarantine.output) == {"entries": []}


@pytest.mark.flow
def test_a_sync_is_quiet_unless_verbose_and_times_are_local(campaign_file: Path, prefect_harness: None) -> None:
    from prefect.settings import PREFECT_API_URL

    env = {**os.environ, "PREFECT_API_URL": str(PREFECT_API_URL.value()), "PYTHONPATH": str(ROOT), "COLUMNS": "200"}
    done = subprocess.run(
        [sys.executable, "-m", "rollcall.cli.main", "sync", "--config", str(campaign_file)],
        cwd=campaign_file.parent.parent,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert " | INFO " not in done.stdout + done.stderr
    assert done.stdout.splitlines()[-1].startswith("12 rosters changed of 12; local rosters in ")
    again = runner.invoke(app, ["sync", "--config", str(campaign_file)])
    assert again.exit_code == 0, again.output
    assert "Nothing changed: the 12 rosters are up to date; local rosters in " in " ".join(again.output.split())
    steps: list[tuple[str, int, int]] = []
    with watching(lambda *step: steps.append(step)):  # what the terminal's progress line shows
        as_json = runner.invoke(app, ["sync", "--json", "--config", str(campaign_file)])
    assert as_json.exit_code == 0, as_json.output
    summary = json.loads(as_json.output)
    assert len(summary["sites"]) == 12 and not any(s["roster_written"] for s in summary["sites"].values())
    assert steps[0] == ("Pulling jeveuxaider", 0, len(summary["sources"]))
    assert [step for step, _, _ in steps[-3:]] == ["Normalising new sign-ups", "Matching people", "Writing rosters"]
    status = runner.invoke(app, ["status", "--json", "--config", str(campaign_file)])
    started = json.loads(status.output)["last_sync"]["started_at"]
    assert started[-6:] in ("+01:00", "+02:00")  # Europe/Paris, the campaign's zone
    shown = runner.invoke(app, ["status", "--config", str(campaign_file)]).output
    assert "(Europe/Paris)." in shown.splitlines()[-1]
