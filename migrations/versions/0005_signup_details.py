"""signup details: time slot, remarks, minor flag

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03 19:05:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema. Existing sign-ups are marked ``details_read`` false: the next sync
    reads their time slot, remarks and minor flag from their stored records
    (``flows.normalising.backfill_details``), as a clean sync would have."""
    with op.batch_alter_table("signups") as batch_op:
        batch_op.add_column(sa.Column("time_slot", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("remarks", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("minor", sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column("details_read", sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("signups") as batch_op:
        batch_op.drop_column("details_read")
        batch_op.drop_column("minor")
        batch_op.drop_column("remarks")
        batch_op.drop_column("time_slot")
