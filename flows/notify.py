"""Tell a chat channel when a sync fails, with a link to the run: the people who can fix it
hear about it before the coordinators do."""

from __future__ import annotations

import logging
from typing import Any

import requests

from rollcall.flows.secrets import MissingSecret, resolve_secret
from rollcall.models.campaign import DEFAULT_CONFIG, ConfigError, load_campaign

log = logging.getLogger(__name__)


def failure_message(flow_name: str, campaign: str, reason: str, link: str | None) -> dict[str, str]:
    """Short and free of personal data: errors name sources, sites and files, never people."""
    reason = reason if len(reason) <= 600 else reason[:597] + "..."
    text = f"rollcall: {flow_name} failed for {campaign}: {reason}"
    return {"text": f"{text}\n{link}" if link else text}


def run_link(flow_run_id: Any) -> str | None:
    from prefect.settings import PREFECT_UI_URL

    base = PREFECT_UI_URL.value()
    return f"{base.rstrip('/')}/runs/flow-run/{flow_run_id}" if base else None


def notify_failure(flow: Any, flow_run: Any, state: Any) -> None:
    """Prefect ``on_failure`` hook. Never raises: a broken webhook must not hide the failure."""
    try:
        campaign = load_campaign(flow_run.parameters.get("config") or DEFAULT_CONFIG)
        ref = campaign.notifications.failure_webhook
        if ref is None:
            return
        body = failure_message(flow.name, campaign.campaign.code, state.message or state.name, run_link(flow_run.id))
        requests.post(resolve_secret(ref), json=body, timeout=10).raise_for_status()
    except (ConfigError, MissingSecret, requests.RequestException) as exc:
        log.warning("failure notice not sent: %s", type(exc).__name__)
