"""The outbox: messages written with the change that caused them, delivered by a sender."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import insert
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.db import OUTBOX_WRITTEN, utcnow
from storage.models import Outbox


async def enqueue(
    session: AsyncSession, school_id: int, platform: str, destination: str, kind: str,
    payload: dict[str, object], concern_id: int | None = None, flush: bool = True,
) -> Outbox:
    """Adds a message to deliver; committed with the caller's transaction."""
    now = utcnow()
    row = Outbox(school_id=school_id, platform=platform, destination=destination, kind=kind,
                 concern_id=concern_id, payload=json.dumps(payload), next_attempt_at=now, created_at=now)
    session.add(row)
    session.info[OUTBOX_WRITTEN] = True
    if flush:
        await session.flush()
    return row


async def enqueue_many(
    session: AsyncSession, school_id: int, platform: str, messages: Sequence[tuple[str, str, dict[str, object]]],
) -> int:
    """Adds many messages (destination, kind, payload) in one INSERT; committed with the caller's transaction."""
    if not messages:
        return 0
    now = utcnow()
    rows = [{"school_id": school_id, "platform": platform, "destination": destination, "kind": kind,
             "concern_id": None, "payload": json.dumps(payload), "status": "pending", "attempts": 0,
             "next_attempt_at": now, "created_at": now, "platform_message_id": "", "last_error": "",
             "fallback_sent": False}
            for destination, kind, payload in messages]
    await (await session.connection()).execute(insert(Outbox), rows)
    session.info[OUTBOX_WRITTEN] = True
    return len(rows)


async def due(session: AsyncSession, platform: str, now: datetime, limit: int = 50) -> Sequence[Outbox]:
    """Returns pending messages for a platform whose next attempt is due, oldest first."""
    query = (select(Outbox)
             .where(Outbox.platform == platform, Outbox.status == "pending", col(Outbox.next_attempt_at) <= now)
             .order_by(col(Outbox.id)).limit(limit))
    return (await session.exec(query)).all()


async def pending_for(
    session: AsyncSession, school_id: int, platform: str, destinations: Sequence[str]
) -> Sequence[Outbox]:
    """Returns pending messages for some destinations, oldest first."""
    query = (select(Outbox)
             .where(Outbox.school_id == school_id, Outbox.platform == platform, Outbox.status == "pending",
                    col(Outbox.destination).in_(destinations))
             .order_by(col(Outbox.id)))
    return (await session.exec(query)).all()


async def mark_delivered(session: AsyncSession, row: Outbox, message_id: str = "") -> None:
    """Marks a message delivered, recording the platform's id for it."""
    row.status, row.delivered_at, row.platform_message_id = "delivered", utcnow(), message_id
    row.attempts += 1
    session.add(row)


async def mark_attempt(session: AsyncSession, row: Outbox) -> None:
    """Records that a send begins, unless an earlier one is still unconfirmed (its start is kept)."""
    if row.attempt_started_at is None:
        row.attempt_started_at = utcnow()
        session.add(row)


async def mark_retry(session: AsyncSession, row: Outbox, error: str, wait: timedelta) -> None:
    """Records a failed attempt and when to try again."""
    row.attempts += 1
    row.last_error = error[:500]
    row.next_attempt_at = utcnow() + wait
    session.add(row)


async def delivered_alert(session: AsyncSession, concern_id: int, platform: str) -> Outbox | None:
    """Returns the delivered DSL alert for a concern (to update it in place)."""
    query = (select(Outbox)
             .where(Outbox.concern_id == concern_id, Outbox.platform == platform,
                    col(Outbox.kind).in_(("dsl_alert", "dsl_urgent")), Outbox.status == "delivered")
             .order_by(col(Outbox.id).desc()))
    return (await session.exec(query)).first()
