"""Normalise what was landed: each new raw record becomes a sign-up (names, email, French
phone, site) or a quarantine entry with its reason. Prefect-free: the task
``flows.steps.normalise_pending`` calls ``normalise_pending_records``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rollcall.connectors import privacy, store
from rollcall.connectors.database import session_scope
from rollcall.flows.erasure import is_erased
from rollcall.models.campaign import Campaign, SourceBase
from rollcall.models.records import NormalisedSignup
from rollcall.transforms.answers import flatten_payload
from rollcall.transforms.normalise import normalise_signup
from rollcall.transforms.privacy import ErasedCheck
from rollcall.transforms.raw import unreadable_reason
from rollcall.transforms.reasons import rejection
from rollcall.transforms.sites import SiteCatalog

#: Records normalised per transaction: bounded memory, and a crash keeps finished pages.
PAGE_SIZE = 2000


def normalise_pending_records(campaign: Campaign, run_id: int) -> dict[str, Any]:
    """Turn every new raw record into a sign-up or a quarantine entry with a reason."""
    sources = {s.name: s for s in campaign.sources}
    catalog = SiteCatalog(site.to_site() for site in campaign.sites)
    counts = {"signups": 0, "quarantined": 0, "waiting_for_source": 0, "refused_erased": 0}
    with session_scope(campaign.database_url) as session:
        erased = is_erased(session, privacy.erasure_salt(session))
    after_id = 0
    while True:  # a page per transaction: bounded memory, and a crash keeps finished pages
        with session_scope(campaign.database_url) as session:
            events = store.sync_events(session, campaign)
            page = store.pending_records(session, campaign.campaign.code, after_id, PAGE_SIZE)
            signups: list[tuple[Any, NormalisedSignup, int]] = []
            quarantined: list[tuple[Any, Any]] = []
            for record in page:
                source = sources.get(record.source)
                if source is None:  # its source was removed from the configuration
                    counts["waiting_for_source"] += 1
                    continue
                unreadable = unreadable_reason(record.payload)  # a row the file reader could not trust
                outcome = (
                    rejection(unreadable)
                    if unreadable
                    else normalise_signup(
                        source.extract(flatten_payload(source.kind, record.payload)),
                        catalog,
                        tz=source.timezone or campaign.campaign.timezone,
                    )
                )
                if erased and _of_erased_person(erased, outcome, record.payload):
                    privacy.refuse_record(session, record.id)
                    counts["refused_erased"] += 1
                elif isinstance(outcome, NormalisedSignup):
                    signups.append((record, outcome, events[outcome.site_code]))
                else:
                    quarantined.append((record, outcome))
            store.save_normalised(session, signups, quarantined, run_id)
            counts["signups"] += len(signups)
            counts["quarantined"] += len(quarantined)
        if len(page) < PAGE_SIZE:
            counts["details_read_again"] = backfill_details(campaign, sources, catalog)
            return counts
        after_id = page[-1].id


def backfill_details(campaign: Campaign, sources: Mapping[str, SourceBase], catalog: SiteCatalog) -> int:
    """Time slot, remarks and minor flag of sign-ups stored before they were read (migration
    0005), read from their stored records as a clean sync would: once, a page per transaction."""
    done = 0
    while True:
        with session_scope(campaign.database_url) as session:
            page = store.signups_to_read_again(session, campaign.campaign.code, PAGE_SIZE)
            for signup_id, name, payload in page:
                source = sources.get(name)
                outcome = (
                    None
                    if source is None
                    else normalise_signup(
                        source.extract(flatten_payload(source.kind, payload)),
                        catalog,
                        tz=source.timezone or campaign.campaign.timezone,
                    )
                )
                store.save_details(session, signup_id, outcome if isinstance(outcome, NormalisedSignup) else None)
            done += len(page)
        if len(page) < PAGE_SIZE:
            return done


def _of_erased_person(erased: ErasedCheck, outcome: Any, payload: dict[str, Any]) -> bool:
    """A record of someone erased (RGPD): by its normalised contacts, or, for a record that
    would be quarantined, by any contact found in its raw payload."""
    if isinstance(outcome, NormalisedSignup):
        return erased(outcome.email_key, outcome.phone, outcome.email)
    return erased.of_payload(payload)
