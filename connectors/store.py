"""Reads and writes of the central database, in the campaign's terms.

Every function takes an open Session and leaves committing to the caller
(``connectors.database.session_scope``), so a step's writes land together or not at all.
No decisions here: what to write comes from ``transforms``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.orm import Session

from models.campaign import Campaign
from models.records import NormalisedSignup, RawRow, Rejection, RosterEntry, SignupState
from models.tables import (
    Event,
    Person,
    QuarantineEntry,
    RawRecord,
    MatchDecision,
    MatchLink,
    Registration,
    ReviewPair,
    RosterState,
    RosterTarget,
    Signup,
    SourceCursor,
    SyncRun,
    utcnow,
)


# --- runs and cursors -------------------------------------------------------------------


def start_run(session: Session, campaign: str, flow_run_id: str | None) -> int:
    run = SyncRun(campaign=campaign, flow_run_id=flow_run_id, status="running")
    session.add(run)
    session.flush()
    return run.id


def get_run(session: Session, run_id: int) -> SyncRun:
    return session.get_one(SyncRun, run_id)


def finish_run(session: Session, run_id: int, status: str, summary: dict[str, Any]) -> None:
    run = session.get_one(SyncRun, run_id)
    run.status, run.summary, run.finished_at = status, summary, utcnow()


def get_cursor(session: Session, campaign: str, source: str) -> str | None:
    return session.scalar(
        select(SourceCursor.cursor).where(
            SourceCursor.campaign == campaign, SourceCursor.source == source
        )
    )


def set_cursor(session: Session, campaign: str, source: str, cursor: str) -> None:
    row = session.scalar(
        select(SourceCursor).where(SourceCursor.campaign == campaign, SourceCursor.source == source)
    )
    if row is None:
        session.add(SourceCursor(campaign=campaign, source=source, cursor=cursor))
    elif row.cursor != cursor:
        row.cursor, row.updated_at = cursor, utcnow()


# --- events -----------------------------------------------------------------------------


def sync_events(session: Session, campaign: Campaign) -> dict[str, int]:
    """Create or update one event per configured site; return site code -> event id."""
    code = campaign.campaign.code
    existing = {
        e.site_code: e for e in session.scalars(select(Event).where(Event.campaign == code))
    }
    for site in campaign.sites:
        event = existing.get(site.code) or Event(campaign=code, site_code=site.code)
        event.name, event.city, event.date, event.capacity = (
            site.name, site.city, site.date, site.capacity,
        )
        session.add(event)
        existing[site.code] = event
    session.flush()
    return {site_code: event.id for site_code, event in existing.items()}


# --- raw landing ------------------------------------------------------------------------


@dataclass(frozen=True)
class LandingCounts:
    received: int
    new: int
    unchanged: int
    new_versions: int


def land_raw_rows(
    session: Session, campaign: str, source: str, rows: Sequence[RawRow], run_id: int
) -> LandingCounts:
    """Store rows not seen before; an existing key with new content is a new version and
    the older versions stop being current."""
    known = _known_versions(session, campaign, source, {r.external_id for r in rows})
    fresh = [r for r in rows if r.content_hash not in known.get(r.external_id, ())]
    versioned = {r.external_id for r in fresh if r.external_id in known}
    if versioned:
        session.execute(
            update(RawRecord)
            .where(
                RawRecord.campaign == campaign,
                RawRecord.source == source,
                RawRecord.external_id.in_(versioned),
            )
            .values(is_current=False)
        )
    new_rows = [
        {"campaign": campaign, "source": source, "external_id": r.external_id,
         "content_hash": r.content_hash, "payload": r.payload, "locator": r.locator,
         "sync_run_id": run_id, "is_current": True}
        for r in _last_version_per_key(fresh)
    ]
    if new_rows:  # a bulk insert: nothing kept in the session, so memory stays flat
        session.execute(insert(RawRecord), new_rows)
    return LandingCounts(len(rows), len(fresh), len(rows) - len(fresh), len(versioned))


def match_snapshot(session: Session, campaign: str, source: str, present: set[tuple[str, str]]) -> int:
    """A snapshot source holds exactly the records that are current: one it no longer holds
    stops being current (kept raw, never deleted), one that came back is current again.
    ``present`` holds (external id, content hash) pairs. Returns how many were removed."""
    removed = 0
    for record in session.scalars(
        select(RawRecord).where(RawRecord.campaign == campaign, RawRecord.source == source)
    ):
        wanted = (record.external_id, record.content_hash) in present
        if record.is_current and not wanted:
            removed += 1
        record.is_current = wanted
    return removed


def _known_versions(
    session: Session, campaign: str, source: str, external_ids: set[str]
) -> dict[str, set[str]]:
    """Content hashes already stored for these keys, looked up in chunks (bound-parameter
    limits), so landing a page costs the page, not the whole history of the source."""
    known: dict[str, set[str]] = defaultdict(set)
    ids = sorted(external_ids)
    for start in range(0, len(ids), 500):
        query = select(RawRecord.external_id, RawRecord.content_hash).where(
            RawRecord.campaign == campaign, RawRecord.source == source,
            RawRecord.external_id.in_(ids[start : start + 500]),
        )
        for external_id, digest in session.execute(query):
            known[external_id].add(digest)
    return known


def _last_version_per_key(rows: Sequence[RawRow]) -> list[RawRow]:
    """One export holding two versions of one id: the later row wins, the rest are not kept
    as separate current versions (they are still counted as received)."""
    by_key: dict[tuple[str, str], RawRow] = {}
    for row in rows:
        by_key[(row.external_id, row.content_hash)] = row
    latest: dict[str, RawRow] = {}
    for row in by_key.values():
        latest[row.external_id] = row
    return list(latest.values())


# --- normalisation ----------------------------------------------------------------------


@dataclass(frozen=True)
class PendingRecord:
    id: int
    source: str
    payload: dict[str, str]


def pending_records(session: Session, campaign: str, after_id: int = 0, limit: int | None = None) -> list[PendingRecord]:
    """Current raw records that have neither a sign-up nor a quarantine entry yet, by id,
    from ``after_id`` (so a large backlog is read in pages)."""
    query = (
        select(RawRecord.id, RawRecord.source, RawRecord.payload)
        .where(RawRecord.campaign == campaign, RawRecord.is_current.is_(True))
        .where(~select(Signup.id).where(Signup.raw_record_id == RawRecord.id).exists())
        .where(
            ~select(QuarantineEntry.id)
            .where(QuarantineEntry.raw_record_id == RawRecord.id)
            .exists()
        )
        .where(RawRecord.id > after_id)
        .order_by(RawRecord.id)
        .limit(limit)
    )
    return [PendingRecord(*row) for row in session.execute(query)]


def save_signup(
    session: Session, record: PendingRecord, signup: NormalisedSignup, event_id: int
) -> None:
    session.add(
        Signup(
            raw_record_id=record.id, source=record.source, event_id=event_id,
            first_name=signup.first_name, last_name=signup.last_name,
            first_key=signup.first_key, last_key=signup.last_key,
            email=signup.email, email_key=signup.email_key, phone=signup.phone,
            submitted_at=signup.submitted_at, consent=signup.consent,
            cancelled=signup.cancelled, warnings=list(signup.warnings),
        )
    )


def save_quarantine(
    session: Session, record: PendingRecord, rejection: Rejection, run_id: int
) -> None:
    session.add(
        QuarantineEntry(
            raw_record_id=record.id, source=record.source, reason_code=rejection.code,
            field=rejection.field, reason_fr=rejection.fr, reason_en=rejection.en,
            sync_run_id=run_id,
        )
    )


# --- people -----------------------------------------------------------------------------


def _campaign_signups(campaign: str):
    return (
        select(Signup)
        .join(RawRecord, Signup.raw_record_id == RawRecord.id)
        .where(RawRecord.campaign == campaign)
    )


def unassigned_signups(session: Session, campaign: str) -> list[Signup]:
    """Sign-ups of current records not yet matched to a person, oldest first."""
    query = (
        _campaign_signups(campaign)
        .where(Signup.person_id.is_(None), RawRecord.is_current.is_(True))
        .order_by(Signup.submitted_at.is_(None), Signup.submitted_at, Signup.id)
    )
    return list(session.scalars(query))


def people_of_earlier_versions(session: Session, campaign: str, signups: Sequence[Signup]) -> dict[int, int]:
    """Sign-up id -> the person of an earlier version of the same source record.

    An edited submission is the same record: it keeps its person whatever was edited.
    """
    wanted = {(s.raw_record.source, s.raw_record.external_id): s.id for s in signups}
    if not wanted:
        return {}
    query = (
        select(RawRecord.source, RawRecord.external_id, Signup.person_id)
        .join(Signup, Signup.raw_record_id == RawRecord.id)
        .where(RawRecord.campaign == campaign, RawRecord.is_current.is_(False))
        .where(Signup.person_id.is_not(None))
        .where(RawRecord.external_id.in_({external_id for _, external_id in wanted}))
        .order_by(RawRecord.id)
    )
    found = {}
    for source, external_id, person_id in session.execute(query):
        if (source, external_id) in wanted:
            found[wanted[(source, external_id)]] = person_id  # the latest version wins
    return found


def assigned_signups(session: Session, campaign: str) -> list[tuple[Signup, str]]:
    """Every sign-up already matched to a person, with its event's site name (what the
    matcher compares): the index a new batch is matched against."""
    query = (
        select(Signup, Event.name)
        .join(RawRecord, Signup.raw_record_id == RawRecord.id)
        .join(Event, Signup.event_id == Event.id)
        .where(RawRecord.campaign == campaign, Signup.person_id.is_not(None))
        .order_by(Signup.id)
    )
    return [(signup, site) for signup, site in session.execute(query)]


def site_names(session: Session, campaign: str) -> dict[int, str]:
    """Event id -> its site's name."""
    return dict(session.execute(select(Event.id, Event.name).where(Event.campaign == campaign)).all())


