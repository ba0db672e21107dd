"""Salted hashes of what an erasure keeps (RGPD). Pure, and in ``models`` because both sides
need them: the erasure flow hashes a person's identifiers, and the database connector salts
the keys of the raw records it redacts.

Every hash is an HMAC-SHA-256 keyed by the campaign database's erasure salt: it cannot be
precomputed from a list of phone numbers, and it identifies no one without the salt.
"""

from __future__ import annotations

import hashlib
import hmac

#: The prefix of a raw record's key once its person is erased.
ERASED_KEY_PREFIX = "erased:"


def email_hash(email_key: str, salt: bytes) -> str:
    """The salted hash of an email key (``signups.email_key``, ``transforms.emails.address_key``)."""
    return _digest("email", email_key, salt)


def phone_hash(e164: str, salt: bytes) -> str:
    """The salted hash of an E.164 number (``signups.phone``)."""
    return _digest("phone", e164, salt)


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
