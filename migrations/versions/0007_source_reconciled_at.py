"""source_cursors.reconciled_at: when a form source was last read whole; resolution_states:
the fingerprint of the last resolution's inputs; roster_targets.fingerprint: what the last
roster push read; roster_targets.modified_time: a Google roster's Drive modifiedTime after it

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 19:20:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """A full read reconciles a form with the provider (deletions seen); sources read
    incrementally are read whole again when the last one is older than ``reconcile_days``."""
    with op.batch_alter_table("source_cursors") as batch:
        batch.add_column(sa.Column("reconciled_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("roster_targets") as batch:
        batch.add_column(sa.Column("fingerprint", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("shown", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("modified_time", sa.String(length=40), nullable=True))
    op.create_table(
        "resolution_states",
        sa.Column("campaign", sa.String(length=64), nullable=False),
        sa.Column("inputs", sa.String(length=64), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("campaign", name=op.f("pk_resolution_states")),
    )


def downgrade() -> None:
    op.drop_table("resolution_states")
    with op.batch_alter_table("roster_targets") as batch:
        batch.drop_column("modified_time")
        batch.drop_column("shown")
        batch.drop_column("fingerprint")
    with op.batch_alter_table("source_cursors") as batch:
        batch.drop_column("reconciled_at")
