"""Erasure, retention and quarantine in the central database (RGPD).

Every function takes an open Session and leaves committing to the caller, so an erasure
lands whole or not at all. Raw records are redacted, never deleted: a salted hash of their
key and of their content hash stays (``erased_key``, ``erased_content_hash``), so the same row
read again is recognised as already received (``without_erased``) and counts hold, while
nobody holding the original export can confirm the person was there. What is kept of an
erased person is a salted hash of each email and phone they used.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import CursorResult, delete, or_, select, tuple_
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from rollcall.connectors.database import batches
from rollcall.models.erasure import ERASED_KEY_PREFIX, erased_content_hash, erased_key
from rollcall.models.records import RawRow
from rollcall.models.tables import (
    AuditEntry,
    ErasedIdentifier,
    Event,
    MatchDecision,
    MatchLink,
    Person,
    PrivacySetting,
    QuarantineEntry,
    RawRecord,
    Registration,
    ReviewPair,
    RosterState,
    Signup,
    utcnow,
)

REDACTED: dict[str, Any] = {"redacted": True}
SALT_SETTING = "erasure_salt"
#: A salt kept outside the database: a stolen dump alone then cannot test phone numbers
#: (or a copy of an export) against the hashes. Without it, a random salt is generated once
#: and kept in the database.
SALT_ENV = "ROLLCALL_ERASURE_SALT"


@dataclass(frozen=True)
class ErasureResult:
    """What an erasure removed: registration ids (to drop roster rows), the events they were
    for (whose rosters alone can hold them) and counts only."""

    registration_ids: list[int] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    event_ids: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class QuarantinedRecord:
    """A rejected record as ops need it to fix a mapping: why, where, and the raw values."""

    id: int
    source: str
    reason_code: str
    field: str | None
    reason_fr: str
    reason_en: str
    locator: str | None
    external_id: str
    payload: dict[str, Any]
    created_at: datetime


# --- the salt ---------------------------------------------------------------------------


def stored_salt(session: Session) -> bytes:
    """The salt kept in the database, created on first use (random, 32 bytes)."""
    found = session.get(PrivacySetting, SALT_SETTING)
    if found is None:
        try:
            with session.begin_nested():
                session.add(PrivacySetting(name=SALT_SETTING, value=secrets.token_hex(32)))
        except IntegrityError:  # another process created it meanwhile
            pass
        found = session.get_one(PrivacySetting, SALT_SETTING)
    return bytes.fromhex(found.value)


def erasure_salt(session: Session) -> bytes:
    """The salt of every erasure hash: ``ROLLCALL_ERASURE_SALT``, else the stored one."""
    configured = os.environ.get(SALT_ENV)
    return configured.encode("utf-8") if configured else stored_salt(session)


# --- erasure ----------------------------------------------------------------------------


@dataclass(frozen=True)
class PersonToErase:
    """Who an erasure would remove, as the operator checks it before confirming."""

    person_id: int
    first_name: str
    last_name: str
    registrations: list[tuple[int, str, str]]  # (registration id, site code, status)
    signups: int


def erasure_preview(session: Session, email_key: str | None, e164: str | None) -> list[PersonToErase]:
    """The people an erasure by this email key or E.164 phone would remove, read only: a
    shared household address finds several, and the operator must see it before confirming."""
    person_ids = {s.person_id for s in _seed_signups(session, email_key, e164) if s.person_id is not None}
    found = []
    for person in session.scalars(select(Person).where(Person.id.in_(person_ids)).order_by(Person.id)):
        registrations = session.execute(
            select(Registration.id, Event.site_code, Registration.status)
            .join(Event, Event.id == Registration.event_id)
            .where(Registration.person_id == person.id)
            .order_by(Registration.id)
        ).all()
        signups = len(session.scalars(select(Signup.id).where(Signup.person_id == person.id)).all())
        found.append(
            PersonToErase(
                person.id, person.first_name, person.last_name, [(r[0], r[1], r[2]) for r in registrations], signups
            )
        )
    return found


@dataclass(frozen=True)
class ErasureScope:
    """What an erasure removes, found from one identifier: every person with a sign-up using
    it (from every campaign), all their sign-ups, every version of their raw records, and every
    email key and phone they used (the flow hashes those and finds their quarantined records)."""

    person_ids: set[int]
    signup_ids: set[int]
    raw_ids: set[int]
    email_keys: set[str]
    phones: set[str]


def erasure_scope(session: Session, email_key: str | None, e164: str | None) -> ErasureScope:
    seeds = _seed_signups(session, email_key, e164)
    person_ids = {s.person_id for s in seeds if s.person_id is not None}
    signups = {s.id: s for s in seeds}
    if person_ids:
        signups.update({s.id: s for s in session.scalars(select(Signup).where(Signup.person_id.in_(person_ids)))})
    return ErasureScope(
        person_ids,
        set(signups),
        _all_versions(session, {s.raw_record_id for s in signups.values()}),
        {key for key in (email_key, *(s.email_key for s in signups.values())) if key is not None},
        {key for key in (e164, *(s.phone for s in signups.values())) if key is not None},
    )


def quarantined_payloads(session: Session) -> list[tuple[int, Any]]:
    """(raw record id, payload) of every quarantined record: it has no sign-up, so only its
    payload tells whose it is."""
    query = select(RawRecord.id, RawRecord.payload).join(QuarantineEntry, QuarantineEntry.raw_record_id == RawRecord.id)
    return [(raw_id, payload) for raw_id, payload in session.execute(query)]


def apply_erasure(
    session: Session,
    scope: ErasureScope,
    *,
    quarantined: set[int],
    hashes: set[str],
    salt: bytes,
    actor: str = "rollcall",
    reason: str | None = None,
) -> ErasureResult:
    """Erase ``scope``: its people, registrations, sign-ups, roster states, match evidence
    and decisions are deleted, its raw records and these ``quarantined`` ones redacted, and
    the identifier ``hashes`` kept so no later sync brings the person back; audited with
    counts only."""
    event_ids = set(session.scalars(select(Registration.event_id).where(Registration.person_id.in_(scope.person_ids))))
    registration_ids = _delete_people(session, scope.person_ids, scope.signup_ids)
    counts = {
        "people": len(scope.person_ids),
        "registrations": len(registration_ids),
        "signups": len(scope.signup_ids),
        "raw_records_redacted": _redact(session, scope.raw_ids | quarantined, salt),
        "quarantine_removed": _delete_quarantine(session, scope.raw_ids | quarantined),
        "identifiers_kept_hashed": _remember_hashes(session, hashes),
    }
    session.add(AuditEntry(action="erase", campaign=None, counts=counts, reason=reason, actor=actor))
    return ErasureResult(sorted(registration_ids), counts, sorted(event_ids))


def _seed_signups(session: Session, email_key: str | None, e164: str | None) -> list[Signup]:
    conditions = []
    if email_key:
        conditions.append(Signup.email_key == email_key)
    if e164:
        conditions.append(Signup.phone == e164)
    return list(session.scalars(select(Signup).where(or_(*conditions)))) if conditions else []


def _all_versions(session: Session, raw_ids: set[int]) -> set[int]:
    """These raw records and every other version of the same source record."""
    if not raw_ids:
        return set()
    keys = session.execute(
        select(RawRecord.campaign, RawRecord.source, RawRecord.external_id).where(RawRecord.id.in_(raw_ids))
    ).all()
    found = set(raw_ids)
    for chunk in batches(keys, 300):  # three columns a key
        query = select(RawRecord.id).where(
            tuple_(RawRecord.campaign, RawRecord.source, RawRecord.external_id).in_([tuple(k) for k in chunk])
        )
        found |= set(session.scalars(query))
    return found


def _delete_people(session: Session, person_ids: set[int], signup_ids: set[int]) -> set[int]:
    """Delete in foreign-key order; return the registration ids removed."""
    registration_ids = set(session.scalars(select(Registration.id).where(Registration.person_id.in_(person_ids))))
    ids = list(signup_ids)
    for table in (MatchLink, ReviewPair, MatchDecision):
        session.execute(delete(table).where(table.signup_a.in_(ids) | table.signup_b.in_(ids)))
    session.execute(delete(RosterState).where(RosterState.registration_id.in_(registration_ids)))
    session.execute(delete(Registration).where(Registration.id.in_(registration_ids)))
    session.execute(delete(Signup).where(Signup.id.in_(ids)))
    session.execute(delete(Person).where(Person.id.in_(person_ids)))
    session.expire_all()
    return registration_ids


def _redact(session: Session, raw_ids: Iterable[int], salt: bytes) -> int:
    """Replace payloads by ``{"redacted": true}``, take the records out of processing and
    salt their key and content hash: the same rows read again are recognised
    (``without_erased``) and not stored again, and the hashes identify no one. A record
    whose salted twin is already stored (the same row, landed again by a path that does
    not filter) is deleted instead: it adds nothing."""
    redacted = 0
    records = list(session.scalars(select(RawRecord).where(RawRecord.id.in_(list(raw_ids)))))
    for record in records:
        if record.payload != REDACTED or record.is_current:
            record.payload, record.is_current = dict(REDACTED), False
            redacted += 1
            if not record.external_id.startswith(ERASED_KEY_PREFIX):
                _salt_identity(session, record, salt)
    session.flush()
    return redacted


def _salt_identity(session: Session, record: RawRecord, salt: bytes) -> None:
    key, digest = erased_key(record.external_id, salt), erased_content_hash(record.content_hash, salt)
    twin = session.scalar(
        select(RawRecord.id).where(
            RawRecord.campaign == record.campaign,
            RawRecord.source == record.source,
            RawRecord.external_id == key,
            RawRecord.content_hash == digest,
            RawRecord.id != record.id,
        )
    )
    if twin is not None:
        session.execute(delete(QuarantineEntry).where(QuarantineEntry.raw_record_id == record.id))
        session.delete(record)
        return
    record.external_id, record.content_hash = key, digest


def anyone_erased(session: Session) -> bool:
    return session.scalar(select(ErasedIdentifier.identifier_hash).limit(1)) is not None


def without_erased(session: Session, campaign: str, source: str, rows: Sequence[RawRow], salt: bytes) -> list[RawRow]:
    """``rows`` less those already received and erased (stored under their salted key and
    hash): an erased person's row, read again from the same export, is not landed again."""
    pairs = [(erased_key(r.external_id, salt), erased_content_hash(r.content_hash, salt)) for r in rows]
    unique = sorted(set(pairs))
    erased: set[tuple[str, str]] = set()
    for chunk in batches(unique, 300):
        query = select(RawRecord.external_id, RawRecord.content_hash).where(
            RawRecord.campaign == campaign,
            RawRecord.source == source,
            tuple_(RawRecord.external_id, RawRecord.content_hash).in_(chunk),
        )
        erased.update((key, digest) for key, digest in session.execute(query))
    return [row for pair, row in zip(pairs, rows) if pair not in erased] if erased else list(rows)


