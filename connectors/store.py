"""Reads and writes of the central database, in the campaign's terms.

Every function takes an open Session and leaves committing to the caller
(``connectors.database.session_scope``), so a step's writes land together or not at all.
No decisions here: what to write comes from ``transforms``.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Container, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, NamedTuple

from sqlalchemy import Connection, Select, Text, cast, func, insert, literal, select, update
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.orm import Session

from rollcall.connectors.database import (
    batches,
    insert_many,
    json_strings,
    json_text,
    read_rows,
    update_many,
)
from rollcall.models.campaign import Campaign
from rollcall.models.records import (
    CANCELLED,
    REGISTERED,
    NormalisedSignup,
    PersonDisplay,
    RawRow,
    Rejection,
    RosterEntry,
    SignupDetails,
)
from rollcall.models.roster_states import (
    StateWrites,
    StoredRow,
)
from rollcall.models.tables import (
    Event,
    MatchDecision,
    Person,
    QuarantineEntry,
    RawRecord,
    Registration,
    ResolutionState,
    RosterState,
    RosterTarget,
    Signup,
    SourceCursor,
    SyncRun,
    table_of,
    utcnow,
)

# --- runs and cursors -------------------------------------------------------------------


#: Why a run was closed as ``crashed`` by a later one (stored in its summary).
CRASHED_REASON = "the process ended without finishing (killed or crashed)"


def start_run(session: Session, campaign: str, flow_run_id: str | None) -> int:
    """Record a new run of ``campaign``, and close as ``crashed`` its earlier runs still ``running``.

    The caller holds the campaign's lock (``connectors.database.campaign_lock``), so no other
    run of the campaign is alive: one still ``running`` is a process that ended without
    finishing, and would otherwise stay ``running`` for good.
    """
    run = SyncRun(campaign=campaign, flow_run_id=flow_run_id, status="running")
    session.add(run)
    session.flush()
    close_crashed_runs(session, campaign, run.id)
    return run.id


def close_crashed_runs(session: Session, campaign: str, closed_by: int) -> int:
    """Mark the campaign's runs before ``closed_by`` that are still ``running`` as ``crashed``,
    finished now (when it was found out); return how many."""
    stale = session.scalars(
        select(SyncRun).where(SyncRun.campaign == campaign, SyncRun.status == "running", SyncRun.id < closed_by)
    ).all()
    for run in stale:
        run.status, run.finished_at = "crashed", utcnow()
        run.summary = {**(run.summary or {}), "closed_by_run": closed_by, "reason": CRASHED_REASON}
    return len(stale)


def get_run(session: Session, run_id: int) -> SyncRun:
    return session.get_one(SyncRun, run_id)


def finish_run(session: Session, run_id: int, status: str, summary: dict[str, Any]) -> None:
    run = session.get_one(SyncRun, run_id)
    run.status, run.summary, run.finished_at = status, summary, utcnow()


def get_cursor(session: Session, campaign: str, source: str) -> str | None:
    return session.scalar(
        select(SourceCursor.cursor).where(SourceCursor.campaign == campaign, SourceCursor.source == source)
    )


def reconciled_at(session: Session, campaign: str, source: str) -> datetime | None:
    """When ``source`` was last read whole, or None if never."""
    return session.scalar(
        select(SourceCursor.reconciled_at).where(SourceCursor.campaign == campaign, SourceCursor.source == source)
    )


def mark_reconciled(session: Session, campaign: str, source: str, at: datetime) -> None:
    """Record a complete full read of ``source`` (its cursor is left as it is)."""
    row = session.scalar(select(SourceCursor).where(SourceCursor.campaign == campaign, SourceCursor.source == source))
    if row is None:
        session.add(SourceCursor(campaign=campaign, source=source, cursor="", reconciled_at=at))
    else:
        row.reconciled_at = at


def set_cursor(session: Session, campaign: str, source: str, cursor: str) -> None:
    row = session.scalar(select(SourceCursor).where(SourceCursor.campaign == campaign, SourceCursor.source == source))
    if row is None:
        session.add(SourceCursor(campaign=campaign, source=source, cursor=cursor))
    elif row.cursor != cursor:
        row.cursor, row.updated_at = cursor, utcnow()


# --- events -----------------------------------------------------------------------------


def sync_events(session: Session, campaign: Campaign) -> dict[str, int]:
    """Create or update one event per configured site; return site code -> event id."""
    code = campaign.campaign.code
    existing = {e.site_code: e for e in session.scalars(select(Event).where(Event.campaign == code))}
    for site in campaign.sites:
        event = existing.get(site.code) or Event(campaign=code, site_code=site.code)
        event.name, event.city, event.date, event.capacity = (
            site.name,
            site.city,
            site.date,
            site.capacity,
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


def land_raw_rows(session: Session, campaign: str, source: str, rows: Sequence[RawRow], run_id: int) -> LandingCounts:
    """Store rows not seen before; an existing key with new content is a new version and
    the older versions stop being current. A key edited back to content it had before
    makes that stored version current again (nothing is stored twice)."""
    known = _known_versions(session, campaign, source, {r.external_id for r in rows})
    fresh = [r for r in rows if r.content_hash not in known.get(r.external_id, {})]
    winners = _last_version_per_key(rows)
    inserted = [r for r in winners if r.content_hash not in known.get(r.external_id, {})]
    revived = [r for r in winners if known.get(r.external_id, {}).get(r.content_hash) is False]
    superseded = {r.external_id for r in inserted if r.external_id in known} | {r.external_id for r in revived}
    if superseded:
        session.execute(
            update(RawRecord)
            .where(
                RawRecord.campaign == campaign,
                RawRecord.source == source,
                RawRecord.external_id.in_(superseded),
            )
            .values(is_current=False)
        )
    for row in revived:
        session.execute(
            update(RawRecord)
            .where(
                RawRecord.campaign == campaign,
                RawRecord.source == source,
                RawRecord.external_id == row.external_id,
                RawRecord.content_hash == row.content_hash,
            )
            .values(is_current=True)
        )
    new_rows = [
        {
            "campaign": campaign,
            "source": source,
            "external_id": r.external_id,
            "content_hash": r.content_hash,
            "payload": r.payload,
            "locator": r.locator,
            "sync_run_id": run_id,
            "is_current": True,
        }
        for r in inserted
    ]
    if new_rows:  # a bulk insert: nothing kept in the session, so memory stays flat
        insert_many(session, table_of(RawRecord), new_rows)  # Core: see save_normalised
    return LandingCounts(len(rows), len(fresh), len(rows) - len(fresh), len(superseded))


def match_snapshot(session: Session, campaign: str, source: str, present: Container[tuple[str, str]]) -> int:
    """A snapshot source holds exactly the records that are current: one it no longer holds
    stops being current (kept raw, never deleted). ``present`` holds (external id, content
    hash) pairs. Returns how many were removed.

    Makes nothing current: landing the snapshot did (``land_raw_rows``: a new record, a row
    back in the file, an edit undone), each id with its later row's version. Were every
    version found in the file made current, an id held by two rows would end with both
    current after a night that held only the earlier row, or with the two rows in two
    chunks of the landing, where one clean landing keeps the later alone.

    Reads keys only (never payloads), as Core rows (the ORM's result handling was half of
    it), and flips flags in bulk: a 200 MB export stays flat."""
    query = select(RawRecord.id, RawRecord.external_id, RawRecord.content_hash).where(
        RawRecord.campaign == campaign, RawRecord.source == source, RawRecord.is_current.is_(True)
    )
    gone = [
        record_id
        for record_id, external_id, digest in read_rows(session, query.execution_options(yield_per=20_000))
        if (external_id, digest) not in present
    ]
    for chunk in batches(gone):
        session.execute(
            update(RawRecord)
            .where(RawRecord.id.in_(chunk))
            .values(is_current=False)
            .execution_options(synchronize_session=False)
        )
    return len(gone)


def unlisted(session: Session, campaign: str, source: str, listed: set[str]) -> list[str]:
    """Ids of current records that a full listing of a web form did not return."""
    query = select(RawRecord.external_id).where(
        RawRecord.campaign == campaign, RawRecord.source == source, RawRecord.is_current.is_(True)
    )
    return sorted({external_id for external_id in session.scalars(query) if external_id not in listed})


def keep_listed(session: Session, campaign: str, source: str, listed: set[str]) -> int:
    """A web form read whole: a current record whose id the provider no longer lists (deleted
    there) stops being current, every version kept raw. Returns how many ids were removed."""
    gone = unlisted(session, campaign, source, listed)
    for chunk in batches(gone):
        session.execute(
            update(RawRecord)
            .where(
                RawRecord.campaign == campaign,
                RawRecord.source == source,
                RawRecord.external_id.in_(chunk),
            )
            .values(is_current=False)
            .execution_options(synchronize_session=False)
        )
    return len(gone)


def has_current_records(session: Session, campaign: str, source: str) -> bool:
    query = (
        select(RawRecord.id)
        .where(RawRecord.campaign == campaign, RawRecord.source == source, RawRecord.is_current.is_(True))
        .limit(1)
    )
    return session.scalar(query) is not None


def stored_keys(session: Session, campaign: str, source: str, external_ids: set[str]) -> set[str]:
    """Which of these record keys the source has stored already, in any version."""
    return set(_known_versions(session, campaign, source, external_ids))


def _known_versions(session: Session, campaign: str, source: str, external_ids: set[str]) -> dict[str, dict[str, bool]]:
    """Content hashes already stored for these keys, and whether each is the current version,
    looked up in chunks (bound-parameter limits), so landing a page costs the page, not the
    whole history of the source."""
    known: dict[str, dict[str, bool]] = defaultdict(dict)
    for chunk in batches(sorted(external_ids)):
        query = select(RawRecord.external_id, RawRecord.content_hash, RawRecord.is_current).where(
            RawRecord.campaign == campaign,
            RawRecord.source == source,
            RawRecord.external_id.in_(chunk),
        )
        for external_id, digest, current in read_rows(session, query):
            known[external_id][digest] = bool(current)
    return known


def _last_version_per_key(rows: Sequence[RawRow]) -> list[RawRow]:
    """One export holding two versions of one id: the later row wins, the rest are not kept
    as separate current versions (they are still counted as received). In the order each
    id first appears; the later row even when it repeats an earlier one (A, B, A: A)."""
    latest: dict[str, RawRow] = {}
    for row in rows:
        latest[row.external_id] = row
    return list(latest.values())


# --- normalisation ----------------------------------------------------------------------


@dataclass(frozen=True)
class PendingRecord:
    id: int
    source: str
    payload: dict[str, str]


def pending_records(
    session: Session, campaign: str, after_id: int = 0, limit: int | None = None
) -> list[PendingRecord]:
    """Current raw records that have neither a sign-up nor a quarantine entry yet, by id,
    from ``after_id`` (so a large backlog is read in pages)."""
    return [PendingRecord(*row) for row in read_rows(session, pending_query(campaign, after_id, limit))]


def count_pending(session: Session, campaign: str, up_to: int) -> int:
    """How many records ``pending_records`` would give, counted up to ``up_to`` (the
    count stops there: a large backlog costs no more to size than a small one)."""
    ids = pending_query(campaign, 0, up_to).with_only_columns(RawRecord.id).subquery()
    return session.scalar(select(func.count()).select_from(ids)) or 0


def pending_query(campaign: str, after_id: int, limit: int | None) -> Select[int, str, dict[str, Any]]:
    """The query behind ``pending_records``: a range search of the (campaign, is_current, id)
    index, so a page costs its own size, not the campaign's."""
    return (
        select(RawRecord.id, RawRecord.source, RawRecord.payload)
        .where(RawRecord.campaign == campaign, RawRecord.is_current.is_(True))
        .where(~select(Signup.id).where(Signup.raw_record_id == RawRecord.id).exists())
        .where(~select(QuarantineEntry.id).where(QuarantineEntry.raw_record_id == RawRecord.id).exists())
        .where(RawRecord.id > after_id)
        .order_by(RawRecord.id)
        .limit(limit)
    )


