"""A sync run whose process died stays ``running`` only until the next sync of its campaign."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from rollcall.connectors import store
from rollcall.connectors.database import session_scope
from rollcall.models.campaign import DATABASE_URL_ENV
from rollcall.models.tables import SyncRun

EXAMPLE = Path(__file__).parents[2] / "examples/journees-engagees-2022/campaign.toml"

pytestmark = pytest.mark.flow


def walk_ins_only(directory: Path) -> Path:
    """The example campaign with its smallest source only (the walk-ins workbook)."""
    text = EXAMPLE.read_text(encoding="utf-8")
    sites, sources = text.split("# --- Sources")
    walk_ins = sources[sources.index("# Walk-ins") : sources.index("# --- Web forms")]
    path = directory / "campaign.toml"
    path.write_text(
        sites + "# --- Sources\n" + walk_ins.replace('path = "data/', f'path = "{EXAMPLE.parent}/data/'),
        encoding="utf-8",
    )
    return path


def test_the_next_sync_closes_a_run_left_running_as_crashed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, migrated_url: str, prefect_harness: None
) -> None:
    from rollcall.flows.nightly import nightly_sync

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(DATABASE_URL_ENV, migrated_url)
    with session_scope(migrated_url) as session:  # what a sync killed after its first step leaves
        killed = store.start_run(session, "journees-engagees-2022", "a-flow-run-that-was-killed")

    summary = nightly_sync(config=str(walk_ins_only(tmp_path)))

    with session_scope(migrated_url) as session:
        runs = {r.id: r for r in session.scalars(select(SyncRun))}
        assert set(runs) == {killed, summary["run_id"]}
        assert runs[summary["run_id"]].status == "completed"
        assert runs[killed].status == "crashed" and runs[killed].finished_at is not None
        assert runs[killed].summary == {
            "closed_by_run": summary["run_id"],
            "reason": "the process ended without finishing (killed or crashed)",
        }