def _delete_quarantine(session: Session, raw_ids: set[int]) -> int:
    result = session.execute(delete(QuarantineEntry).where(QuarantineEntry.raw_record_id.in_(list(raw_ids))))
    return cast(CursorResult[Any], result).rowcount or 0


def _remember_hashes(session: Session, hashes: set[str]) -> int:
    known = set(
        session.scalars(select(ErasedIdentifier.identifier_hash).where(ErasedIdentifier.identifier_hash.in_(hashes)))
    )
    session.add_all(ErasedIdentifier(identifier_hash=h) for h in sorted(hashes - known))
    session.flush()
    return len(hashes)


def erased_hashes(session: Session) -> set[str]:
    """Every identifier hash kept of erased people (``transforms.privacy.ErasedCheck``)."""
    return set(session.scalars(select(ErasedIdentifier.identifier_hash)))


def refuse_record(session: Session, raw_record_id: int, salt: bytes | None = None) -> None:
    """A new raw record of an erased person: redacted (key and hash salted) at once and
    never processed."""
    _redact(session, [raw_record_id], salt if salt is not None else erasure_salt(session))


# --- retention --------------------------------------------------------------------------


def purge_before(session: Session, campaign: str, before: date, actor: str = "rollcall") -> dict[str, int]:
    """Redact the personal data of the campaign's events dated before ``before``: raw
    payloads, sign-ups' names and contacts, the review pairs that quote them, roster states
    (the pushed values' names and contacts, the coordinator's notes and added columns; Appelé
    and Présent stay), and people left with nothing else. When every event of the campaign
    is that old, every raw record of it (quarantined ones too) is redacted.

    A person who also registered for a later event keeps their name for it, but is no longer
    the person of the purged registrations: those go to a new person without name or
    contact, so an old roster's reference leads to nobody (``registrations_unlinked``).
    What is left cannot be matched again, so the purged sign-ups of one person are kept
    together by a "same" decision (``decided_by = "purge"``): the next sync finds the same
    people and registrations. Counts what changed; a second purge changes nothing."""
    events = dict(session.execute(select(Event.id, Event.date).where(Event.campaign == campaign)).all())
    old = {event_id for event_id, day in events.items() if day < before}
    signups = list(session.scalars(select(Signup).where(Signup.event_id.in_(old))))
    raw_ids = {s.raw_record_id for s in signups}
    if events and old == set(events):
        raw_ids |= set(session.scalars(select(RawRecord.id).where(RawRecord.campaign == campaign)))
    counts = {
        "events": len(old),
        "raw_records_redacted": _redact_payloads(session, raw_ids),
        "signups_redacted": sum(_blank_signup(s) for s in signups),
        "review_pairs_removed": _delete_review_pairs(session, {s.id for s in signups}),
        "roster_states_cleared": _clear_roster_states(session, old),
        "registrations_unlinked": _unlink_registrations(session, signups, old),
        "people_redacted": _blank_people(session, {s.person_id for s in signups if s.person_id}, old),
    }
    _keep_together(session, signups)
    session.add(
        AuditEntry(
            action="purge",
            campaign=campaign,
            counts=counts,
            reason=f"retention: events before {before.isoformat()}",
            actor=actor,
        )
    )
    return counts