def match_decisions(session: Session) -> list[MatchDecision]:
    return list(session.scalars(select(MatchDecision)))


def save_links(session: Session, links: Iterable[tuple[int, int, str, float, list[str]]]) -> None:
    """Store why sign-ups were merged; a pair already explained keeps its first reason."""
    for a, b, rule, score, evidence in links:
        a, b = sorted((a, b))
        if session.scalar(select(MatchLink.id).where(MatchLink.signup_a == a, MatchLink.signup_b == b)) is None:
            session.add(MatchLink(signup_a=a, signup_b=b, rule=rule, score=score, evidence=evidence))


def save_review_pairs(session: Session, pairs: Iterable[tuple[int, int, str, float, list[str], str]]) -> int:
    """Add pairs waiting for a decision (each pair once); return how many are new."""
    added = 0
    for a, b, rule, score, evidence, explanation in pairs:
        a, b = sorted((a, b))
        exists = select(ReviewPair.id).where(ReviewPair.signup_a == a, ReviewPair.signup_b == b)
        decided = select(MatchDecision.id).where(MatchDecision.signup_a == a, MatchDecision.signup_b == b)
        if session.scalar(exists) is None and session.scalar(decided) is None:
            session.add(ReviewPair(signup_a=a, signup_b=b, rule=rule, score=score, evidence=evidence,
                                   explanation_fr=explanation))
            added += 1
    return added


