"""Personal data out of sight: masks for messages, salted hashes for erased identifiers.

Pure: no I/O. A mask keeps just enough for an operator to recognise whom a message is about
("j***@gmail.com", "06 ** ** ** 78"); a hash lets a later sync recognise an erased person
without keeping their address or number.
"""

from __future__ import annotations

import hashlib
import hmac

from rollcall.models.cells import Grid
from rollcall.transforms.emails import EmailResult, normalise_email
from rollcall.transforms.phones import format_national, normalise_phone
from rollcall.transforms.sheet_roster import ID_HEADER

MASKED = "***"


def mask_email(email: str | None) -> str:
    """ "jean.dupont@gmail.com" -> "j***@gmail.com"; anything that is not an address -> "***"."""
    local, at, domain = (email or "").strip().rpartition("@")
    if not at or not local or not domain:
        return MASKED
    return f"{local[0]}{MASKED}@{domain}"


def mask_phone(phone: str | None) -> str:
    """ "+33612345678" -> "06 ** ** ** 78": the national form with all but its first and last
    two digits hidden. Anything that is not a number -> "***"."""
    e164 = normalise_phone(phone) if phone else None
    if not isinstance(e164, str):
        return MASKED
    shown = format_national(e164)
    digits = [i for i, char in enumerate(shown) if char.isdigit()]
    if len(digits) < 5:
        return MASKED
    keep = set(digits[:2]) | set(digits[-2:])
    return "".join(c if i in keep or not c.isdigit() else "*" for i, c in enumerate(shown))


def email_hash(email_key: str, salt: bytes) -> str:
    """The salted hash of an already normalised email key (``signups.email_key``)."""
    return _digest("email", email_key, salt)


def phone_hash(e164: str, salt: bytes) -> str:
    """The salted hash of an E.164 number (``signups.phone``)."""
    return _digest("phone", e164, salt)


def identifier_hashes(email: str | None, phone: str | None, salt: bytes) -> set[str]:
    """Salted SHA-256 of the normalised email key and of the E.164 phone, for those given
    and valid: what is kept of an erased person, and what a new sign-up is checked against."""
    hashes = set()
    normalised = normalise_email(email) if email else None
    if isinstance(normalised, EmailResult):
        hashes.add(email_hash(normalised.key, salt))
    e164 = normalise_phone(phone) if phone else None
    if isinstance(e164, str):
        hashes.add(phone_hash(e164, salt))
    return hashes


#: The prefix of a raw record's key once its person is erased.
ERASED_KEY_PREFIX = "erased:"


def erased_key(external_id: str, salt: bytes) -> str:
    """An erased raw record's key: a salted hash of the one it had. Its old key (a provider's
    submission id, or ``sha256:`` of the row's content) is in the original export: kept as is,
    anyone holding that export could confirm the person was there."""
    return ERASED_KEY_PREFIX + _digest("record", external_id, salt)[:56]


def erased_content_hash(content_hash: str, salt: bytes) -> str:
    """An erased raw record's content hash, salted for the same reason (64 hex characters,
    like the unsalted SHA-256 it replaces)."""
    return _digest("content", content_hash, salt)


def _digest(kind: str, value: str, salt: bytes) -> str:
    """HMAC-SHA-256 keyed by the salt: a salted hash that cannot be extended or precomputed."""
    return hmac.new(salt, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()


def payload_contacts(payload: object) -> tuple[set[str], set[str]]:
    """Every email key and E.164 phone found in a raw payload, whatever its shape (a file
    row, a form's nested answers): how a quarantined record, which has no sign-up, is
    recognised as someone's."""
    emails: set[str] = set()
    phones: set[str] = set()
    for text in _strings(payload):
        if "@" in text:
            email = normalise_email(text)
            if isinstance(email, EmailResult):
                emails.add(email.key)
        elif sum(char.isdigit() for char in text) >= 9 and len(text) <= 40:
            phone = normalise_phone(text)
            if isinstance(phone, str):
                phones.add(phone)
    return emails, phones


def _strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list | tuple):
        return [s for v in value for s in _strings(v)]
    return []


def drop_registrations(grid: Grid, registration_ids: set[str]) -> tuple[Grid, int]:
    """A tab (``Inscrits`` or ``Nouveautés``) without the rows of these registrations
    ("R00042"), found by the ``Réf. inscription`` column wherever it is; other rows, the
    coordinator's own lines included, stay in their order. Returns the grid and how many
    rows went."""
    if not grid or not registration_ids:
        return [list(r) for r in grid], 0
    names = [str(v).strip() if v is not None else "" for v in grid[0]]
    if ID_HEADER not in names:
        return [list(r) for r in grid], 0
    column = names.index(ID_HEADER)
    kept = [list(grid[0])]
    for row in grid[1:]:
        value = row[column] if column < len(row) else None
        if value is None or str(value).strip() not in registration_ids:
            kept.append(list(row))
    return kept, len(grid) - len(kept)
