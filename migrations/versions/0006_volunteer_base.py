"""people.already_volunteer: found in the campaign's volunteer base ("Déjà bénévole")

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 19:10:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Every existing person starts as new; the next sync marks those in the volunteer base."""
    with op.batch_alter_table("people") as batch:
        batch.add_column(sa.Column("already_volunteer", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("people") as batch:
        batch.drop_column("already_volunteer")