def count_open_review_pairs(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(ReviewPair).where(ReviewPair.status == "open")) or 0


def open_review_pairs(session: Session) -> list[ReviewPair]:
    return list(session.scalars(select(ReviewPair).where(ReviewPair.status == "open").order_by(ReviewPair.id)))


def create_person(session: Session, signup: Signup) -> Person:
    person = Person(
        first_name=signup.first_name, last_name=signup.last_name,
        first_key=signup.first_key, last_key=signup.last_key,
        email=signup.email, phone=signup.phone,
    )
    session.add(person)
    session.flush()
    return person


def get_person(session: Session, person_id: int) -> Person:
    return session.get_one(Person, person_id)


def assign_signup(signup: Signup, person: Person, rule: str) -> None:
    """Link a sign-up to its person, keeping the rule that decided it. A later sign-up
    fills contacts the person did not have; it never overwrites them."""
    signup.person_id, signup.match_rule = person.id, rule
    if person.email is None and signup.email:
        person.email, person.updated_at = signup.email, utcnow()
    if person.phone is None and signup.phone:
        person.phone, person.updated_at = signup.phone, utcnow()


# --- registrations ----------------------------------------------------------------------


def signup_states(
    session: Session, campaign: str
) -> dict[tuple[int, int], list[SignupState]]:
    """Current assigned sign-ups grouped by (person, event)."""
    query = (
        select(Signup.person_id, Signup.event_id, Signup.cancelled, Signup.consent,
               Signup.source, Signup.submitted_at)
        .join(RawRecord, Signup.raw_record_id == RawRecord.id)
        .where(RawRecord.campaign == campaign, RawRecord.is_current.is_(True))
        .where(Signup.person_id.is_not(None))
    )
    grouped: dict[tuple[int, int], list[SignupState]] = defaultdict(list)
    for person_id, event_id, cancelled, consent, source, submitted_at in session.execute(query):
        grouped[(person_id, event_id)].append(SignupState(cancelled, consent, source, submitted_at))
    return grouped