def save_normalised(
    session: Session,
    signups: Sequence[tuple[PendingRecord, NormalisedSignup, int]],
    quarantined: Sequence[tuple[PendingRecord, Rejection]],
    run_id: int,
) -> None:
    """Store a page of outcomes in two bulk inserts: each sign-up with its event id, each
    rejection as a quarantine entry of this run.

    Core inserts of the tables, not the ORM's bulk insert: the ORM leaves out a row's None
    values and batches only consecutive rows with the same columns, so rows with and without
    a phone alternate into ~40,000 statements per 100,000 sign-ups instead of a few."""
    now = utcnow()
    if signups:
        insert_many(
            session,
            table_of(Signup),
            [
                {
                    "raw_record_id": record.id,
                    "source": record.source,
                    "event_id": event_id,
                    "first_name": signup.first_name,
                    "last_name": signup.last_name,
                    "email": signup.email,
                    "email_key": signup.email_key,
                    "phone": signup.phone,
                    "submitted_at": signup.submitted_at,
                    "consent": signup.consent,
                    "cancelled": signup.cancelled,
                    "warnings": list(signup.warnings),
                    "created_at": now,
                    "time_slot": signup.time_slot,
                    "remarks": signup.remarks,
                    "minor": signup.minor,
                    "details_read": True,
                }
                for record, signup, event_id in signups
            ],
        )
    if quarantined:
        insert_many(
            session,
            table_of(QuarantineEntry),
            [
                {
                    "raw_record_id": record.id,
                    "source": record.source,
                    "reason_code": rejection.code,
                    "field": rejection.field,
                    "reason_fr": rejection.fr,
                    "reason_en": rejection.en,
                    "sync_run_id": run_id,
                    "created_at": now,
                }
                for record, rejection in quarantined
            ],
        )


