"""pupil names: one keyed hash per name a concern gives, so a concern about several children is found by each

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29 09:20:00.000000

`concern.pupil_hash` held one hash of all the names as typed, so `concerns export --pupil` missed a
concern about "Jamie Testpupil, Robin Madeup" when asked for either child. The old hashes move to
`pupil_name` (nothing is lost); at start the bot adds a hash for each name of every concern not yet
`names_indexed` (that needs the data key, which migrations do not have).
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Applies this revision (no table is rebuilt: SQLite's foreign keys would refuse it with rows in place)."""
    op.create_table('pupil_name',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('concern_id', sa.Integer(), nullable=False),
    sa.Column('name_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.ForeignKeyConstraint(['concern_id'], ['concern.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('concern_id', 'name_hash')
    )
    with op.batch_alter_table('pupil_name', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pupil_name_concern_id'), ['concern_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_pupil_name_name_hash'), ['name_hash'], unique=False)
    op.execute("INSERT INTO pupil_name (concern_id, name_hash) SELECT id, pupil_hash FROM concern WHERE pupil_hash != ''")
    op.execute("UPDATE concern SET pupil_hash = ''")
    with op.batch_alter_table('concern', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_concern_pupil_hash'))
        batch_op.add_column(sa.Column('names_indexed', sa.Boolean(), nullable=False, server_default='0'))


def downgrade() -> None:
    """Reverts this revision; each concern gets back one of its name hashes, so a look-up by name may miss it.

    `names_indexed` goes with SQLite's own ALTER TABLE … DROP COLUMN (SQLite 3.35 or later), not a rebuild.
    """
    op.execute("UPDATE concern SET pupil_hash = COALESCE((SELECT MIN(name_hash) FROM pupil_name "
               "WHERE pupil_name.concern_id = concern.id), '')")
    op.drop_column('concern', 'names_indexed')
    with op.batch_alter_table('concern', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_concern_pupil_hash'), ['pupil_hash'], unique=False)
    with op.batch_alter_table('pupil_name', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pupil_name_name_hash'))
        batch_op.drop_index(batch_op.f('ix_pupil_name_concern_id'))
    op.drop_table('pupil_name')
