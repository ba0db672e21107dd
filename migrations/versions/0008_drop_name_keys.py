"""people.first_key/last_key and signups.first_key/last_key dropped: stored, never read

The matcher folds names itself (``transforms.matching``) and nothing else read these
columns; they were one more copy of each person's name to keep, redact and erase.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04 15:40:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    for table in ("signups", "people"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("last_key")
            batch.drop_column("first_key")


def downgrade() -> None:
    """The columns come back empty; the next sync does not need them."""
    for table in ("people", "signups"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("first_key", sa.String(length=255), nullable=False, server_default=""))
            batch.add_column(sa.Column("last_key", sa.String(length=255), nullable=False, server_default=""))
