"""Personal data out of sight: masks for messages, salted hashes for erased identifiers.

Pure: no I/O. A mask keeps just enough for an operator to recognise whom a message is about
("j***@gmail.com", "06 ** ** ** 78"); a hash lets a later sync recognise an erased person
without keeping their address or number.
"""

from __future__ import annotations

from collections.abc import Iterable

from rollcall.models.cells import Grid
from rollcall.models.erasure import email_hash, phone_hash
from rollcall.transforms.emails import EmailResult, is_placeholder_key, normalise_email
from rollcall.transforms.phones import format_national, is_placeholder_phone, normalise_phone
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


class NothingToErase(ValueError):
    """The identifier given to erase is no one's: invalid, or a placeholder shared by many."""


def erasure_identifiers(email: str | None, phone: str | None) -> tuple[str | None, str | None]:
    """The email key (``address_key``) and E.164 phone an erasure looks sign-ups up by.

    A placeholder ("nc@nc.fr", "06 00 00 00 00") is nobody's: erasing by it would remove
    everyone who typed it, so it counts as not given. Raises NothingToErase when neither
    identifier is left."""
    normalised = normalise_email(email) if email else None
    email_key = normalised.key if isinstance(normalised, EmailResult) else None
    e164 = normalise_phone(phone) if phone else None
    e164 = e164 if isinstance(e164, str) else None
    email_key = None if email_key is None or is_placeholder_key(email_key) else email_key
    e164 = None if e164 is None or is_placeholder_phone(e164) else e164
    if email_key is None and e164 is None:
        raise NothingToErase(
            "give a valid email address or phone number to erase (a placeholder such as nc@nc.fr "
            "or 06 00 00 00 00 is nobody's)"
        )
    return email_key, e164


def erased_identifier_hashes(email_keys: Iterable[str], phones: Iterable[str], salt: bytes) -> set[str]:
    """What is kept of an erased person: the salted hash of each email key and E.164 phone
    they used, placeholders left out (kept, "nc@nc.fr" would refuse everyone who types it)."""
    return {email_hash(k, salt) for k in email_keys if not is_placeholder_key(k)} | {
        phone_hash(p, salt) for p in phones if not is_placeholder_phone(p)
    }


class ErasedCheck:
    """``check(email_key, e164, address)``: True when an identifier belongs to an erased
    person. False as a whole when nobody was ever erased, so a caller can skip the check.

    Erasures made before email keys were one per mailbox (migration 0009) kept the hash of
    the address as typed: ``address`` is checked too, so those stay recognised."""

    def __init__(self, hashes: set[str], salt: bytes) -> None:
        self._hashes, self._salt = hashes, salt

    def __bool__(self) -> bool:
        return bool(self._hashes)

    def __call__(self, email_key: str | None, phone: str | None, address: str | None = None) -> bool:
        emails = {e for e in (email_key, address) if e and not is_placeholder_key(e)}
        return any(email_hash(e, self._salt) in self._hashes for e in emails) or bool(
            phone and not is_placeholder_phone(phone) and phone_hash(phone, self._salt) in self._hashes
        )

    def of_payload(self, payload: object) -> bool:
        """A raw record that has no sign-up (quarantined): by any contact found in it."""
        emails, phones = payload_contacts(payload)
        return any(self(e.key, None, e.email) for e in emails) or any(self(None, p) for p in phones)


def holds_contact(payload: object, email_keys: set[str], phones: set[str]) -> bool:
    """Whether a raw payload holds one of these email keys or phones (placeholders never
    count): a quarantined record of the person being erased."""
    emails, numbers = payload_contacts(payload)
    keys = {e.key for e in emails if not is_placeholder_key(e.key)}
    return bool(keys & email_keys or {p for p in numbers if not is_placeholder_phone(p)} & phones)


def payload_contacts(payload: object) -> tuple[set[EmailResult], set[str]]:
    """Every valid email and E.164 phone found in a raw payload, whatever its shape (a file
    row, a form's nested answers): how a quarantined record, which has no sign-up, is
    recognised as someone's."""
    emails: set[EmailResult] = set()
    phones: set[str] = set()
    for text in _strings(payload):
        if "@" in text:
            email = normalise_email(text)
            if isinstance(email, EmailResult):
                emails.add(email)
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
