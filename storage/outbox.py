"""The outbox: messages written with the change that caused them, delivered by a sender."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import insert
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.db import OUTBOX_WRITTEN, utcnow
from storage.models import Outbox


class OutboxKind(StrEnum):
    """What an outbox message is: the one list of kinds, for the services that write them and the senders."""

    REPLY = "reply"                      # a turn's replies that could not be sent at once
    DSL_ALERT = "dsl_alert"              # a concern's alert in the DSL channel
    DSL_URGENT = "dsl_urgent"            # an urgent concern's alert in the DSL channel (the team mentioned)
    DSL_DIRECT = "dsl_direct"            # an urgent concern's alert, to each DSL-team member directly too
    DSL_FALLBACK = "dsl_fallback"        # a channel alert not delivered in time, to each DSL-team member instead
    DSL_UPDATE = "dsl_update"            # the channel alert updated in place, a progress line threaded under it
    REPORTER_UPDATE = "reporter_update"  # the reporter told that their concern was picked up or closed
    TRAINING_NUDGE = "training_nudge"
    DSL_DIGEST = "dsl_digest"
    POLICY_REVIEW = "policy_review"
    ESCALATION = "escalation"
    HALF_TOLD = "half_told"
    HALF_TOLD_DSL = "half_told_dsl"

    @property
    def is_channel_alert(self) -> bool:
        """True for the concern's alert in the DSL channel: the message a DSL_UPDATE edits in place."""
        return self in (OutboxKind.DSL_ALERT, OutboxKind.DSL_URGENT)

    @property
    def shows_alert(self) -> bool:
        """True when the message is the concern's alert (in the channel or to one person): drawn when it is sent."""
        return self.is_channel_alert or self in (OutboxKind.DSL_DIRECT, OutboxKind.DSL_FALLBACK)


@dataclass(frozen=True, slots=True)
class DslChannel:
    """The DSL team's channel on the school's platform."""

    def __str__(self) -> str:
        return "dsl"


@dataclass(frozen=True, slots=True)
class StaffDM:
    """One member of staff's direct messages."""

    staff_id: int

    def __str__(self) -> str:
        return f"staff:{self.staff_id}"


Destination = DslChannel | StaffDM
DSL = DslChannel()


def parse_destination(text: str) -> Destination:
    """Reads a stored destination ("dsl" or "staff:17"); ValueError for anything else."""
    if text == str(DSL):
        return DSL
    kind, _, number = text.partition(":")
    if kind == "staff" and number.isascii() and number.isdigit():
        return StaffDM(int(number))
    raise ValueError(f"not an outbox destination: {text!r}")


async def enqueue(
    session: AsyncSession, school_id: int, platform: str, destination: Destination, kind: OutboxKind,
    payload: dict[str, object], concern_id: int | None = None, flush: bool = True,
) -> Outbox:
    """Adds a message to deliver; committed with the caller's transaction."""
    now = utcnow()
    row = Outbox(school_id=school_id, platform=platform, destination=str(destination), kind=str(kind),
                 concern_id=concern_id, payload=json.dumps(payload), next_attempt_at=now, created_at=now)
    session.add(row)
    session.info[OUTBOX_WRITTEN] = True
    if flush:
        await session.flush()
    return row


async def enqueue_many(
    session: AsyncSession, school_id: int, platform: str,
    messages: Sequence[tuple[Destination, OutboxKind, dict[str, object]]],
) -> int:
    """Adds many messages (destination, kind, payload) in one INSERT; committed with the caller's transaction."""
    if not messages:
        return 0
    now = utcnow()
    rows = [{"school_id": school_id, "platform": platform, "destination": str(destination), "kind": str(kind),
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
    session: AsyncSession, school_id: int, platform: str, destinations: Sequence[Destination]
) -> Sequence[Outbox]:
    """Returns pending messages for some destinations, oldest first."""
    query = (select(Outbox)
             .where(Outbox.school_id == school_id, Outbox.platform == platform, Outbox.status == "pending",
                    col(Outbox.destination).in_([str(d) for d in destinations]))
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


CHANNEL_ALERTS = [kind.value for kind in OutboxKind if kind.is_channel_alert]


async def delivered_alert(session: AsyncSession, concern_id: int, platform: str) -> Outbox | None:
    """Returns the delivered DSL alert for a concern (to update it in place)."""
    query = (select(Outbox)
             .where(Outbox.concern_id == concern_id, Outbox.platform == platform,
                    col(Outbox.kind).in_(CHANNEL_ALERTS), Outbox.status == "delivered")
             .order_by(col(Outbox.id).desc()))
    return (await session.exec(query)).first()


async def alert_pending(session: AsyncSession, concern_id: int, platform: str) -> bool:
    """True while a concern's DSL alert waits to be sent (an update to it waits behind it)."""
    query = (select(Outbox.id)
             .where(Outbox.concern_id == concern_id, Outbox.platform == platform,
                    col(Outbox.kind).in_(CHANNEL_ALERTS), Outbox.status == "pending").limit(1))
    return (await session.exec(query)).first() is not None