def signups_to_read_again(session: Session, campaign: str, limit: int) -> list[tuple[int, str, dict[str, Any]]]:
    """(sign-up id, source, raw payload) of current sign-ups stored before their details were
    read (``Signup.details_read`` false), at most ``limit``."""
    query = (
        select(Signup.id, RawRecord.source, RawRecord.payload)
        .join(RawRecord, Signup.raw_record_id == RawRecord.id)
        .where(RawRecord.campaign == campaign, Signup.details_read.is_(False))
        .order_by(Signup.id)
        .limit(limit)
    )
    return [(sid, source, payload) for sid, source, payload in session.execute(query)]


def save_details(session: Session, signup_id: int, signup: NormalisedSignup | None) -> None:
    """A sign-up's time slot, remarks and minor flag, read now (none when its record no longer
    reads as a sign-up: redacted by a purge, say)."""
    values: dict[str, Any] = {"details_read": True}
    if signup is not None:
        values |= {
            "time_slot": signup.time_slot,
            "remarks": signup.remarks,
            "minor": signup.minor,
            "warnings": list(signup.warnings),
        }
    session.execute(update(Signup).where(Signup.id == signup_id).values(**values))


def quarantined_records(
    session: Session, campaign: str, except_reasons: Iterable[str] = ()
) -> list[tuple[int, str, dict[str, Any], str]]:
    """(raw record id, source, raw payload, French reason) of every current record in
    quarantine, by id, but those quarantined for one of ``except_reasons``."""
    query = (
        select(RawRecord.id, RawRecord.source, RawRecord.payload, QuarantineEntry.reason_fr)
        .join(QuarantineEntry, QuarantineEntry.raw_record_id == RawRecord.id)
        .where(
            RawRecord.campaign == campaign,
            RawRecord.is_current.is_(True),
            QuarantineEntry.reason_code.not_in(list(except_reasons)),
        )
        .order_by(RawRecord.id)
    )
    return [(rid, source, payload, reason) for rid, source, payload, reason in session.execute(query)]


