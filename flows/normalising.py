"""Normalise what was landed: each new raw record becomes a sign-up (names, email, French
phone, site) or a quarantine entry with its reason. Prefect-free: the task
``flows.steps.normalise_pending`` calls ``normalise_pending_records``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy.orm import Session

from rollcall.connectors import privacy, store
from rollcall.connectors.database import session_scope
from rollcall.flows.erasure import is_erased
from rollcall.flows.record_normaliser import Outcome, PageNormaliser, RecordNormaliser
from rollcall.flows.worker_pool import worker_processes
from rollcall.models.campaign import Campaign
from rollcall.models.records import NormalisedSignup
from rollcall.transforms.privacy import ErasedCheck

#: Records normalised per transaction: bounded memory, and a crash keeps finished pages.
PAGE_SIZE = 2000
#: Pending records from which pages are normalised by worker processes (``flows.record_normaliser``).
PARALLEL_FROM = 10_000


def normalise_pending_records(campaign: Campaign, run_id: int, parallel_from: int = PARALLEL_FROM) -> dict[str, Any]:
    """Turn every new raw record into a sign-up or a quarantine entry with a reason.

    A page per transaction, in id order: bounded memory, and a crash keeps finished pages.
    From ``parallel_from`` pending records, worker processes normalise pages while this
    process reads the next ones and stores the outcomes (``flows.record_normaliser``)."""
    counts = {"signups": 0, "quarantined": 0, "waiting_for_source": 0, "refused_erased": 0}
    with session_scope(campaign.database_url) as session:
        erased = is_erased(session, privacy.erasure_salt(session))
        large = store.count_pending(session, campaign.campaign.code, up_to=parallel_from) >= parallel_from
    with PageNormaliser(campaign, worker_processes() if large else 0) as normaliser:
        for page, outcomes in normaliser.normalised(_pending_pages(campaign)):
            with session_scope(campaign.database_url) as session:
                _store_page(session, campaign, page, outcomes, erased, run_id, counts)
    counts["details_read_again"] = backfill_details(campaign, normaliser.here)
    return counts


def _pending_pages(campaign: Campaign) -> Iterator[list[store.PendingRecord]]:
    """Pending records a page at a time, each read in its own transaction. Read ahead of the
    pages being stored: a page holds only records after the previous page's last id."""
    after_id = 0
    while True:
        with session_scope(campaign.database_url) as session:
            page = store.pending_records(session, campaign.campaign.code, after_id, PAGE_SIZE)
        if page:
            yield page
        if len(page) < PAGE_SIZE:
            return
        after_id = page[-1].id


def _store_page(
    session: Session,
    campaign: Campaign,
    page: Sequence[store.PendingRecord],
    outcomes: list[Outcome],
    erased: ErasedCheck,
    run_id: int,
    counts: dict[str, int],
) -> None:
    """A page's outcomes stored: sign-ups, quarantine entries, an erased person's refused."""
    events = store.sync_events(session, campaign)
    signups: list[tuple[Any, NormalisedSignup, int]] = []
    quarantined: list[tuple[Any, Any]] = []
    for record, outcome in zip(page, outcomes, strict=True):
        if outcome is None:  # its source was removed from the configuration
            counts["waiting_for_source"] += 1
        elif erased and _of_erased_person(erased, outcome, record.payload):
            privacy.refuse_record(session, record.id)
            counts["refused_erased"] += 1
        elif isinstance(outcome, NormalisedSignup):
            signups.append((record, outcome, events[outcome.site_code]))
        else:
            quarantined.append((record, outcome))
    store.save_normalised(session, signups, quarantined, run_id)
    counts["signups"] += len(signups)
    counts["quarantined"] += len(quarantined)


def backfill_details(campaign: Campaign, normaliser: RecordNormaliser) -> int:
    """Time slot, remarks and minor flag of sign-ups stored before they were read (migration
    0005), read from their stored records as a clean sync would: once, a page per transaction."""
    done = 0
    while True:
        with session_scope(campaign.database_url) as session:
            page = store.signups_to_read_again(session, campaign.campaign.code, PAGE_SIZE)
            for signup_id, name, payload in page:
                outcome = normaliser.outcome(name, payload)
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
