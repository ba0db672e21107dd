"""The central database, as SQLAlchemy 2 typed models.

The flow of a record through the tables:

    raw_records  every row or submission exactly as received, one row per version
        -> signups      its normalised fields (or a quarantine row saying why not)
        -> people       who the sign-up is, after deduplication (signups.person_id, match_rule)
        -> registrations  one per person and event (a site's day), with a status

The schema is created and changed by Alembic migrations (``migrations/``), never by
``create_all`` outside tests of the models themselves.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any, cast

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on every backend: SQLite stores no zone and returns naive values."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: rollcall stores aware UTC datetimes only")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSON}


def table_of(model: type[Base]) -> Table:
    """A model's table, for Core statements: bulk inserts of rows the ORM need not track."""
    return cast(Table, model.__table__)


class SyncRun(Base):
    """One execution of the nightly sync, with its summary (counts only, no personal data)."""

    __tablename__ = "sync_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign: Mapped[str] = mapped_column(String(64), index=True)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(String(16), default="running")
    flow_run_id: Mapped[str | None] = mapped_column(String(64))
    summary: Mapped[dict[str, Any] | None]


class SourceCursor(Base):
    """How far a source has been read. Advanced only in the transaction that stores its records."""

    __tablename__ = "source_cursors"
    __table_args__ = (UniqueConstraint("campaign", "source"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign: Mapped[str] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(String(64))
    cursor: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: When the source was last read whole (a form: what the provider no longer lists removed).
    reconciled_at: Mapped[datetime | None]


class ResolutionState(Base):
    """What the last resolution of a campaign's people was computed from (a fingerprint of
    its inputs): a night whose inputs are the same skips resolving again."""

    __tablename__ = "resolution_states"

    campaign: Mapped[str] = mapped_column(String(64), primary_key=True)
    inputs: Mapped[str] = mapped_column(String(64))
    resolved_at: Mapped[datetime] = mapped_column(default=utcnow)


class RawRecord(Base):
    """A record exactly as the source gave it. Never updated except ``is_current``.

    An edited submission arrives with the same ``external_id`` and a new ``content_hash``:
    it is a new row, and older versions stop being current.
    """

    __tablename__ = "raw_records"
    __table_args__ = (
        UniqueConstraint("campaign", "source", "external_id", "content_hash"),
        # Normalise reads pending records a page at a time, by id: without this index SQLite
        # searched the whole campaign and sorted it for every page (quadratic at a million).
        Index("ix_raw_records_campaign_current_id", "campaign", "is_current", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign: Mapped[str] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(String(64), index=True)
    external_id: Mapped[str] = mapped_column(String(255))
    content_hash: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]]
    locator: Mapped[str | None] = mapped_column(String(255))  # e.g. "row 12": for humans only
    fetched_at: Mapped[datetime] = mapped_column(default=utcnow)
    sync_run_id: Mapped[int | None] = mapped_column(ForeignKey("sync_runs.id"))
    is_current: Mapped[bool] = mapped_column(Boolean, default=True)


class Event(Base):
    """A site's day: what a person registers for. Kept in step with the campaign file."""

    __tablename__ = "events"
    __table_args__ = (UniqueConstraint("campaign", "site_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign: Mapped[str] = mapped_column(String(64))
    site_code: Mapped[str] = mapped_column(String(8))
    name: Mapped[str] = mapped_column(String(255))
    city: Mapped[str] = mapped_column(String(255))
    date: Mapped[date] = mapped_column(Date)
    capacity: Mapped[int] = mapped_column(Integer)


class Person(Base):
    """One human being, built from one or more sign-ups."""

    __tablename__ = "people"

    id: Mapped[int] = mapped_column(primary_key=True)
    first_name: Mapped[str] = mapped_column(String(255))
    last_name: Mapped[str] = mapped_column(String(255))
    email: Mapped[str | None] = mapped_column(String(320))
    phone: Mapped[str | None] = mapped_column(String(32))
    #: Found in the campaign's volunteer base (``kind = "volunteer_base"``) by the matcher:
    #: "Déjà bénévole", not counted toward the goal of new volunteers. Recomputed by every
    #: sync from the current base and sign-ups (false when the campaign has no base).
    already_volunteer: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class Signup(Base):
    """The normalised form of one raw record, and which person it was matched to, and why."""

    __tablename__ = "signups"

    id: Mapped[int] = mapped_column(primary_key=True)
    raw_record_id: Mapped[int] = mapped_column(ForeignKey("raw_records.id"), unique=True)
    source: Mapped[str] = mapped_column(String(64), index=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"), index=True)
    first_name: Mapped[str] = mapped_column(String(255))
    last_name: Mapped[str] = mapped_column(String(255))
    email: Mapped[str | None] = mapped_column(String(320))
    email_key: Mapped[str | None] = mapped_column(String(320), index=True)
    phone: Mapped[str | None] = mapped_column(String(32), index=True)
    submitted_at: Mapped[datetime | None]
    consent: Mapped[bool | None] = mapped_column(Boolean)
    cancelled: Mapped[bool] = mapped_column(Boolean, default=False)
    warnings: Mapped[list[str]] = mapped_column(JSON, default=list)
    time_slot: Mapped[str | None] = mapped_column(Text)
    remarks: Mapped[str | None] = mapped_column(Text)
    minor: Mapped[bool | None] = mapped_column(Boolean)  # the flag only, never a birth date
    #: False for sign-ups stored before their time slot, remarks and minor flag were read
    #: (migration 0005): the next sync reads them from the stored record (``backfill_details``).
    details_read: Mapped[bool] = mapped_column(Boolean, default=True, server_default=false())
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), index=True)
    match_rule: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    raw_record: Mapped[RawRecord] = relationship()


class Registration(Base):
    """One person at one event. Its status is derived from the person's current sign-ups."""

    __tablename__ = "registrations"
    __table_args__ = (UniqueConstraint("person_id", "event_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"), index=True)
    status: Mapped[str] = mapped_column(String(16))
    registered_at: Mapped[datetime | None]
    sources: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    person: Mapped[Person] = relationship()


class QuarantineEntry(Base):
    """A raw record that could not become a sign-up, and why, in French and English."""

    __tablename__ = "quarantine"

    id: Mapped[int] = mapped_column(primary_key=True)
    raw_record_id: Mapped[int] = mapped_column(ForeignKey("raw_records.id"), unique=True)
    source: Mapped[str] = mapped_column(String(64), index=True)
    reason_code: Mapped[str] = mapped_column(String(64))
    field: Mapped[str | None] = mapped_column(String(64))
    reason_fr: Mapped[str] = mapped_column(Text)
    reason_en: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sync_run_id: Mapped[int | None] = mapped_column(ForeignKey("sync_runs.id"))

    raw_record: Mapped[RawRecord] = relationship()


class RosterState(Base):
    """What a registration's roster row holds: the pipeline values last written (to tell a
    coordinator's edit from ours) and the coordinator's own cells, the source of truth for
    who was called and who came."""

    __tablename__ = "roster_states"

    registration_id: Mapped[int] = mapped_column(ForeignKey("registrations.id"), primary_key=True)
    pushed: Mapped[dict[str, Any]]
    #: Where they differ from ``pushed``: the pipeline values the roster held as ours when that
    #: push read it. A push stores what it writes before the roster holds it, so a push stopped
    #: in between leaves a roster that still holds these (``transforms.sheet_roster`` rule 4).
    previous: Mapped[dict[str, Any] | None]
    called: Mapped[str | None] = mapped_column(Text)
    present: Mapped[bool | None] = mapped_column(Boolean)
    notes: Mapped[str | None] = mapped_column(Text)
    extras: Mapped[dict[str, Any] | None]
    conflicts: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class RosterTarget(Base):
    """Where a site's roster lives (a local workbook or a Google spreadsheet), and the sheet
    layout cached between runs (it saves a read per site)."""

    __tablename__ = "roster_targets"
    __table_args__ = (UniqueConstraint("campaign", "site_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign: Mapped[str] = mapped_column(String(64))
    site_code: Mapped[str] = mapped_column(String(8))
    kind: Mapped[str] = mapped_column(String(16))
    location: Mapped[str] = mapped_column(Text)  # workbook path or spreadsheet key
    layout: Mapped[dict[str, Any] | None]
    pushed_at: Mapped[datetime | None]
    #: What the last roster push read (``flows.rosters._push_fingerprint``):
    #: the same the next night, the push is skipped.
    fingerprint: Mapped[str | None] = mapped_column(String(64))
    #: What that push found shown (conflicts, rows flagged withdrawn...), reported again then.
    shown: Mapped[dict[str, Any] | None]
    #: A Google spreadsheet's Drive ``modifiedTime`` right after the last push (our own write,
    #: or what that push read): the same the next night, and the fingerprint too, the push is
    #: skipped (``flows.rosters``); a coordinator's edit moves it.
    modified_time: Mapped[str | None] = mapped_column(String(40))


class _ComparedPair:
    """Two sign-ups the matcher compared (``signup_a`` < ``signup_b``), by which rule, how strongly."""

    id: Mapped[int] = mapped_column(primary_key=True)
    signup_a: Mapped[int] = mapped_column(ForeignKey("signups.id"), index=True)
    signup_b: Mapped[int] = mapped_column(ForeignKey("signups.id"), index=True)
    rule: Mapped[str] = mapped_column(String(64))
    score: Mapped[float] = mapped_column(Float)
    evidence: Mapped[list[str]] = mapped_column(JSON, default=list)


class MatchLink(_ComparedPair, Base):
    """Why two sign-ups were put in one person: the rule, its score and the evidence."""

    __tablename__ = "match_links"
    __table_args__ = (UniqueConstraint("signup_a", "signup_b"),)

    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ReviewPair(_ComparedPair, Base):
    """Two sign-ups that may be one person, not merged: waiting for a person to decide."""

    __tablename__ = "review_pairs"
    __table_args__ = (UniqueConstraint("signup_a", "signup_b"),)

    explanation_fr: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="open")  # open, decided
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class MatchDecision(Base):
    """A person's answer: these two sign-ups are (or are not) the same person. Every run
    respects it; ``rollcall unmerge`` records "not the same" decisions."""

    __tablename__ = "match_decisions"
    __table_args__ = (UniqueConstraint("signup_a", "signup_b"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    signup_a: Mapped[int] = mapped_column(ForeignKey("signups.id"), index=True)
    signup_b: Mapped[int] = mapped_column(ForeignKey("signups.id"), index=True)
    same: Mapped[bool] = mapped_column(Boolean)
    decided_by: Mapped[str] = mapped_column(String(64))
    decided_at: Mapped[datetime] = mapped_column(default=utcnow)


class ErasedIdentifier(Base):
    """A salted hash of an email key or E.164 phone of an erased person (RGPD art. 17): what
    lets a later sync refuse to bring them back, without keeping the identifier itself."""

    __tablename__ = "erased_identifiers"

    id: Mapped[int] = mapped_column(primary_key=True)
    identifier_hash: Mapped[str] = mapped_column(String(64), unique=True)
    erased_at: Mapped[datetime] = mapped_column(default=utcnow)


class AuditEntry(Base):
    """What an erasure or a purge did: counts, reason and who asked. Never personal data."""

    __tablename__ = "audit_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    action: Mapped[str] = mapped_column(String(16))  # erase, purge
    campaign: Mapped[str | None] = mapped_column(String(64))
    counts: Mapped[dict[str, Any]]
    reason: Mapped[str | None] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(default=utcnow)


class PrivacySetting(Base):
    """Secrets of the privacy machinery kept with the data they protect: the erasure salt,
    generated once when ``ROLLCALL_ERASURE_SALT`` is not set."""

    __tablename__ = "privacy_settings"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
