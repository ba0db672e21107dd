"""RGPD for ops: erase a person on request, purge a campaign past its retention.

The flows are thin wrappers around plain functions that ``rollcall erase`` and ``rollcall
purge`` call too (no Prefect server needed at the terminal). An identifier to erase is
never logged, never in a run name, artifact or result: results are counts only.
"""

from __future__ import annotations

import getpass
from datetime import date, timedelta
from typing import Any, cast

from prefect import flow, get_run_logger
from prefect.artifacts import create_table_artifact
from prefect.runtime import flow_run
from sqlalchemy.orm import Session

from rollcall.connectors import privacy, store
from rollcall.connectors.database import campaign_lock, session_scope, upgrade
from rollcall.flows.erasure import erase_person
from rollcall.flows.identity import resolve_campaign
from rollcall.flows.rosters import (
    display_id,
    failed_rosters,
    push_rosters,
    push_site,
    quarantined_of_sites,
    roster_sheets,
)
from rollcall.models.campaign import DEFAULT_CONFIG, Campaign, load_campaign

# --- erasure ----------------------------------------------------------------------------


@flow(name="erase-person", flow_run_name="erase-person", persist_result=False)
def erase_person_flow(request_block: str, config: str = DEFAULT_CONFIG) -> dict[str, int]:
    """Erase one person from the database and every roster; keep only salted hashes of their
    identifiers and an audit entry with counts.

    Flow parameters are stored and shown by Prefect, so the person's email or phone is not
    one: ops put it in a Prefect Secret block (masked) and give the block's name; the block
    is deleted once the erasure is done.
    """
    from prefect.blocks.system import Secret

    block = cast(Secret, Secret.load(request_block))  # sync call: the block, not a coroutine
    identifier = str(block.get()).strip()
    email, phone = (identifier, None) if "@" in identifier else (None, identifier)
    counts = erase(config, email=email, phone=phone, actor=f"prefect:{flow_run.get_id()}")
    Secret.delete(request_block)
    get_run_logger().info("erasure done: %s", counts)
    create_table_artifact(key="rollcall-erasure", table=[counts], description="Erasure (counts only)")
    return counts


def erase(
    config: str,
    *,
    email: str | None = None,
    phone: str | None = None,
    actor: str | None = None,
    reason: str | None = None,
) -> dict[str, int]:
    """Erase under the campaign's lock. Roster rows go before the database commits: if a
    roster cannot be written nothing is erased and the erasure can simply be run again."""
    campaign = load_campaign(config)
    upgrade(campaign.database_url)
    with campaign_lock(campaign.database_url, campaign.campaign.code):
        with session_scope(campaign.database_url) as session:
            result = erase_person(
                session,
                email=email,
                phone=phone,
                salt=privacy.erasure_salt(session),
                actor=actor or getpass.getuser(),
                reason=reason,
            )
            session.flush()
            removed = unlist(session, campaign, result)
    return {**result.counts, "roster_rows_removed": removed}


def unlist(session: Session, campaign: Campaign, result: privacy.ErasureResult) -> int:
    """Push again the rosters of the events the erased registrations were for, and only
    those: a site's roster holds only its own registrations, so no other roster is read (an
    erasure costs two reads and one write per site the person was registered at, whatever the
    campaign's size). Their rows ("R00042") go whole, whatever a coordinator typed in them
    (the nightly merge would keep such a row as "Retiré"; an erasure leaves nothing), from
    the roster tab whatever its name, ``Nouveautés`` and any other tab of the spreadsheet
    (a coordinator's copy); ``Résumé`` is counted again without them. Returns rows removed."""
    if not result.registration_ids:
        return 0
    code = campaign.campaign.code
    events = store.sync_events(session, campaign)
    sites = [
        site
        for site in campaign.sites
        if events[site.code] in result.event_ids and store.roster_target(session, code, site.code) is not None
    ]
    if not sites:
        return 0
    erased = frozenset(display_id(r) for r in result.registration_ids)
    sheets = roster_sheets(session, campaign)
    return sum(
        push_site(session, campaign, site, events[site.code], sheets, erased=erased)["erased_rows"] for site in sites
    )


# --- retention --------------------------------------------------------------------------


@flow(name="purge-old-data", persist_result=False)
def purge_old_data(before: date | None = None, config: str = DEFAULT_CONFIG) -> dict[str, Any]:
    """Redact personal data of the campaign's events older than its retention (or ``before``)."""
    counts = purge(config, before, actor=f"prefect:{flow_run.get_id()}")
    get_run_logger().info("purge done: %s", counts)
    create_table_artifact(key="rollcall-purge", table=[counts], description="Retention purge (counts only)")
    return counts


def retention_cutoff(campaign: Campaign, today: date | None = None) -> date:
    """Events dated before this are past retention: an event's data is kept for
    ``campaign.retention_days`` (365 by default) after its day."""
    days = campaign.campaign.retention_days
    return (today or date.today()) - timedelta(days=days)


def purge(config: str, before: date | None = None, actor: str | None = None) -> dict[str, Any]:
    """Purge under the campaign's lock: the database, then the rosters of the purged events
    (``rewrite_purged_rosters``) before it commits, so a roster that cannot be written leaves
    nothing purged and the purge can simply be run again. Then, as the next sync would, people
    are resolved again (someone who also came later no longer shows what they gave at a purged
    event) and every roster is pushed: that sync then changes nothing."""
    campaign = load_campaign(config)
    cutoff = before or retention_cutoff(campaign)
    upgrade(campaign.database_url)
    with campaign_lock(campaign.database_url, campaign.campaign.code):
        with session_scope(campaign.database_url) as session:
            counts = privacy.purge_before(session, campaign.campaign.code, cutoff, actor=actor or getpass.getuser())
            old_sites = {site.code for site in campaign.sites if site.date < cutoff}
            counts["quarantined_redacted"] = (
                privacy.redact_records(session, quarantined_of_sites(session, campaign, old_sites)) if old_sites else 0
            )
            session.flush()
            changed = any(n for name, n in counts.items() if name != "events")
            rewritten = rewrite_purged_rosters(session, campaign, cutoff) if changed else 0
        failed: dict[str, str] = {}
        if changed:
            resolve_campaign(campaign)
            failed = failed_rosters(push_rosters(campaign))
    return {"before": cutoff.isoformat(), **counts, "rosters_rewritten": rewritten, "rosters_failed": len(failed)}


def rewrite_purged_rosters(session: Session, campaign: Campaign, before: date) -> int:
    """Push again every roster of an event dated before ``before`` that was pushed before,
    its purged rows emptied first (``transforms.sheet_roster`` rule 10): no name, contact,
    note or added column of theirs stays in any tab, none is read back as a coordinator's
    edit, and the roster is what the next sync would write (that sync then writes nothing).
    Raises the first roster's failure (``SheetsError``, ``OSError``)."""
    purged = privacy.purged_registrations(session, campaign.campaign.code, before)
    code = campaign.campaign.code
    sites = [
        site
        for site in campaign.sites
        if site.code in purged and store.roster_target(session, code, site.code) is not None
    ]
    if not sites:
        return 0
    events = store.sync_events(session, campaign)
    sheets = roster_sheets(session, campaign)
    for site in sites:
        references = frozenset(display_id(r) for r in purged[site.code])
        push_site(session, campaign, site, events[site.code], sheets, purged=references)
    return len(sites)
