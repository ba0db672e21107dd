"""Serve the nightly sync on a schedule: ``python -m deployments.serve`` beside a Prefect server.

05:30 Europe/Paris: outside 02:00-03:00, where daylight-saving changes skip or repeat a
time, and early enough that rosters are fresh before coordinators open them. One run at a
time per deployment: a manual run started during the nightly one is refused, visibly
("Deployment concurrency limit reached").

This is the single-machine set-up. Work pools, catch-up of missed nights and the other
ops flows are still to come (see the operations issue).
"""

from __future__ import annotations

import os

from prefect import serve
from prefect.client.schemas.objects import ConcurrencyLimitConfig, ConcurrencyLimitStrategy
from prefect.deployments.runner import RunnerDeployment
from prefect.schedules import Cron

from flows.nightly import DEFAULT_CONFIG, nightly_sync

NIGHTLY_CRON = "30 5 * * *"
TIMEZONE = "Europe/Paris"


def nightly_deployment(config: str | None = None) -> RunnerDeployment:
    """The nightly sync as a deployment, for the campaign file ``config``."""
    return nightly_sync.to_deployment(
        name="nightly",
        schedules=[Cron(NIGHTLY_CRON, timezone=TIMEZONE)],
        parameters={"config": config or os.environ.get("ROLLCALL_CONFIG", DEFAULT_CONFIG)},
        concurrency_limit=ConcurrencyLimitConfig(
            limit=1, collision_strategy=ConcurrencyLimitStrategy.CANCEL_NEW
        ),
        tags=["rollcall"],
    )


if __name__ == "__main__":
    serve(nightly_deployment())
