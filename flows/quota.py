"""Google's per-account quota shared by every process that pushes for it.

Each run paces its own Google requests (``connectors.google_sheets.RateLimiter``). When a
campaign outgrows one worker, or several campaigns' runs push at once on several workers
under one service account, each process alone staying under 60 Sheets reads a minute no
longer keeps them together under it. Prefect's global concurrency limits with a slot decay
are rate limits kept by the Prefect server, shared by every worker: one limit per kind of
request (``rollcall-google-read``, ``-write``, ``-drive``), created by
``deployments.deploy``. A token bucket of ``BURST`` slots refilled at ``(quota - BURST) / 60``
per second, as the local limiter: no 60-second window holds more than the quota.

Without those limits (a local ``rollcall sync``, the tests' temporary server), or outside a
flow run, the pacing stays per process, as before.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from rollcall.connectors.google_sheets import BURST, DRIVE_PER_MINUTE, SHEETS_PER_MINUTE

log = logging.getLogger(__name__)

PREFIX = "rollcall-google-"
PER_MINUTE = {"read": SHEETS_PER_MINUTE, "write": SHEETS_PER_MINUTE, "drive": DRIVE_PER_MINUTE}


def limit_name(kind: str) -> str:
    return PREFIX + kind


def decay_per_second(kind: str) -> float:
    """Slots freed per second: the quota's minute less the burst, spread over the minute."""
    return (PER_MINUTE[kind] - BURST) / 60


def ensure_google_limits() -> list[str]:
    """Create (or set back to their values) the three shared limits on the Prefect server;
    their names. Idempotent: ``deployments.deploy`` calls it at each release."""
    from prefect import get_client

    with get_client(sync_client=True) as client:
        for kind in PER_MINUTE:
            client.upsert_global_concurrency_limit_by_name(
                limit_name(kind), BURST, slot_decay_per_second=decay_per_second(kind)
            )
    return [limit_name(kind) for kind in PER_MINUTE]


def shared_google_quota() -> Callable[[str], None] | None:
    """A wait for one slot of the shared limit of a request's kind, or None when this process
    is not in a flow run or the server holds no such limits (the pacing then stays local)."""
    from prefect.context import FlowRunContext

    if FlowRunContext.get() is None:
        return None
    from prefect import get_client
    from prefect.concurrency.sync import rate_limit
    from prefect.exceptions import ObjectNotFound

    try:
        with get_client(sync_client=True) as client:
            for kind in PER_MINUTE:
                client.read_global_concurrency_limit_by_name(limit_name(kind))
    except ObjectNotFound:
        log.debug("no shared Google limits on this Prefect server: requests paced in this process only")
        return None

    def wait_for_slot(kind: str) -> None:
        # a limit deleted during the run: Prefect warns and this process paces alone
        rate_limit(limit_name(kind), occupy=1)

    return wait_for_slot
