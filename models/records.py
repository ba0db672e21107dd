"""Plain records passed between layers.

They carry no behaviour and import nothing from I/O libraries, so the pure logic in
``transforms`` can take and return them and be tested without a database or network.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

# Registration statuses. Only REGISTERED and CANCELLED reach a roster; NO_CONSENT never does.
# REMOVED: none of the registration's sign-ups is current any more (deleted at the source,
# merged into another person, split away). A clean sync would not have it: it is kept only
# so its reference and the coordinator's cells come back if its sign-ups do.
REGISTERED = "registered"
CANCELLED = "cancelled"
NO_CONSENT = "no_consent"
REMOVED = "removed"

#: Canonical sign-up fields a source's field mapping may fill. Everything a source sends
#: that is not mapped stays in the raw payload.
SIGNUP_FIELDS: tuple[str, ...] = (
    "external_id",  # the provider's id for the submission, when it has one
    "first_name",
    "last_name",
    "full_name",  # used only when a source has a single "Nom complet" column
    "email",
    "phone",
    "site",  # free text: "Paris 11e", "St Denis", "Lieu de la journée"
    "city",  # free text or a postcode: "93200", "Brunoy 91"
    "postcode",
    "submitted_at",
    "consent",  # "oui", "yes", "true", "1", "x"...
    "status",  # provider status; a cancelled one cancels the registration
    "time_slot",  # the slot(s) chosen: "Samedi 15 octobre 2022 (10h00 - 13h00)"
    "remarks",  # free text for the coordinator: "vient le matin seulement"
    "age",  # an age ("16") or a birth date ("2008-03-12"): only whether they are a minor is kept
    "minor",  # a yes/no answer to "Êtes-vous mineur ?"
)


#: Set in the payload of a row a file reader could not read with confidence (a NUL byte, an
#: over-long cell, a quote left open, text that does not decode or is garbled): the row is
#: landed raw with what could be read of it, and quarantined with this reason code instead
#: of being normalised (see ``connectors.files``).
UNREADABLE = "_rollcall_unreadable"


#: Canonical JSON, as ``json.dumps(payload, sort_keys=True, ensure_ascii=False,
#: separators=(",", ":"))`` writes it; one encoder for every row (``json.dumps`` with options
#: builds one a call, half the time of hashing a 100,000-row export's rows).
_CANONICAL = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def content_hash(payload: Mapping[str, str]) -> str:
    """sha256 of the payload as canonical JSON: the same content always hashes the same."""
    return hashlib.sha256(_CANONICAL.encode(payload).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class RawRow:
    """One record as received, ready to land: the payload verbatim, with its identity.

    ``external_id`` is the provider's id when the source has one; otherwise a content hash
    with an occurrence number, so two identical rows in one export stay two records.
    """

    external_id: str
    content_hash: str
    payload: dict[str, Any]
    locator: str | None = None


@dataclass(frozen=True)
class Site:
    """One site of the campaign, as the matching code needs it."""

    code: str
    name: str
    city: str
    date: date
    departement: str | None = None
    postcodes: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class Rejection:
    """Why a record could not be turned into a sign-up: shown to ops in French and English."""

    code: str
    field: str | None
    fr: str
    en: str


@dataclass(frozen=True)
class NormalisedSignup:
    """A sign-up whose fields are clean enough to match and to show on a roster.

    ``*_key`` fields are for matching only (accents, case and punctuation stripped); the
    other fields are for display and keep what the person typed, tidied.
    """

    first_name: str
    last_name: str
    site_code: str
    email: str | None = None
    email_key: str | None = None
    phone: str | None = None  # E.164, e.g. "+33612345678"
    submitted_at: datetime | None = None
    consent: bool | None = None  # None: the source does not ask
    cancelled: bool = False
    warnings: tuple[str, ...] = field(default_factory=tuple)
    time_slot: str | None = None
    remarks: str | None = None
    minor: bool | None = None  # None: the source does not say


@dataclass(frozen=True)
class SignupFacts:
    """One current sign-up of a person, as survivorship ranks it (``transforms.survivorship``).

    ``record_key`` is the source record's identity (source, external id): a stable tie-break
    that does not depend on the order records arrived in.
    """

    record_key: tuple[str, str]
    first_name: str
    last_name: str
    email: str | None
    phone: str | None
    submitted_at: datetime | None
    consent: bool | None
    cancelled: bool = False
    suspicious_email: bool = False


@dataclass(frozen=True)
class PersonDisplay:
    """What a person shows on rosters: chosen from their sign-ups by a documented rule."""

    first_name: str
    last_name: str
    email: str | None
    phone: str | None


@dataclass(frozen=True)
class SignupState:
    """What decides a registration's status: one current sign-up's flags."""

    cancelled: bool
    consent: bool | None
    source: str
    submitted_at: datetime | None


@dataclass(frozen=True)
class RosterEntry:
    """A registration as the roster needs it (contacts as stored: E.164 phone)."""

    first_name: str
    last_name: str
    email: str | None
    phone: str | None
    sources: tuple[str, ...]
    registered_at: datetime | None
    status: str
    time_slot: str = ""
    remarks: str = ""
    minor: bool | None = None
    #: The person is in the campaign's volunteer base: the roster shows "Déjà bénévole",
    #: otherwise "Nouveau" (``transforms.returning``).
    already_volunteer: bool = False


@dataclass(frozen=True)
class SignupDetails:
    """What one current sign-up adds to a roster row beyond names and contacts."""

    record_key: tuple[str, str]
    cancelled: bool
    consent: bool | None
    time_slot: str | None
    remarks: str | None
    minor: bool | None


@dataclass(frozen=True)
class BaseVolunteer:
    """One row of the volunteer base, as exported (raw text; the engine normalises it)."""

    row: str  # where it is in the file ("row 12"): a stable, human-readable id
    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None
    phone: str | None = None