# --- people -----------------------------------------------------------------------------


class CurrentSignup(NamedTuple):
    """A sign-up of a current record, with what the matcher and survivorship need. A named
    tuple: one is built for every current sign-up at each resolution, and a frozen dataclass
    of these fields costs five times as much to build (0.25 s against 0.05 s per 100,000)."""

    id: int
    source: str
    external_id: str
    event_id: int
    first_name: str
    last_name: str
    email: str | None
    phone: str | None
    submitted_at: datetime | None
    consent: bool | None
    cancelled: bool
    warnings: list[str]
    person_id: int | None
    match_rule: str | None

    @property
    def record_key(self) -> tuple[str, str]:
        return (self.source, self.external_id)


def current_signups(session: Session, campaign: str) -> list[CurrentSignup]:
    """Every sign-up of a current record, in the records' own order (source, external id):
    the order the matcher sees does not depend on when records arrived."""
    columns: dict[str, Any] = {
        "id": Signup.id,
        "source": RawRecord.source,
        "external_id": RawRecord.external_id,
        "event_id": Signup.event_id,
        "first_name": Signup.first_name,
        "last_name": Signup.last_name,
        "email": Signup.email,
        "phone": Signup.phone,
        "submitted_at": Signup.submitted_at,
        "consent": Signup.consent,
        "cancelled": Signup.cancelled,
        "warnings": json_text(Signup.warnings),
        "person_id": Signup.person_id,
        "match_rule": Signup.match_rule,
    }
    query = (
        select(*(columns[name] for name in CurrentSignup._fields))  # rows in field order: no dict a row
        .join(RawRecord, Signup.raw_record_id == RawRecord.id)
        .where(RawRecord.campaign == campaign, RawRecord.is_current.is_(True))
    )
    # Sorted here, not by the database: collations differ (PostgreSQL's locale, SQLite's
    # bytes), and the same data must give the same people on both.
    at = CurrentSignup._fields.index("warnings")  # read as JSON text: decoded once per distinct text
    signups = (
        CurrentSignup._make((*row[:at], json_strings(row[at]), *row[at + 1 :])) for row in read_rows(session, query)
    )
    return sorted(signups, key=lambda s: (s.source, s.external_id, s.id))


