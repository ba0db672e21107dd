"""The nightly sync: pull -> land raw -> normalise -> resolve people -> write rosters.

Runs with no Prefect server (ephemeral mode) for the demo, and as a deployment in production.
One failing source does not stop the others; the run still writes rosters from what it has,
then ends Failed naming the source, so nobody mistakes a partial night for a full one.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from functools import wraps
from pathlib import Path
from typing import Annotated, Any, ParamSpec, cast
from uuid import UUID

from prefect import flow
from prefect.artifacts import (
    create_progress_artifact,
    create_table_artifact,
    update_progress_artifact,
)
from prefect.runtime import flow_run
from prefect.states import Cancelled, State
from pydantic import Field
from sqlalchemy.exc import OperationalError

from rollcall.connectors.database import DatabaseUnavailable, SyncAlreadyRunning, campaign_lock, safe_url, upgrade
from rollcall.flows.collector import fewer_collections
from rollcall.flows.dashboard import VolunteerCounts, publish_dashboard
from rollcall.flows.notify import notify_failure
from rollcall.flows.progress import StepClock, announce
from rollcall.flows.report import summarise
from rollcall.flows.review import apply_review_workbook, write_review_workbook
from rollcall.flows.rosters import end_read_ahead, failed_rosters
from rollcall.flows.steps import land_source, normalise_pending, prepare_run, resolve_people, write_rosters
from rollcall.flows.volunteer_base import mark_returning
from rollcall.models.campaign import DEFAULT_CONFIG, load_campaign

P = ParamSpec("P")


class SyncFailed(Exception):
    """Some sources could not be synced or some sites' rosters not pushed; everything else was
    done. The message names each, with what to do."""


SourceName = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]*$", description="a source's name in the campaign file")]


def cancelled_if_refused(run: Callable[P, dict[str, Any]]) -> Callable[P, dict[str, Any] | State]:
    """A run refused because another sync of the campaign holds its lock ends *Cancelled*
    with the reason, not Failed: it did nothing, the other run is the night's sync, and
    nobody is paged (failure hooks do not fire). Calling the flow raises ``CancelledRun``."""

    @wraps(run)
    def refusing(*args: P.args, **kwargs: P.kwargs) -> dict[str, Any] | State:
        try:
            return run(*args, **kwargs)
        except SyncAlreadyRunning as exc:
            return Cancelled(message=f"Nothing done: {exc}. Wait for it to finish, then run again if needed.")

    return refusing


@flow(name="nightly-sync", persist_result=True, on_failure=[notify_failure], on_crashed=[notify_failure])
@cancelled_if_refused
def nightly_sync(config: str = DEFAULT_CONFIG, full_read: bool = False) -> dict[str, Any]:
    """Sync every enabled source of the campaign in ``config`` into the rosters
    (``full_read``: read every web form whole, even those set to read only what changed)."""
    return run_sync(config, full_read=full_read)


@flow(name="pull-source", persist_result=True, on_failure=[notify_failure])
@cancelled_if_refused
def pull_source(
    source: SourceName, since: date | None = None, config: str = DEFAULT_CONFIG, full_read: bool = False
) -> dict[str, Any]:
    """Pull one source now (a web form from ``since`` when given: a backfill; whole with
    ``full_read``: what the provider deleted leaves), then bring people and rosters up to date."""
    return run_sync(config, only=source, since=since, full_read=full_read)


@flow(name="push-rosters", persist_result=True, on_failure=[notify_failure])
@cancelled_if_refused
def push_rosters(config: str = DEFAULT_CONFIG) -> dict[str, Any]:
    """Write every site's roster now from the database, without pulling anything."""
    campaign = load_campaign(config)
    upgrade(campaign.database_url)
    with campaign_lock(campaign.database_url, campaign.campaign.code), fewer_collections():
        rosters = write_rosters(config)
    create_table_artifact(
        key="rollcall-rosters",
        table=[
            {
                "site": code,
                "rows": r["rows"],
                "rewritten": r["written"],
                "conflicts": r["conflicts"],
                "roster": Path(r["location"]).name,
                "error": r.get("error") or "",
            }
            for code, r in rosters.items()
        ],
        description="Rosters pushed",
    )
    if failed_rosters(rosters):
        raise SyncFailed(_rosters_message(rosters))
    return rosters


