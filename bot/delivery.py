"""Drains the outbox: sends each message once, retries with backoff, falls back to direct messages."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Mapping
from datetime import timedelta

from bot.concerns import DSL_CHANNEL, staff_destination
from bot.platforms import DeliveryError, OutboundMessage, Platform
from storage import outbox, people
from storage.db import Database, utcnow
from storage.models import Outbox

log = logging.getLogger(__name__)
ALERT_KINDS = ("dsl_alert", "dsl_urgent")
MAX_BACKOFF_SECONDS = 300.0


def backoff(attempts: int, retry_after: float | None) -> timedelta:
    """Waits what the platform asked for, else 1, 2, 4 … seconds, capped at five minutes."""
    if retry_after is not None:
        return timedelta(seconds=max(retry_after, 0.0))
    return timedelta(seconds=min(2.0 ** max(attempts - 1, 0), MAX_BACKOFF_SECONDS))


class OutboxDispatcher:
    """Sends due outbox rows through their platform; nothing is lost, nothing goes twice."""

    def __init__(self, db: Database, platforms: Mapping[str, Platform], fallback_after: timedelta,
                 poll_seconds: float = 0.5) -> None:
        self.db, self.platforms = db, platforms
        self.fallback_after, self.poll_seconds = fallback_after, poll_seconds
        self._wake = asyncio.Event()
        self._lock = asyncio.Lock()

    def wake(self) -> None:
        """Asks the loop to look at the outbox now (called after something is queued)."""
        self._wake.set()

    async def run_forever(self) -> None:
        """Drains the outbox until cancelled (undelivered rows from before a restart included)."""
        while True:
            try:
                await self.run_once()
            except Exception:
                log.exception("outbox pass failed; will try again")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.poll_seconds)
            self._wake.clear()

    async def run_once(self) -> int:
        """Sends every due row once; returns how many were delivered."""
        async with self._lock:
            delivered = 0
            for name, platform in self.platforms.items():
                async with self.db.transaction() as session:
                    rows = list(await outbox.due(session, name, utcnow()))
                queues: dict[str, list[Outbox]] = {}
                for row in rows:
                    queues.setdefault(row.destination, []).append(row)
                results = await asyncio.gather(*(self._send_in_order(platform, queue) for queue in queues.values()))
                delivered += sum(results)
            return delivered

    async def _send_in_order(self, platform: Platform, queue: list[Outbox]) -> int:
        """Sends one destination's rows oldest first, stopping at a failure so order is kept."""
        sent = 0
        for row in queue:
            if not await self._send(platform, row):
                break
            sent += 1
        return sent

    async def _send(self, platform: Platform, row: Outbox) -> bool:
        """Sends one row and records the result."""
        message = await self._message(row)
        try:
            message_id = await platform.deliver(message)
        except DeliveryError as exc:
            await self._failed(row, str(exc), exc.retry_after)
            return False
        async with self.db.transaction() as session:
            fresh = await session.get(Outbox, row.id)
            if fresh is not None:
                await outbox.mark_delivered(session, fresh, message_id)
        return True

    async def _message(self, row: Outbox) -> OutboundMessage:
        alert_id = ""
        if row.concern_id is not None and row.kind == "dsl_update":
            async with self.db.transaction() as session:
                alert = await outbox.delivered_alert(session, row.concern_id, row.platform)
                alert_id = alert.platform_message_id if alert else ""
        assert row.id is not None
        return OutboundMessage(row.id, row.school_id, row.kind, row.destination, json.loads(row.payload),
                               row.concern_id, alert_id)

    async def _failed(self, row: Outbox, error: str, retry_after: float | None) -> None:
        """Schedules a retry; past the fallback time, also messages each DSL member directly."""
        async with self.db.transaction() as session:
            fresh = await session.get(Outbox, row.id)
            if fresh is None:
                return
            await outbox.mark_retry(session, fresh, error, backoff(fresh.attempts + 1, retry_after))
            log.warning("delivery of outbox row %s (%s) failed, attempt %s: %s",
                        fresh.id, fresh.kind, fresh.attempts, error)
            overdue = utcnow() - fresh.created_at >= self.fallback_after
            if fresh.destination == DSL_CHANNEL and fresh.kind in ALERT_KINDS and overdue and not fresh.fallback_sent:
                fresh.fallback_sent = True
                session.add(fresh)
                payload = json.loads(fresh.payload)
                for member in await people.list_staff(session, fresh.school_id, dsl_only=True):
                    assert member.id is not None
                    await outbox.enqueue(session, fresh.school_id, fresh.platform, staff_destination(member.id),
                                         "dsl_fallback", payload, fresh.concern_id)
                log.error("DSL alert for %s undelivered to the DSL channel after %s; sent directly to "
                          "each DSL-team member instead", payload.get("reference"), self.fallback_after)