def campaign_registrations(
    session: Session, event_ids: Iterable[int]
) -> dict[tuple[int, int], Registration]:
    """Registrations of these events by (person, event)."""
    query = select(Registration).where(Registration.event_id.in_(list(event_ids)))
    return {(r.person_id, r.event_id): r for r in session.scalars(query)}


def upsert_registration(
    session: Session,
    registration: Registration | None,
    key: tuple[int, int],
    status: str,
    registered_at: datetime | None,
    sources: list[str],
) -> bool:
    """Create the registration or update it if its facts changed; True if anything changed."""
    if registration is None:
        session.add(Registration(person_id=key[0], event_id=key[1], status=status,
                                 registered_at=registered_at, sources=sources))
        return True
    if (registration.status, registration.registered_at, registration.sources) == (
        status, registered_at, sources,
    ):
        return False
    registration.status, registration.registered_at = status, registered_at
    registration.sources, registration.updated_at = sources, utcnow()
    return True


def roster_entries(session: Session, event_id: int) -> list[tuple[int, RosterEntry]]:
    """(registration id, entry) for every registration of an event, whatever its status."""
    query = (
        select(Registration, Person)
        .join(Person, Registration.person_id == Person.id)
        .where(Registration.event_id == event_id)
    )
    return [
        (reg.id, RosterEntry(
            first_name=person.first_name, last_name=person.last_name, email=person.email,
            phone=person.phone, sources=tuple(reg.sources), registered_at=reg.registered_at,
            status=reg.status,
        ))
        for reg, person in session.execute(query)
    ]


def roster_states(session: Session, registration_ids: Iterable[int]) -> dict[int, RosterState]:
    ids = list(registration_ids)
    states: dict[int, RosterState] = {}
    for start in range(0, len(ids), 500):
        query = select(RosterState).where(RosterState.registration_id.in_(ids[start : start + 500]))
        states.update({s.registration_id: s for s in session.scalars(query)})
    return states


def save_roster_state(
    session: Session, existing: RosterState | None, registration_id: int, pushed: dict[str, Any],
    called: Any, present: bool | None, notes: str | None, extras: dict[str, Any], conflicts: int,
) -> None:
    """Keep what the row holds now; only touched when something in it changed."""
    values = {"pushed": pushed, "called": None if called is None else str(called), "present": present,
              "notes": notes or None, "extras": extras or None, "conflicts": conflicts}
    if existing is None:
        session.add(RosterState(registration_id=registration_id, **values))
        return
    if any(getattr(existing, k) != v for k, v in values.items()):
        for key, value in values.items():
            setattr(existing, key, value)
        existing.updated_at = utcnow()


def roster_target(session: Session, campaign: str, site_code: str) -> RosterTarget | None:
    return session.scalar(
        select(RosterTarget).where(RosterTarget.campaign == campaign, RosterTarget.site_code == site_code)
    )


def save_roster_target(
    session: Session, campaign: str, site_code: str, kind: str, location: str,
    layout: dict[str, Any] | None, pushed: bool,
) -> None:
    target = roster_target(session, campaign, site_code)
    if target is None:
        target = RosterTarget(campaign=campaign, site_code=site_code, kind=kind, location=location)
        session.add(target)
    target.kind, target.location = kind, location
    if layout is not None and target.layout != layout:
        target.layout = layout
    if pushed:
        target.pushed_at = utcnow()