class ResolutionInputs(NamedTuple):
    """What resolving the campaign's people reads, as stored: each current sign-up (id,
    creation time as stored text: an id SQLite reuses after a deletion is told apart) with
    its person now, and every decision."""

    signups: list[tuple[int, str, int | None]]
    decisions: list[tuple[Any, ...]]

    def digest(self, *extra: str) -> str:
        """The fingerprint of these inputs; ``extra`` adds the configuration and the code
        that resolve."""
        digest = hashlib.sha256("\x1f".join(extra).encode())
        digest.update(repr(self.signups).encode())
        digest.update(b"decisions")
        for decision in self.decisions:
            digest.update(repr(decision).encode())
        return digest.hexdigest()

    def with_people(self, person_of: Mapping[int, int]) -> ResolutionInputs:
        """These inputs once each sign-up's person is ``person_of`` its id (a resolution
        just stored them): what reading them again would give, without the read."""
        return self._replace(signups=[(sid, at, person_of.get(sid, person)) for sid, at, person in self.signups])


def resolution_inputs(session: Session, campaign: str) -> ResolutionInputs:
    """``ResolutionInputs`` as stored now, sign-ups by id and decisions by id."""
    signups = (
        select(Signup.id, cast(Signup.created_at, Text), Signup.person_id)  # the time as stored: not parsed
        .join(RawRecord, Signup.raw_record_id == RawRecord.id)
        .where(RawRecord.campaign == campaign, RawRecord.is_current.is_(True))
        .order_by(Signup.id)
    )
    session.flush()  # then Core rows: no ORM result processing (an unchanged night's whole resolve)
    rows = [tuple(row) for row in session.connection().execute(signups)]
    decisions = (
        select(MatchDecision.signup_a, MatchDecision.signup_b, MatchDecision.same, MatchDecision.decided_at)
        .join(Signup, Signup.id == MatchDecision.signup_a)
        .join(RawRecord, Signup.raw_record_id == RawRecord.id)
        .where(RawRecord.campaign == campaign)
        .order_by(MatchDecision.id)
    )
    return ResolutionInputs(rows, [tuple(decision) for decision in session.execute(decisions)])  # type: ignore[arg-type]


def last_resolution_inputs(session: Session, campaign: str) -> str | None:
    return session.scalar(select(ResolutionState.inputs).where(ResolutionState.campaign == campaign))


def remember_resolution_inputs(session: Session, campaign: str, inputs: str) -> None:
    state = session.get(ResolutionState, campaign)
    if state is None:
        session.add(ResolutionState(campaign=campaign, inputs=inputs))
    else:
        state.inputs, state.resolved_at = inputs, utcnow()


def people_of_earlier_versions(session: Session, campaign: str) -> dict[tuple[str, str], int]:
    """(source, external id) -> the person the latest assigned earlier (not current) version
    of the record belongs to: an edited record or one that came back keeps its person when
    the data still says so. Read only when a current sign-up has no person yet: the others
    are their own record's latest assigned version."""
    query = (
        select(RawRecord.source, RawRecord.external_id, Signup.person_id)
        .join(Signup, Signup.raw_record_id == RawRecord.id)
        .where(RawRecord.campaign == campaign, RawRecord.is_current.is_(False), Signup.person_id.is_not(None))
        .order_by(RawRecord.id)  # the latest version last: it wins
    )
    return {
        (source, external_id): person
        for source, external_id, person in read_rows(session, query)
        if person is not None  # already filtered: says so to the type checker
    }


def create_people(session: Session, displays: Sequence[PersonDisplay]) -> list[int]:
    """New people with these display fields; their ids, in order (one insert with RETURNING,
    no ORM objects: a first sync creates a person per sign-up or so)."""
    if not displays:
        return []
    people = table_of(Person)
    query = insert(people).returning(people.c.id, sort_by_parameter_order=True)
    rows = [
        {"first_name": d.first_name, "last_name": d.last_name, "email": d.email, "phone": d.phone} for d in displays
    ]
    return list(session.execute(query, rows).scalars())


def assign_records(
    session: Session,
    campaign: str,
    person_of_record: dict[tuple[str, str], int],
    rule_of_signup: dict[int, str],
    signups: Sequence[CurrentSignup],
) -> int:
    """Point every version of each record at its person, and each current sign-up at the rule
    that placed it; only rows that change are written. Returns how many current ones moved."""
    moved = 0
    updates = []
    for s in signups:
        person, rule = person_of_record[s.record_key], rule_of_signup[s.id]
        if (s.person_id, s.match_rule) != (person, rule):
            moved += s.person_id != person
            updates.append({"signup_id": s.id, "person": person, "rule": rule})
    _bulk_update_signups(session, updates)
    stale = (
        select(Signup.id, RawRecord.source, RawRecord.external_id, Signup.person_id)
        .join(RawRecord, Signup.raw_record_id == RawRecord.id)
        .where(RawRecord.campaign == campaign, RawRecord.is_current.is_(False))
    )
    older = [
        {"signup_id": sid, "person": person_of_record[(src, ext)], "rule": "earlier_version"}
        for sid, src, ext, person in session.execute(stale)
        if (src, ext) in person_of_record and person != person_of_record[(src, ext)]
    ]
    _bulk_update_signups(session, older)
    return moved


