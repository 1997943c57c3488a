"""The durable inbox: a platform event is stored before it is acknowledged, then processed."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Dialect, bindparam, delete, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.db import ANNOUNCE, WORK_CHANNEL, insert_new, utcnow
from storage.models import InboundEvent


async def accept(session: AsyncSession, school_id: int, platform: str,
                 events: Sequence[tuple[str, str, str]]) -> set[str]:
    """Stores each (event id, conversation key, sealed payload) once; returns the ids that were new.

    One multi-row statement for the lot (SQLAlchemy's "insertmanyvalues"): an id accepted before, or
    twice in `events`, is stored once and its repeats are skipped by ON CONFLICT DO NOTHING.
    """
    connection = await session.connection()
    now = utcnow()
    rows = [{"school_id": school_id, "platform": platform, "event_id": event_id, "conversation_key": key,
             "payload_enc": sealed, "status": "pending", "attempts": 0, "next_attempt_at": now, "received_at": now}
            for event_id, key, sealed in events]
    accept_new = insert_new(connection.dialect.name, InboundEvent, ("platform", "event_id"), "event_id")
    result = await connection.execute(accept_new, rows)
    new = set(result.scalars().all())
    if new:  # the instance running turns may be another one: it hears of these at commit
        session.info.setdefault(ANNOUNCE, set()).add(f"inbox:{platform}")
    return new


_TABLE = InboundEvent.__table__  # type: ignore[attr-defined]
_ACCEPT_HERE = ("INSERT INTO inbound_event (school_id, platform, event_id, conversation_key, payload_enc, status, "
                "attempts, next_attempt_at, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (platform, event_id) DO NOTHING RETURNING event_id")


def accept_here(connection: sqlite3.Connection, dialect: Dialect, school_id: int, platform: str,
                events: Sequence[tuple[str, str, str]]) -> set[str]:
    """As `accept`, on a plain SQLite connection inside its transaction (`Database.write_inline`)."""
    column_type = _TABLE.c.received_at.type.dialect_impl(dialect)
    stamp = column_type.bind_processor(dialect)(utcnow())  # the text SQLAlchemy itself stores
    new = set()
    for event_id, key, sealed in events:
        row = connection.execute(_ACCEPT_HERE, (school_id, platform, event_id, key, sealed, "pending", 0,
                                                stamp, stamp)).fetchone()
        if row is not None:
            new.add(row[0])
    return new


# One statement stores the group, in order, and tells the other instances (pg_notify, once a transaction
# per channel and payload) if any event was new; it commits by itself.
_ACCEPT_ON_POSTGRES = """
WITH new AS (
    INSERT INTO inbound_event (school_id, platform, event_id, conversation_key, payload_enc, status, attempts,
                               next_attempt_at, received_at)
    SELECT $1, $2, e.event_id, e.conversation_key, e.payload_enc, 'pending', 0, $3, $3
    FROM unnest($4::varchar[], $5::varchar[], $6::varchar[]) WITH ORDINALITY
         AS e(event_id, conversation_key, payload_enc, n)
    ORDER BY e.n
    ON CONFLICT (platform, event_id) DO NOTHING
    RETURNING event_id)
SELECT event_id, pg_notify($7, $8) FROM new
"""


async def accept_on_postgres(driver: Any, school_id: int, platform: str,
                             events: Sequence[tuple[str, str, str]]) -> set[str]:
    """As `accept`, on an asyncpg connection (`Database.on_driver`), in one statement that commits by itself."""
    rows = await driver.fetch(_ACCEPT_ON_POSTGRES, school_id, platform, utcnow(), [e[0] for e in events],
                              [e[1] for e in events], [e[2] for e in events], WORK_CHANNEL, f"inbox:{platform}")
    return {row["event_id"] for row in rows}


# Conversations with an event waiting for a retry: their later events wait too, so a person's messages
# always run in the order they were sent. (Uncorrelated, so it is worked out once per query.)
_RETRYING = (select(col(InboundEvent.conversation_key))
             .where(col(InboundEvent.platform) == bindparam("w_platform"), col(InboundEvent.status) == "pending",
                    col(InboundEvent.next_attempt_at) > bindparam("w_now")))
_DUE = (select(InboundEvent)
        .where(col(InboundEvent.platform) == bindparam("w_platform"), col(InboundEvent.status) == "pending",
               col(InboundEvent.next_attempt_at) <= bindparam("w_now"),
               col(InboundEvent.conversation_key).not_in(_RETRYING))
        .order_by(col(InboundEvent.id)).limit(bindparam("w_limit")))


async def due(session: AsyncSession, platform: str, now: datetime, limit: int = 200) -> Sequence[InboundEvent]:
    """Returns pending events whose turn has come, oldest first, keeping each conversation's order.

    An event waiting for a retry holds back the later events of its conversation until it has run.
    """
    return (await session.exec(_DUE, params={"w_platform": platform, "w_now": now, "w_limit": limit})).all()


_DONE = update(_TABLE).where(_TABLE.c.id == bindparam("w_id")).values(status="done", payload_enc="")  # every turn


async def done(session: AsyncSession, event_id: int) -> None:
    """Marks an event processed and forgets its content (the id stays, to drop repeats)."""
    await (await session.connection()).execute(_DONE, {"w_id": event_id})


async def retry(session: AsyncSession, event_id: int, attempts: int, wait: timedelta, give_up: bool) -> None:
    """Records a failed attempt: try again later, or park it as failed (kept, never deleted)."""
    await (await session.connection()).execute(
        update(InboundEvent).where(col(InboundEvent.id) == event_id)
        .values(attempts=attempts, next_attempt_at=utcnow() + wait, status="failed" if give_up else "pending"))


async def prune(session: AsyncSession, before: datetime) -> int:
    """Forgets processed events older than a time."""
    result = await (await session.connection()).execute(delete(InboundEvent).where(
        col(InboundEvent.status) == "done", col(InboundEvent.received_at) < before))
    return result.rowcount