def purged_registrations(session: Session, campaign: str, before: date) -> dict[str, set[int]]:
    """Site code -> ids of the registrations of its events dated before ``before``, whatever
    their status: the roster rows a purge empties."""
    query = (
        select(Event.site_code, Registration.id)
        .join(Registration, Registration.event_id == Event.id)
        .where(Event.campaign == campaign, Event.date < before)
    )
    found: dict[str, set[int]] = {}
    for site_code, registration_id in session.execute(query):
        found.setdefault(site_code, set()).add(registration_id)
    return found


def redact_records(session: Session, raw_ids: set[int]) -> int:
    """Redact these raw records' payloads (quarantined records of purged events, found by
    the caller from their mapped site); how many changed."""
    return _redact_payloads(session, raw_ids)


def _redact_payloads(session: Session, raw_ids: set[int]) -> int:
    """Payloads only: a purged record keeps its place (current or not) so counts hold."""
    redacted = 0
    for ids in batches(sorted(raw_ids)):
        for record in session.scalars(select(RawRecord).where(RawRecord.id.in_(ids))):
            if record.payload != REDACTED:
                record.payload = dict(REDACTED)
                redacted += 1
    return redacted


def _blank_signup(signup: Signup) -> bool:
    if (signup.first_name, signup.last_name, signup.email, signup.phone) == ("", "", None, None):
        return False
    signup.first_name = signup.last_name = ""
    signup.email = signup.email_key = signup.phone = None
    signup.time_slot = signup.remarks = signup.minor = None
    return True