# --- counts for summaries ---------------------------------------------------------------


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
    """Per site code: registrations by status, and the site's capacity."""
    counts: dict[str, dict[str, int]] = {}
    for code, capacity in session.execute(
        select(Event.site_code, Event.capacity).where(Event.campaign == campaign)
    ):
        counts[code] = {"registered": 0, "cancelled": 0, "no_consent": 0, "capacity": capacity}
    query = (
        select(Event.site_code, Registration.status, func.count())
        .join(Event, Registration.event_id == Event.id)
        .where(Event.campaign == campaign)
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
        .where(Event.campaign == campaign)
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


# --- decisions on people ----------------------------------------------------------------


def record_decision(session: Session, signup_a: int, signup_b: int, same: bool, decided_by: str) -> None:
    """Store (or change) a decision on a pair and close its review, if any."""
    a, b = sorted((signup_a, signup_b))
    decision = session.scalar(select(MatchDecision).where(MatchDecision.signup_a == a, MatchDecision.signup_b == b))
    if decision is None:
        session.add(MatchDecision(signup_a=a, signup_b=b, same=same, decided_by=decided_by))
    else:
        decision.same, decision.decided_by, decision.decided_at = same, decided_by, utcnow()
    session.execute(update(ReviewPair).where(ReviewPair.signup_a == a, ReviewPair.signup_b == b)
                    .values(status="decided"))


def merge_people(session: Session, keep_id: int, gone_id: int) -> None:
    """Move every sign-up and registration of person ``gone_id`` to ``keep_id``. Where both
    had a registration for the same event, the kept person's stays (with its roster row)."""
    if keep_id == gone_id:
        return
    session.execute(update(Signup).where(Signup.person_id == gone_id).values(person_id=keep_id))
    kept_events = set(session.scalars(select(Registration.event_id).where(Registration.person_id == keep_id)))
    for registration in session.scalars(select(Registration).where(Registration.person_id == gone_id)):
        if registration.event_id in kept_events:
            session.execute(delete(RosterState).where(RosterState.registration_id == registration.id))
            session.delete(registration)
        else:
            registration.person_id = keep_id
    session.flush()
    session.delete(session.get_one(Person, gone_id))


def split_signup(session: Session, signup_id: int, decided_by: str) -> int:
    """Take a sign-up (and the other versions of its record) out of its person into a new
    one, and record that it is not the same person as the sign-ups left behind, so no later
    run merges them again. Returns the new person's id."""
    signup = session.get_one(Signup, signup_id)
    versions = list(session.scalars(
        select(Signup).join(RawRecord, Signup.raw_record_id == RawRecord.id)
        .where(RawRecord.source == signup.raw_record.source,
               RawRecord.external_id == signup.raw_record.external_id,
               RawRecord.campaign == signup.raw_record.campaign)
    ))
    moving = {s.id for s in versions}
    staying = session.scalars(select(Signup.id).where(Signup.person_id == signup.person_id,
                                                      Signup.id.not_in(moving))).all()
    person = Person(first_name=signup.first_name, last_name=signup.last_name, first_key=signup.first_key,
                    last_key=signup.last_key, email=signup.email, phone=signup.phone)
    session.add(person)
    session.flush()
    for moved in versions:
        moved.person_id, moved.match_rule = person.id, "unmerged"
    for other in staying:
        record_decision(session, signup_id, other, same=False, decided_by=decided_by)
    return person.id


def person_signups(session: Session, registration_id: int) -> list[tuple[Signup, RawRecord]]:
    """The sign-ups behind a registration's person, with their raw records, oldest first."""
    registration = session.get_one(Registration, registration_id)
    query = (
        select(Signup, RawRecord)
        .join(RawRecord, Signup.raw_record_id == RawRecord.id)
        .where(Signup.person_id == registration.person_id)
        .order_by(Signup.submitted_at, Signup.id)
    )
    return [(signup, raw) for signup, raw in session.execute(query)]


def links_of(session: Session, signup_ids: Iterable[int]) -> list[MatchLink]:
    ids = list(signup_ids)
    return list(session.scalars(select(MatchLink).where(MatchLink.signup_a.in_(ids) | MatchLink.signup_b.in_(ids))))