def _bulk_update_signups(session: Session, rows: list[dict[str, Any]]) -> None:
    """One Core executemany by id (the ORM's bulk UPDATE collects each row's parameters in
    Python: a second of a 100,000-sign-up first sync)."""
    update_many(
        session,
        table_of(Signup),
        [{"id": row["signup_id"], "person_id": row["person"], "match_rule": row["rule"]} for row in rows],
    )


def update_people(session: Session, displays: dict[int, PersonDisplay]) -> int:
    """Set each person's displayed names and contacts; only changed rows are written (one
    read of the people, one executemany)."""
    changed = []
    for chunk in batches(sorted(displays)):
        query = select(
            Person.id,
            Person.first_name,
            Person.last_name,
            Person.email,
            Person.phone,
        ).where(Person.id.in_(chunk))
        for person_id, *shown in read_rows(session, query):
            d = displays[person_id]
            wanted = [d.first_name, d.last_name, d.email, d.phone]
            if shown != wanted:
                changed.append(
                    {
                        "id": person_id,
                        "first_name": d.first_name,
                        "last_name": d.last_name,
                        "email": d.email,
                        "phone": d.phone,
                        "updated_at": utcnow(),
                    }
                )
    update_many(session, table_of(Person), changed)
    return len(changed)


# --- registrations ----------------------------------------------------------------------


def earlier_submissions(session: Session, campaign: str) -> dict[tuple[str, str], datetime]:
    """(source, external id) -> the earliest submission time of the record's earlier (not
    current) versions that are sign-ups, for records that have one. With its current
    version's, a record's first submission: what "Inscrit le" shows (``flows.identity``)."""
    query = (
        select(RawRecord.source, RawRecord.external_id, func.min(Signup.submitted_at))
        .join(Signup, Signup.raw_record_id == RawRecord.id)
        .where(RawRecord.campaign == campaign, RawRecord.is_current.is_(False))
        .group_by(RawRecord.source, RawRecord.external_id)
    )
    return {
        (source, external_id): moment
        for source, external_id, first in read_rows(session, query)
        if (moment := _aware(first)) is not None
    }


def _aware(moment: datetime | None) -> datetime | None:
    """An aggregate skips the column's type: SQLite gives back a naive UTC string or datetime."""
    if moment is None or isinstance(moment, datetime) and moment.tzinfo is not None:
        return moment
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return moment.replace(tzinfo=UTC)


def move_registrations(session: Session, moves: dict[int, tuple[int, int]]) -> None:
    """Give registration rows to their new person (see ``transforms.stable_ids``)."""
    for registration_id, (person_id, _event_id) in sorted(moves.items()):
        registration = session.get_one(Registration, registration_id)
        registration.person_id, registration.updated_at = person_id, utcnow()
    session.flush()


@dataclass(frozen=True)
class StoredRegistration:
    """A registration's id and the facts ``refresh_registrations`` compares."""

    id: int
    status: str
    registered_at: datetime | None
    sources: list[str]


def campaign_registrations(session: Session, event_ids: Iterable[int]) -> dict[tuple[int, int], StoredRegistration]:
    """Registrations of these events by (person, event), read as columns."""
    query = select(
        Registration.person_id,
        Registration.event_id,
        Registration.id,
        Registration.status,
        Registration.registered_at,
        json_text(Registration.sources),
    ).where(Registration.event_id.in_(list(event_ids)))
    return {
        (person, event): StoredRegistration(id_, status, registered_at, json_strings(sources))
        for person, event, id_, status, registered_at, sources in read_rows(session, query)
    }


def registration_ids(session: Session, event_ids: Iterable[int]) -> dict[tuple[int, int], int]:
    """Registration ids of these events by (person, event): ``campaign_registrations``
    without the facts (their ``sources`` are JSON, slow to read at 100,000 rows)."""
    query = select(Registration.person_id, Registration.event_id, Registration.id).where(
        Registration.event_id.in_(list(event_ids))
    )
    return {(person, event): id_ for person, event, id_ in read_rows(session, query)}


