"""signups.email_key: one key per mailbox, the matcher's (Gmail dots and +tags dropped)

The key stored on sign-ups was the address lower-cased, while the matcher compared
"jean.dupont@gmail.com" and "jeandupont+asso@gmail.com" as one mailbox: an erasure by one
spelling missed a person known by another. Every stored key is recomputed from the address
shown (``signups.email``). Hashes kept of erased identifiers cannot be recomputed (they are
hashes): the erased check also tries the address as typed, so those erasures still hold.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04 18:10:00

"""

from collections.abc import Callable, Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

signups = sa.table(
    "signups", sa.column("id", sa.Integer), sa.column("email", sa.String), sa.column("email_key", sa.String)
)
BATCH = 5000


def mailbox_key(address: str) -> str:
    """``transforms.emails.address_key`` as of this revision, copied: a migration must give
    the same result whatever later code does."""
    local, _, domain = address.rpartition("@")
    local = local.split("+", 1)[0] or local
    if domain in ("gmail.com", "googlemail.com"):
        local, domain = local.replace(".", ""), "gmail.com"
    return f"{local}@{domain}"


def upgrade() -> None:
    _rekey(mailbox_key)


def downgrade() -> None:
    _rekey(lambda address: address)


def _rekey(key: Callable[[str], str]) -> None:
    connection = op.get_bind()
    last = 0
    while True:
        rows = connection.execute(
            sa.select(signups.c.id, signups.c.email, signups.c.email_key)
            .where(signups.c.id > last, signups.c.email.is_not(None))
            .order_by(signups.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            return
        changed = [{"row_id": i, "new_key": key(email)} for i, email, old in rows if key(email) != old]
        if changed:
            connection.execute(
                signups.update()
                .where(signups.c.id == sa.bindparam("row_id"))
                .values(email_key=sa.bindparam("new_key")),
                changed,
            )
        last = rows[-1][0]
