"""Erasing a person (RGPD), composed: the decisions (which identifier, what is hashed, which
quarantined record is theirs) are ``transforms.privacy``; the reads and deletions are
``connectors.privacy``. Prefect-free: ``rollcall erase``, the erase-person flow and the
nightly sync call these.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from rollcall.connectors import privacy
from rollcall.transforms.privacy import (
    ErasedCheck,
    erased_identifier_hashes,
    erasure_identifiers,
    holds_contact,
)


def erasure_preview(
    session: Session, *, email: str | None = None, phone: str | None = None
) -> list[privacy.PersonToErase]:
    """Who ``erase_person`` would remove, read only. Raises NothingToErase for an identifier
    that is invalid or a placeholder."""
    return privacy.erasure_preview(session, *erasure_identifiers(email, phone))


def erase_person(
    session: Session,
    *,
    email: str | None = None,
    phone: str | None = None,
    salt: bytes,
    actor: str = "rollcall",
    reason: str | None = None,
) -> privacy.ErasureResult:
    """Erase every person with a sign-up using this email (any spelling of the same mailbox:
    dots in a Gmail address, a ``+tag``) or phone, from every campaign; keep a salted hash of
    each identifier they used. The caller commits: the erasure lands whole or not at all."""
    scope = privacy.erasure_scope(session, *erasure_identifiers(email, phone))
    quarantined = {
        raw_id
        for raw_id, payload in privacy.quarantined_payloads(session)
        if holds_contact(payload, scope.email_keys, scope.phones)
    }
    hashes = erased_identifier_hashes(scope.email_keys, scope.phones, salt)
    return privacy.apply_erasure(
        session, scope, quarantined=quarantined, hashes=hashes, salt=salt, actor=actor, reason=reason
    )


def is_erased(session: Session, salt: bytes) -> ErasedCheck:
    """The check the sync makes on every new record, with every erased hash loaded once."""
    return ErasedCheck(privacy.erased_hashes(session), salt)
