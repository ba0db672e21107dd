"""The nightly sync's steps as Prefect tasks: one task per source, stage or batch, never per row.

Each task is a thin wrapper: it loads the campaign and calls the Prefect-free module that
does the work (``flows.landing``, ``flows.normalising``, ``flows.identity``,
``flows.rosters``), which the CLI and the tests call directly. Tasks take and return only
paths, ids and counts. Personal data stays in the database, never in Prefect's task
results, parameters or logs.
"""

from __future__ import annotations

import functools
from typing import Any

from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.tasks import exponential_backoff

from rollcall.connectors import store
from rollcall.connectors.database import session_scope
from rollcall.flows.identity import resolve_campaign
from rollcall.flows.landing import land
from rollcall.flows.normalising import normalise_pending_records
from rollcall.flows.rosters import push_rosters, read_ahead
from rollcall.models.campaign import load_campaign
from rollcall.models.errors import RollcallError

#: Caching on a UI "Retry" (same flow run id, so the default policy's keys repeat):
#:
#: - ``prepare_run`` and a completed ``land_source`` are reused: the run row is the same sync
#:   run, and a source's pull is durable in the database (records and cursor committed
#:   together), so what a completed pull stored is still valid and is not fetched again.
#: - Every step downstream of the data (normalise, resolve, rosters) is ``NO_CACHE``: it
#:   reads the database as it is *now*, so a source re-pulled by the retry reaches the
#:   people and the rosters. A cached result of the failed attempt would describe data that
#:   has since changed. These steps are idempotent and cheap when nothing is new (nothing
#:   pending to normalise; an unchanged roster costs no write).
DERIVED = NO_CACHE


@task
def prepare_run(config_path: str, flow_run_id: str | None) -> int:
    """Record the run and bring the events in line with the configured sites."""
    campaign = load_campaign(config_path)
    with session_scope(campaign.database_url) as session:
        store.sync_events(session, campaign)
        return store.start_run(session, campaign.campaign.code, flow_run_id)


def retry_if_transient(task: Any, task_run: Any, state: Any) -> bool:
    """Retry a pull only when the provider was unavailable; a bad token, a wrong form id or a
    bad mapping fails at once, because waiting will not fix them."""
    try:
        state.result()
    except RollcallError as exc:  # its kind says whether waiting can fix it (models.errors)
        return exc.transient
    except Exception:  # noqa: BLE001 - anything else is a bug or bad data: do not retry
        return False
    return False


@task(
    retries=2,
    retry_delay_seconds=exponential_backoff(backoff_factor=30),
    retry_jitter_factor=0.5,
    retry_condition_fn=retry_if_transient,
    task_run_name="land_source[{source_name}]",
)  # the run graph names the source that failed
def land_source(
    config_path: str, source_name: str, run_id: int, since: str | None = None, full_read: bool = False
) -> dict[str, Any]:
    """Pull one source and store what it holds raw (``flows.landing.land``); return counts."""
    campaign = load_campaign(config_path)
    source = next(s for s in campaign.sources if s.name == source_name)
    counts = land(campaign, source, run_id, since, full_read)
    get_run_logger().info("source %s: %s", source.name, counts)
    return counts


@task(cache_policy=DERIVED)
def normalise_pending(config_path: str, run_id: int) -> dict[str, Any]:
    """Every new raw record made a sign-up or quarantined with a reason (``flows.normalising``)."""
    return normalise_pending_records(load_campaign(config_path), run_id)


@task(cache_policy=DERIVED)
def resolve_people(config_path: str) -> dict[str, Any]:
    """Every current sign-up resolved into people, ids kept stable (``flows.identity``); the
    local rosters read back meanwhile, for the next step (``flows.rosters.read_ahead``)."""
    campaign = load_campaign(config_path)
    return resolve_campaign(campaign, resolving=functools.partial(read_ahead, campaign))


@task(cache_policy=DERIVED)
def write_rosters(config_path: str) -> dict[str, Any]:
    """Every site's roster pushed, each site on its own (``flows.rosters.push_rosters``)."""
    return push_rosters(load_campaign(config_path))