def _delete_review_pairs(session: Session, signup_ids: set[int]) -> int:
    """Pairs waiting for review quote both sign-ups' names in their explanation."""
    removed = 0
    for ids in batches(sorted(signup_ids)):
        touching = ReviewPair.signup_a.in_(ids) | ReviewPair.signup_b.in_(ids)
        result = cast(CursorResult[Any], session.execute(delete(ReviewPair).where(touching)))
        removed += result.rowcount or 0
    return removed


#: The pushed values of a roster row that name, reach or describe the person (``roster_states.pushed``).
PERSONAL_CELLS = ("Prénom", "Nom", "Email", "Téléphone", "Créneau", "Mineur", "Bénévole", "Remarques")


def _clear_roster_states(session: Session, event_ids: set[int]) -> int:
    """The pushed names and contacts blanked (the rest of the baseline stays, so the roster
    rewritten without them announces no change), notes and added columns gone."""
    query = (
        select(RosterState)
        .join(Registration, RosterState.registration_id == Registration.id)
        .where(Registration.event_id.in_(event_ids))
    )
    cleared = 0
    for state in session.scalars(query):
        pushed = {k: "" if k in PERSONAL_CELLS else v for k, v in (state.pushed or {}).items()}
        if pushed != state.pushed or state.previous or state.notes or state.extras:
            # previous: what the roster held before the last push, names and contacts too
            state.pushed, state.previous, state.notes, state.extras = pushed, None, None, None
            cleared += 1
    return cleared


