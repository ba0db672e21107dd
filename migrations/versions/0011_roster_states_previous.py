"""roster_states.previous: the values a roster held as ours before the last push

A push now stores what it writes before the roster holds it (the workbook renamed into
place, the Google batchUpdate sent), so a push stopped in between leaves a roster that holds
the values of the push before. Until now those rows were compared with values never written,
and a cell that changed again was kept as a coordinator's edit and flagged for ever. Where
they differ from ``pushed``, those earlier values are kept here (``transforms.sheet_roster``
rule 4). Empty for every row until its next push: the rule then reads as before.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 00:30:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0011"
down_revision: str | Sequence[str] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("roster_states") as batch:
        batch.add_column(sa.Column("previous", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("roster_states") as batch:
        batch.drop_column("previous")
