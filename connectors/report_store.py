"""Counts for run reports and `rollcall status`, read from the database (the truth)."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models.records import REMOVED
from models.tables import Event, QuarantineEntry, RawRecord, Registration, Signup, SyncRun


def counts_by_source(session: Session, campaign: str) -> dict[str, dict[str, int]]:
    """Per source: raw records, current ones, sign-ups and quarantined records."""
    counts: dict[str, dict[str, int]] = defaultdict(
        lambda: {"raw": 0, "current": 0, "signups": 0, "quarantined": 0}
    )
    raw = select(RawRecord.source, RawRecord.is_current, func.count()).where(
        RawRecord.campaign == campaign
    ).group_by(RawRecord.source, RawRecord.is_current)
    for source, is_current, n in session.execute(raw):
        counts[source]["raw"] += n
        if is_current:
            counts[source]["current"] += n
    for table, key in ((Signup, "signups"), (QuarantineEntry, "quarantined")):
        query = (
            select(table.source, func.count())
            .join(RawRecord, table.raw_record_id == RawRecord.id)
            .where(RawRecord.campaign == campaign, RawRecord.is_current.is_(True))
            .group_by(table.source)
        )
        for source, n in session.execute(query):
            counts[source][key] = n
    return dict(counts)


def counts_by_site(session: Session, campaign: str) -> dict[str, dict[str, int]]:
    """Per site code: registrations by status, and the site's capacity. A "removed"
    registration (no current sign-up left) is history, not a registrant: not counted."""
    counts: dict[str, dict[str, int]] = {}
    for code, capacity in session.execute(
        select(Event.site_code, Event.capacity).where(Event.campaign == campaign)
    ):
        counts[code] = {"registered": 0, "cancelled": 0, "no_consent": 0, "capacity": capacity}
    query = (
        select(Event.site_code, Registration.status, func.count())
        .join(Event, Registration.event_id == Event.id)
        .where(Event.campaign == campaign, Registration.status != REMOVED)
        .group_by(Event.site_code, Registration.status)
    )
    for code, status, n in session.execute(query):
        counts[code][status] = n
    return counts


def quarantine_by_reason(session: Session, campaign: str) -> dict[tuple[str, str], int]:
    """Quarantined current records per (source, reason code)."""
    query = (
        select(QuarantineEntry.source, QuarantineEntry.reason_code, func.count())
        .join(RawRecord, QuarantineEntry.raw_record_id == RawRecord.id)
        .where(RawRecord.campaign == campaign, RawRecord.is_current.is_(True))
        .group_by(QuarantineEntry.source, QuarantineEntry.reason_code)
    )
    return {(source, reason): n for source, reason, n in session.execute(query)}


def new_registrations_by_site(session: Session, campaign: str, since: datetime) -> dict[str, int]:
    """Registrations created at or after ``since``, per site code."""
    query = (
        select(Event.site_code, func.count())
        .select_from(Registration)
        .join(Event, Registration.event_id == Event.id)
        .where(Event.campaign == campaign, Registration.created_at >= since)
        .group_by(Event.site_code)
    )
    return dict(session.execute(query).all())


def previous_completed_run(session: Session, campaign: str, before_id: int) -> SyncRun | None:
    query = (
        select(SyncRun)
        .where(SyncRun.campaign == campaign, SyncRun.status == "completed", SyncRun.id < before_id)
        .order_by(SyncRun.id.desc())
        .limit(1)
    )
    return session.scalar(query)


def count_people(session: Session, campaign: str) -> int:
    query = (
        select(func.count(func.distinct(Registration.person_id)))
        .join(Event, Registration.event_id == Event.id)
        .where(Event.campaign == campaign, Registration.status != REMOVED)
    )
    return session.scalar(query) or 0


def registrations_by_channel(session: Session, campaign: str) -> dict[str, dict[str, int]]:
    """Live registrations per site and source (a registration counts once per source)."""
    query = (
        select(Event.site_code, Registration.sources)
        .join(Event, Registration.event_id == Event.id)
        .where(Event.campaign == campaign, Registration.status == "registered")
    )
    table: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for code, sources in session.execute(query):
        for source in sources:
            table[code][source] += 1
    return {code: dict(by_source) for code, by_source in table.items()}


def last_run(session: Session, campaign: str) -> SyncRun | None:
    return session.scalar(
        select(SyncRun).where(SyncRun.campaign == campaign).order_by(SyncRun.id.desc()).limit(1)
    )
