"""turn effects: each side effect of a dialog turn is recorded under the key its dialog session keeps

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 09:00:00.000000

A turn that dies after its concern (or DSL note, training record, policy review) committed but before
its session was saved is run again from the inbox. The effect and its `turn_effect` row commit together,
so the second run finds the row and returns the first run's result instead of storing a second concern
(`C-…-0002`) and a second DSL alert.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Applies this revision (a new table only: nothing existing is rebuilt)."""
    op.create_table('turn_effect',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('result', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['school_id'], ['school.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('school_id', 'key')
    )


def downgrade() -> None:
    """Reverts this revision (replayed turns are then no longer recognised)."""
    op.drop_table('turn_effect')
