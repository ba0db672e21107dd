"""Counts for run reports and `rollcall status`, read from the database (the truth)."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Select, String, cast, func, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.functions import FunctionElement

from rollcall.connectors.database import read_rows
from rollcall.models.records import REGISTERED, REMOVED
from rollcall.models.tables import (
    Event,
    Person,
    QuarantineEntry,
    RawRecord,
    Registration,
    RosterState,
    Signup,
    SyncRun,
)


def counts_by_source(session: Session, campaign: str) -> dict[str, dict[str, int]]:
    """Per source: raw records, current ones, sign-ups and quarantined records."""
    counts: dict[str, dict[str, int]] = defaultdict(lambda: {"raw": 0, "current": 0, "signups": 0, "quarantined": 0})
    raw = (
        select(RawRecord.source, RawRecord.is_current, func.count())
        .where(RawRecord.campaign == campaign)
        .group_by(RawRecord.source, RawRecord.is_current)
    )
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
    for code, capacity in session.execute(select(Event.site_code, Event.capacity).where(Event.campaign == campaign)):
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
    return session.scalar(select(SyncRun).where(SyncRun.campaign == campaign).order_by(SyncRun.id.desc()).limit(1))


# ---------------------------------------------------------------- new volunteers (the goal)


def volunteers(session: Session, campaign: str) -> dict[str, int]:
    """People with a live registration ("registered" at one site at least): ``new`` (what
    the campaign's goal counts) and ``returning`` (found in the volunteer base)."""
    query = (
        select(Person.already_volunteer, func.count(func.distinct(Person.id)))
        .select_from(Registration)
        .join(Event, Registration.event_id == Event.id)
        .join(Person, Registration.person_id == Person.id)
        .where(Event.campaign == campaign, Registration.status == REGISTERED)
        .group_by(Person.already_volunteer)
    )
    counts = {"new": 0, "returning": 0}
    for returning, n in session.execute(query):
        counts["returning" if returning else "new"] += n
    return counts


def volunteers_by_site(session: Session, campaign: str) -> dict[str, dict[str, int]]:
    """Per site code, live registrations of new and returning volunteers."""
    counts: dict[str, dict[str, int]] = defaultdict(lambda: {"new": 0, "returning": 0})
    query = (
        select(Event.site_code, Person.already_volunteer, func.count())
        .select_from(Registration)
        .join(Event, Registration.event_id == Event.id)
        .join(Person, Registration.person_id == Person.id)
        .where(Event.campaign == campaign, Registration.status == REGISTERED)
        .group_by(Event.site_code, Person.already_volunteer)
    )
    for code, returning, n in session.execute(query):
        counts[code]["returning" if returning else "new"] += n
    return dict(counts)


def _first_registrations(campaign: str) -> Select:
    return (
        select(func.min(Registration.registered_at).label("first"))
        .join(Event, Registration.event_id == Event.id)
        .join(Person, Registration.person_id == Person.id)
        .where(Event.campaign == campaign, Registration.status == REGISTERED, Person.already_volunteer.is_(False))
        .group_by(Person.id)
    )


def new_volunteer_first_registrations(session: Session, campaign: str) -> list[datetime | None]:
    """For each new volunteer (live registration, not in the volunteer base), when they first
    registered: the campaign's progress over time."""
    return list(read_rows(session, _first_registrations(campaign)).scalars())


def new_volunteers_by_hour(session: Session, campaign: str) -> list[tuple[datetime | None, int]]:
    """``new_volunteer_first_registrations`` counted per UTC hour by the database:
    (hour, how many)."""
    first = _first_registrations(campaign).subquery()
    hour = utc_hour(first.c.first)
    return [(_hour_start(text), n) for text, n in session.execute(select(hour, func.count()).group_by(hour))]


def _current_signups(campaign: str, *columns: Any) -> Select:
    return (
        select(*columns)
        .join(RawRecord, Signup.raw_record_id == RawRecord.id)
        .where(RawRecord.campaign == campaign, RawRecord.is_current.is_(True))
    )


def signups_received(session: Session, campaign: str) -> list[tuple[datetime | None, str]]:
    """(submitted at, source) of every current sign-up: the dashboard counts them per day."""
    query = _current_signups(campaign, Signup.submitted_at, RawRecord.source)
    return [(moment, source) for moment, source in read_rows(session, query)]


def signups_received_by_hour(session: Session, campaign: str) -> list[tuple[datetime | None, str, int]]:
    """``signups_received`` counted per UTC hour and source by the database: (hour, source,
    how many)."""
    hour = utc_hour(Signup.submitted_at)
    query = _current_signups(campaign, hour, RawRecord.source, func.count()).group_by(hour, RawRecord.source)
    return [(_hour_start(text), source, n) for text, source, n in session.execute(query)]


class utc_hour(FunctionElement[str]):  # noqa: N801 - an SQL function, named as one
    """The UTC hour a time column falls in, as text ("2022-09-05 10"), computed by the
    database: 100,000 sign-ups counted per hour there come back as about a thousand rows,
    where reading each of them and finding its local day took half a second of every
    night. SQLite holds these times as UTC text ("2022-09-05 10:12:33.000000");
    PostgreSQL's are turned to UTC first, whatever the session's time zone."""

    type = String()
    inherit_cache = True


@compiles(utc_hour, "sqlite")
def _utc_hour_sqlite(element: utc_hour, compiler: Any, **kw: Any) -> str:
    return f"substr({compiler.process(element.clauses, **kw)}, 1, 13)"


@compiles(utc_hour, "postgresql")
def _utc_hour_postgresql(element: utc_hour, compiler: Any, **kw: Any) -> str:
    return f"to_char(({compiler.process(element.clauses, **kw)}) AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24')"


def _hour_start(text: str | None) -> datetime | None:
    """The hour's first instant, aware UTC ("2022-09-05T10" read as well: an ISO text)."""
    return None if text is None else datetime.strptime(text.replace("T", " "), "%Y-%m-%d %H").replace(tzinfo=UTC)


def attendance(session: Session, campaign: str) -> list[tuple[str, tuple[str, ...], bool, int]]:
    """(site code, sources, ticked "Présent", how many) of the live registrations, one row per
    distinct triple. The ticks are what coordinators typed on their rosters, read back and kept
    in ``roster_states``. Counted in SQL (the channels as the stored JSON text): a hundred
    thousand registrations make a few dozen rows, not a hundred thousand."""
    sources = cast(Registration.sources, String)
    ticked = RosterState.present.is_(True)
    query = (
        select(Event.site_code, sources, ticked, func.count())
        .select_from(Registration)
        .join(Event, Registration.event_id == Event.id)
        .outerjoin(RosterState, RosterState.registration_id == Registration.id)
        .where(Event.campaign == campaign, Registration.status == REGISTERED)
        .group_by(Event.site_code, sources, ticked)
    )
    counts: Counter[tuple[str, tuple[str, ...], bool]] = Counter()
    for code, channels, present, n in session.execute(query):
        counts[(code, tuple(json.loads(channels) or ()) if channels else (), bool(present))] += n
    return [(code, channels, present, n) for (code, channels, present), n in counts.items()]
