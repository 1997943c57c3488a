"""outbox attempts: when a send began that is not yet known to have reached the platform or failed

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-05 09:00:00.000000

The sender commits `outbox.attempt_started_at` before it calls the platform. A row found pending with it
set was being sent when the process died (or the send failed): Slack may have accepted it, so the sender
first looks in the conversation for the message carrying the row's metadata instead of posting it again.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Applies this revision (a nullable column: SQLite's ALTER TABLE … ADD COLUMN, no rebuild)."""
    op.add_column('outbox', sa.Column('attempt_started_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))


def downgrade() -> None:
    """Reverts this revision (SQLite 3.35's DROP COLUMN); a send cut short is then posted again, never checked."""
    op.drop_column('outbox', 'attempt_started_at')