def save_registrations(session: Session, new: Sequence[dict[str, Any]], changed: Sequence[dict[str, Any]]) -> None:
    """Insert ``new`` registrations (person_id, event_id, status, registered_at, sources) and
    set the facts of ``changed`` ones (by ``id``): one executemany each."""
    insert_many(session, table_of(Registration), new)
    now = utcnow()
    update_many(session, table_of(Registration), [{**row, "updated_at": now} for row in changed])


def _as_read(column: Any, as_text: bool) -> Any:
    """A time column, or its text as stored (``roster_inputs``: nothing parsed). JSON columns
    are read as text either way (``json_text``)."""
    return cast(column, Text) if as_text else column


def _entries_query(event_id: int, as_text: bool = False) -> Select:
    return (
        select(
            Registration.id,
            Person.first_name,
            Person.last_name,
            Person.email,
            Person.phone,
            json_text(Registration.sources),  # read as text: decoded once per distinct text
            _as_read(Registration.registered_at, as_text),
            Registration.status,
            Person.already_volunteer,
        )
        .join(Person, Registration.person_id == Person.id)
        .where(Registration.event_id == event_id)
    )


def _details_query(event_id: int) -> Select:
    return (
        select(
            Registration.id,
            RawRecord.source,
            RawRecord.external_id,
            Signup.cancelled,
            Signup.consent,
            Signup.time_slot,
            Signup.remarks,
            Signup.minor,
        )
        .join(Signup, (Signup.person_id == Registration.person_id) & (Signup.event_id == Registration.event_id))
        .join(RawRecord, Signup.raw_record_id == RawRecord.id)
        .where(Registration.event_id == event_id, RawRecord.is_current.is_(True))
    )


def _states_query(event_id: int) -> Select:
    """Row states with their JSON as text: hashed as such (``roster_inputs``), or decoded
    (``roster_state_rows``)."""
    return (
        select(
            RosterState.registration_id,
            json_text(RosterState.pushed),
            RosterState.called,
            RosterState.present,
            RosterState.notes,
            json_text(RosterState.extras),
            RosterState.conflicts,
            json_text(RosterState.previous),
        )
        .join(Registration, Registration.id == RosterState.registration_id)
        .where(Registration.event_id == event_id)
    )


def roster_entries(session: Session, event_id: int) -> list[tuple[int, RosterEntry]]:
    """(registration id, entry) for every registration of an event, whatever its status.
    Columns, not ORM objects: read for every site at every push, and never changed here."""
    return [
        (
            registration_id,
            RosterEntry(
                first_name=first_name,
                last_name=last_name,
                email=email,
                phone=phone,
                sources=tuple(json_strings(sources)),
                registered_at=registered_at,
                status=status,
                already_volunteer=already_volunteer,
            ),
        )
        for registration_id, first_name, last_name, email, phone, sources, registered_at, status, already_volunteer in (
            read_rows(session, _entries_query(event_id))
        )
    ]


def signup_details(session: Session, event_id: int) -> dict[int, list[SignupDetails]]:
    """Registration id -> the time slot, remarks and minor flag of each of its current
    sign-ups (its person's sign-ups for this event), in record order."""
    found: dict[int, list[SignupDetails]] = {}
    for registration_id, source, external_id, cancelled, consent, time_slot, remarks, minor in read_rows(
        session, _details_query(event_id)
    ):
        details = SignupDetails((source, external_id), cancelled, consent, time_slot, remarks, minor)
        found.setdefault(registration_id, []).append(details)
    # most registrations have one sign-up: nothing to sort
    return {rid: sorted(ds, key=lambda d: d.record_key) if len(ds) > 1 else ds for rid, ds in found.items()}


def roster_state_rows(session: Session, event_id: int, registration_ids: Iterable[int]) -> list[StoredRow]:
    """The stored states of these registrations of the event, their JSON as text: one query
    by event, not one per 500 ids. Decoded where they are merged (``decoded_states``), a
    worker process for a workbook: the JSON column type would add a third to the decoding."""
    wanted = set(registration_ids)
    return [tuple(row) for row in read_rows(session, _states_query(event_id)) if row[0] in wanted]


def registrations_digest(session: Session, event_id: int) -> Any:
    """The part of ``roster_inputs`` a push does not change: the digest (a ``hashlib`` object,
    to ``copy``) of the event's registrations and their sign-ups' details. Taken once a push:
    the rows' states, which the push stores, are added to a copy before and after it."""
    session.flush()
    connection = session.connection()
    digest = hashlib.sha256()
    for query in (_entries_query(event_id, as_text=True), _details_query(event_id)):
        digest.update(_rows_text(connection, query).encode())
        digest.update(b"\x1f")
    return digest


