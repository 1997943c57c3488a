"""concern audience and exclusions: who holds a concern, who it is about, several categories

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07 01:00:00.000000

A concern about an adult who works with children is held by the headteacher (or the chair of governors)
and never reaches the DSL channel; one about a member of the DSL team is never shown to them. A concern
may be of several kinds: `categories` holds them all, `category` stays the first (so no table rebuild).
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Applies this revision (columns with server defaults: every earlier concern is the DSL team's)."""
    text = sqlmodel.sql.sqltypes.AutoString
    op.add_column('concern', sa.Column('audience', text(length=20), nullable=False, server_default='dsl_team'))
    op.add_column('concern', sa.Column('excluded', text(length=1000), nullable=False, server_default=''))
    op.add_column('concern', sa.Column('categories', text(length=400), nullable=False, server_default=''))
    op.execute("UPDATE concern SET categories = category")


def downgrade() -> None:
    """Reverts this revision (SQLite 3.35's DROP COLUMN); concerns about adults then look like the DSL team's."""
    op.drop_column('concern', 'categories')
    op.drop_column('concern', 'excluded')
    op.drop_column('concern', 'audience')
