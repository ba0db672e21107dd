"""Sync runs on SQLite and PostgreSQL: a run that never finished is closed by the next one."""

from __future__ import annotations

from sqlalchemy import select

from rollcall.connectors import store
from rollcall.connectors.database import session_scope
from rollcall.models.tables import SyncRun


def start(url: str, campaign: str = "je-2022") -> int:
    with session_scope(url) as session:
        return store.start_run(session, campaign, None)


def runs(url: str) -> dict[int, tuple[str, bool, dict | None]]:
    """Run id -> (status, finished, summary)."""
    with session_scope(url) as session:
        return {r.id: (r.status, r.finished_at is not None, r.summary) for r in session.scalars(select(SyncRun))}


def test_a_run_left_running_is_closed_as_crashed_by_the_next_one(migrated_url: str) -> None:
    killed = start(migrated_url)  # its process died before finish_run
    latest = start(migrated_url)
    assert runs(migrated_url) == {
        killed: (
            "crashed",
            True,
            {"closed_by_run": latest, "reason": "the process ended without finishing (killed or crashed)"},
        ),
        latest: ("running", False, None),
    }


def test_finished_runs_and_other_campaigns_runs_are_left_alone(migrated_url: str) -> None:
    completed, failed = start(migrated_url), start(migrated_url)
    with session_scope(migrated_url) as session:
        store.finish_run(session, completed, "completed", {"registered": 3})
        store.finish_run(session, failed, "failed", {"registered": 2})
    elsewhere = start(migrated_url, campaign="another-campaign")
    latest = start(migrated_url)
    after = runs(migrated_url)
    assert after[completed] == ("completed", True, {"registered": 3})
    assert after[failed] == ("failed", True, {"registered": 2})
    assert after[elsewhere] == ("running", False, None)  # its own campaign's next run will close it
    assert after[latest] == ("running", False, None)


def test_the_closing_lands_with_the_new_run_or_not_at_all(migrated_url: str) -> None:
    killed = start(migrated_url)
    try:
        with session_scope(migrated_url) as session:
            store.start_run(session, "je-2022", None)
            raise RuntimeError("the new run's first step fails before committing")
    except RuntimeError:
        pass
    assert runs(migrated_url) == {killed: ("running", False, None)}
