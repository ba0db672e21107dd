"""signup details: time slot, remarks, minor flag

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03 19:05:00

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0005'
down_revision: Union[str, Sequence[str], None] = '0004'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema. Existing sign-ups get NULL (unknown): the next sync does not re-read
    stored records, so their details appear once a source sends them again."""
    with op.batch_alter_table('signups') as batch_op:
        batch_op.add_column(sa.Column('time_slot', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('remarks', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('minor', sa.Boolean(), nullable=True))


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('signups') as batch_op:
        batch_op.drop_column('minor')
        batch_op.drop_column('remarks')
        batch_op.drop_column('time_slot')
