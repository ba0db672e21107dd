"""The Prefect deployments ops use, defined in the repo, registered on a process work pool.

Why a work pool and a worker rather than ``serve``: the schedule lives on the Prefect server,
not in a process. A stopped ``serve`` process pauses its deployments and deletes their
upcoming runs, so a night it is down is silently skipped; with a worker, runs scheduled
while it is down stay on the server as "Late", in plain sight in the UI, and the worker runs
them when it comes back (a missed night is caught up). It also lets production run the
worker on another machine than the server.

    python -m rollcall.deployments.deploy            # register (or update) every deployment
    python -m rollcall.deployments.start             # single machine: pool + deployments + a worker
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast
from uuid import UUID

from prefect.client.schemas.objects import ConcurrencyLimitConfig, ConcurrencyLimitStrategy
from prefect.flows import Flow
from prefect.schedules import Cron

from rollcall.flows.quota import ensure_google_limits
from rollcall.models.campaign import DEFAULT_CONFIG

REPO = Path(__file__).resolve().parents[1]
POOL = os.environ.get("ROLLCALL_WORK_POOL", "rollcall")
TIMEZONE = "Europe/Paris"
#: 05:30 Paris: outside 02:00-03:00, where daylight saving skips or repeats a time, and done
#: long before coordinators open their sheet in the morning.
NIGHTLY_CRON = "30 5 * * *"


@dataclass(frozen=True)
class DeploymentSpec:
    """One deployment: which flow, when, with which default parameters (no personal data)."""

    entrypoint: str
    name: str
    description: str
    cron: str | None = None
    parameters: dict[str, Any] = field(default_factory=dict)


def specs(config: str) -> list[DeploymentSpec]:
    """Every deployment ops need, for the campaign file ``config``."""
    return [
        DeploymentSpec(
            "flows/nightly.py:nightly_sync",
            "nightly",
            "Nightly sync: pull every source, deduplicate, write the rosters.",
            cron=NIGHTLY_CRON,
            parameters={"config": config},
        ),
        DeploymentSpec(
            "flows/nightly.py:push_rosters",
            "now",
            "Write every site's roster now, from the database.",
            parameters={"config": config},
        ),
        DeploymentSpec(
            "flows/nightly.py:pull_source",
            "now",
            "Pull one source now; give `since` to re-read a web form from a date.",
            parameters={"config": config},
        ),
        DeploymentSpec(
            "flows/privacy.py:erase_person_flow",
            "on-request",
            "Erase one person (RGPD): put their email or phone in a Secret block, "
            "give its name as request_block; the block is deleted afterwards.",
            parameters={"config": config},
        ),
        DeploymentSpec(
            "flows/privacy.py:purge_old_data",
            "weekly",
            "Redact personal data of events past the campaign's retention.",
            cron="0 4 * * 0",
            parameters={"config": config},
        ),
    ]


def deploy_all(config: str | None = None, pool: str = POOL) -> dict[str, UUID]:
    """Register every deployment on ``pool``; re-running updates them in place."""
    config = config or os.environ.get("ROLLCALL_CONFIG", str(REPO / DEFAULT_CONFIG))
    ensure_google_limits()  # one Google quota for every worker pushing rosters (flows.quota)
    ids = {}
    for spec in specs(config):
        # Prefect's sync/async dispatch: outside an event loop both calls return their value,
        # not a coroutine (the type says either)
        flow = cast(Flow, Flow.from_source(source=str(REPO), entrypoint=spec.entrypoint))
        ids[f"{flow.name}/{spec.name}"] = cast(
            UUID,
            flow.deploy(
                name=spec.name,
                work_pool_name=pool,
                description=spec.description,
                schedules=[Cron(spec.cron, timezone=TIMEZONE)] if spec.cron else None,
                parameters=spec.parameters,
                # one run at a time per deployment; a second waits for the first (visible in the UI
                # as AwaitingConcurrencySlot); runs of different flows exclude each other through
                # the campaign lock in the database (the second fails, saying a sync is running)
                concurrency_limit=ConcurrencyLimitConfig(limit=1, collision_strategy=ConcurrencyLimitStrategy.ENQUEUE),
                tags=["rollcall"],
                print_next_steps=False,
            ),
        )
    return ids


if __name__ == "__main__":
    for name, deployment_id in deploy_all().items():
        print(f"deployed {name} ({deployment_id})")