def roster_inputs(session: Session, event_id: int, registrations: Any = None) -> str:
    """A digest of what a roster push reads from the database for an event.

    The very queries of ``roster_entries``, ``signup_details`` and ``roster_state_rows``
    (of the shown registrations), their JSON and times taken as the database's text, each row
    made JSON text, sorted and joined by the database itself (``_rows_text``): twelve sites'
    200,000 rows cost the database a few tenths of a second and Python one string per query
    to hash. Compared only with a digest taken from the same database. ``registrations``:
    ``registrations_digest`` of the event, when taken already in this push."""
    digest = (registrations or registrations_digest(session, event_id)).copy()
    session.flush()
    states = _states_query(event_id).where(Registration.status.in_((REGISTERED, CANCELLED)))
    digest.update(_rows_text(session.connection(), states).encode())
    digest.update(b"\x1f")
    return digest.hexdigest()


def has_unpushed_rows(session: Session, event_id: int) -> bool:
    """Whether a registration the event's roster shows has no row state yet: it was never
    pushed, so its roster must be (every row of a push gets a state, ``states_of``). The
    newest first: a new registration is found at once; an unchanged site costs one pass of
    the event's index, a hundredth of a second for 8,000 registrations."""
    query = (
        select(Registration.id)
        .outerjoin(RosterState, RosterState.registration_id == Registration.id)
        .where(
            Registration.event_id == event_id,
            Registration.status.in_((REGISTERED, CANCELLED)),
            RosterState.registration_id.is_(None),
        )
        .order_by(Registration.id.desc())
        .limit(1)
    )
    return session.scalar(query) is not None


def shown_count(session: Session, event_id: int) -> int:
    """How many registrations an event's roster shows (registered or cancelled)."""
    listed = _entries_query(event_id).subquery()
    found = session.execute(
        select(func.count()).select_from(listed).where(listed.c.status.in_((REGISTERED, CANCELLED)))
    )
    return int(found.scalar() or 0)


#: Between two rows' texts in ``_rows_text`` (JSON escapes it inside a text).
_ROW_SEPARATOR = "\x1e"


def _rows_text(connection: Connection, query: Select) -> str:
    """Every row of ``query`` as JSON text, sorted by that text and joined, in one value
    from the database (PostgreSQL or SQLite, the two rollcall runs on): the rows' content
    whatever order they are stored in."""
    rows = query.subquery()
    if connection.dialect.name == "postgresql":
        text = cast(func.json_build_array(*rows.c), Text)
        joined = func.string_agg(text, aggregate_order_by(literal(_ROW_SEPARATOR), text))
        return connection.execute(select(joined)).scalar() or ""
    # SQLite before 3.44 has no ORDER BY in an aggregate: it joins a sorted subquery's rows in
    # that order (were it not to, a push would only be made that could have been skipped)
    row = func.json_array(*rows.c).label("row")
    ordered = select(row).order_by(row).subquery()
    return connection.execute(select(func.group_concat(ordered.c.row, _ROW_SEPARATOR))).scalar() or ""


def save_roster_states(session: Session, writes: StateWrites) -> None:
    """Store what each row holds now (``state_writes``): one executemany for the rows
    without a state, one for those whose state changed."""
    insert_many(session, table_of(RosterState), [state._asdict() for state in writes.new])
    update_many(session, table_of(RosterState), [state._asdict() for state in writes.changed], key="registration_id")


def forget_previous(session: Session, registration_ids: Iterable[int]) -> None:
    """The rows' ``previous`` values dropped once their roster holds what was pushed: kept
    longer, a coordinator who typed an earlier value back would see it taken for ours."""
    for ids in batches(sorted(registration_ids)):
        session.execute(update(RosterState).where(RosterState.registration_id.in_(ids)).values(previous=None))


def roster_target(session: Session, campaign: str, site_code: str) -> RosterTarget | None:
    return session.scalar(
        select(RosterTarget).where(RosterTarget.campaign == campaign, RosterTarget.site_code == site_code)
    )


def save_roster_target(
    session: Session,
    campaign: str,
    site_code: str,
    kind: str,
    location: str,
    layout: dict[str, Any] | None,
    pushed: bool,
    fingerprint: str | None = None,
    shown: dict[str, int] | None = None,
    modified_time: str | None = None,
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
    target.fingerprint, target.shown, target.modified_time = fingerprint, shown, modified_time


def google_roster_targets(session: Session, campaign: str) -> list[RosterTarget]:
    """The campaign's Google roster targets, whatever their site (for the night's Drive check)."""
    return list(
        session.scalars(
            select(RosterTarget).where(RosterTarget.campaign == campaign, RosterTarget.kind == "google_sheet")
        )
    )