def run_sync(
    config: str, only: str | None = None, since: date | None = None, full_read: bool = False
) -> dict[str, Any]:
    """The sync's steps, under the campaign's lock so two syncs never interleave.

    Results are persisted (counts and ids only), so "Retry" on a failed run reuses the
    completed steps (same run id: same cache keys) and re-runs only what failed.
    """
    campaign = load_campaign(config)
    upgrade(campaign.database_url)
    sources = [
        s for s in campaign.sources if s.enabled and not s.is_volunteer_base and (only is None or s.name == only)
    ]
    if only is not None and not sources:
        raise ValueError(f"no enabled source named {only!r} in {config}")
    try:
        with campaign_lock(campaign.database_url, campaign.campaign.code), fewer_collections():
            clock = StepClock()
            with clock("prepare"):
                run_id = prepare_run(config, flow_run.get_id())
            with clock("pull"):
                pulled, failures = _pull(config, run_id, [s.name for s in sources], since, full_read)
            announce("Normalising new sign-ups")
            with clock("normalise"):
                normalised = normalise_pending(config, run_id)
            announce("Matching people")
            with clock("resolve"):
                decided = apply_review_workbook(config)
                resolved = resolve_people(config)
                returning = mark_returning(config)  # before the rosters: they show "Nouveau" / "Déjà bénévole"
            announce("Writing rosters")
            with clock("rosters"):
                rosters = write_rosters(config)
                review = {**write_review_workbook(config), "decisions_read": decided}
            summary = summarise(
                config,
                run_id,
                pulled,
                failures,
                normalised,
                resolved,
                rosters,
                returning,
                attempt=flow_run.get_run_count() or 1,
                review=review,
                timings=dict(clock.seconds),
            )
            dashboard = publish_dashboard(config, counts=VolunteerCounts.of_summary(summary))
    except OperationalError as exc:  # nothing after the failing step ran: no roster pushed
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else type(exc).__name__
        raise DatabaseUnavailable(
            f"lost database {safe_url(campaign.database_url)} during the sync: {reason}"
        ) from None
    finally:
        end_read_ahead(campaign)  # taken by the rosters, unless a step before them failed
    problems = ["sources not synced: " + "; ".join(failures.values())] if failures else []
    if failed_rosters(rosters):
        problems.append(_rosters_message(rosters))
    problems += (
        [f"volunteer base not read (registrants keep last night's Nouveau/Déjà bénévole): {returning['error']}"]
        if returning.get("error")
        else []
    )
    problems += [dashboard["error"]] if dashboard.get("error") else []
    if problems:
        raise SyncFailed(" | ".join(problems))
    return summary


def _rosters_message(rosters: dict[str, Any]) -> str:
    return "rosters not pushed: " + "; ".join(f"{code} ({error})" for code, error in failed_rosters(rosters).items())


def _pull(
    config: str, run_id: int, names: list[str], since: date | None, full_read: bool = False
) -> tuple[dict[str, Any], dict[str, str]]:
    """Land each source in turn; a failing one is reported and the others go on."""
    pulled, failures = {}, {}
    # From sync code Prefect returns the artifact id (its typing also allows a coroutine).
    progress = cast(
        UUID, create_progress_artifact(progress=0.0, key="rollcall-pull-progress", description="Sources pulled")
    )
    for done, name in enumerate(names, start=1):
        announce(f"Pulling {name}", done - 1, len(names))
        since_iso = f"{since.isoformat()}T00:00:00Z" if since else None
        state = land_source(config, name, run_id, since_iso, full_read, return_state=True)
        if state.is_completed():
            pulled[name] = state.result()
        else:
            failures[name] = _failure_message(state)
        update_progress_artifact(artifact_id=progress, progress=100 * done / len(names))
    return pulled, failures


def _failure_message(state: Any) -> str:
    try:
        state.result()
    except Exception as exc:  # noqa: BLE001 - we report any task failure by its message
        return str(exc)
    return "failed"