def _unlink_registrations(session: Session, signups: list[Signup], old_events: set[int]) -> int:
    """The purged sign-ups and registrations of a person who has a later registration go to
    a new person without name or contact. Returns how many registrations moved."""
    person_ids = {s.person_id for s in signups if s.person_id}
    live = set(
        session.scalars(
            select(Registration.person_id).where(
                Registration.person_id.in_(person_ids), Registration.event_id.not_in(old_events)
            )
        )
    )
    moved = 0
    for person_id in sorted(live):
        stranger = Person(first_name="", last_name="", email=None, phone=None)
        session.add(stranger)
        session.flush()
        for signup in signups:
            if signup.person_id == person_id:
                signup.person_id = stranger.id
        for registration in session.scalars(
            select(Registration).where(Registration.person_id == person_id, Registration.event_id.in_(old_events))
        ):
            registration.person_id, registration.updated_at = stranger.id, utcnow()
            moved += 1
    session.flush()
    return moved


def _keep_together(session: Session, signups: list[Signup]) -> None:
    """A "same" decision between the first current purged sign-up of each person and each
    of their others: nothing else would tell the matcher they are one."""
    current = set(
        session.scalars(
            select(RawRecord.id).where(
                RawRecord.id.in_([s.raw_record_id for s in signups]), RawRecord.is_current.is_(True)
            )
        )
    )
    members: dict[int, list[int]] = {}
    for signup in sorted(signups, key=lambda s: s.id):
        if signup.person_id and signup.raw_record_id in current:
            members.setdefault(signup.person_id, []).append(signup.id)
    pairs = {(ids[0], other) for ids in members.values() for other in ids[1:]}
    if not pairs:
        return
    known = set(
        map(
            tuple,
            session.execute(
                select(MatchDecision.signup_a, MatchDecision.signup_b).where(
                    MatchDecision.signup_a.in_([a for a, _ in pairs])
                )
            ).all(),
        )
    )
    session.add_all(
        MatchDecision(signup_a=a, signup_b=b, same=True, decided_by="purge") for a, b in sorted(pairs - known)
    )
    session.flush()


def _blank_people(session: Session, person_ids: set[int], old_events: set[int]) -> int:
    """People all of whose registrations are on purged events."""
    live = set(
        session.scalars(
            select(Registration.person_id).where(
                Registration.person_id.in_(person_ids), Registration.event_id.not_in(old_events)
            )
        )
    )
    blanked = 0
    for person in session.scalars(select(Person).where(Person.id.in_(person_ids - live))):
        if (person.first_name, person.last_name, person.email, person.phone) != ("", "", None, None):
            person.first_name = person.last_name = ""
            person.email = person.phone = None
            blanked += 1
    return blanked


# --- quarantine -------------------------------------------------------------------------


def _current_quarantine(campaign: str, source: str | None):
    query = (
        select(QuarantineEntry, RawRecord)
        .join(RawRecord, QuarantineEntry.raw_record_id == RawRecord.id)
        .where(RawRecord.campaign == campaign, RawRecord.is_current.is_(True))
    )
    return query.where(QuarantineEntry.source == source) if source else query


def quarantine_entries(session: Session, campaign: str, source: str | None = None) -> list[QuarantinedRecord]:
    """The campaign's rejected records (current versions), by source then arrival."""
    query = _current_quarantine(campaign, source).order_by(QuarantineEntry.source, RawRecord.id)
    return [
        QuarantinedRecord(
            q.id,
            q.source,
            q.reason_code,
            q.field,
            q.reason_fr,
            q.reason_en,
            raw.locator,
            raw.external_id,
            dict(raw.payload),
            q.created_at,
        )
        for q, raw in session.execute(query)
    ]


def requeue_quarantine(session: Session, campaign: str, source: str | None = None) -> int:
    """Forget why the campaign's records were rejected, so the next sync normalises them
    again (after a mapping fix); those still wrong are quarantined again. Returns how many."""
    ids = [q.id for q, _ in session.execute(_current_quarantine(campaign, source))]
    for chunk in batches(sorted(ids)):
        session.execute(delete(QuarantineEntry).where(QuarantineEntry.id.in_(chunk)))
    return len(ids)
