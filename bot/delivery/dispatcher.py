"""Drains the outbox: sends each message once, retries with backoff, falls back to direct messages."""

from __future__ import annotations

import asyncio
import collections
import contextlib
import json
import logging
from collections.abc import Mapping
from datetime import timedelta

from bot.delivery.leases import Lease
from bot.delivery.platforms import Alerts, DeliveryError, OutboundMessage, Platform, replies_of
from dialogs.messages import Reply
from storage import outbox, people
from storage.db import Database, utcnow
from storage.models import Outbox
from storage.outbox import OutboxKind, StaffDM, parse_destination

log = logging.getLogger(__name__)
ALERT_WAIT_SECONDS = 5.0  # an update whose alert is not in the channel yet is tried again this soon
MAX_BACKOFF_SECONDS = 300.0
MAX_IN_FLIGHT = 8  # sends at once per platform: few enough that a 429 stops the rest before they go
PACE_SECONDS = 60.0  # after a rate limit, sends are spaced at the rate accepted just before it, this long
PACE_MARGIN = 1.05  # … a little slower than that, so network jitter does not cause another 429


def backoff(attempts: int, retry_after: float | None) -> timedelta:
    """Waits what the platform asked for, else 1, 2, 4 … seconds, capped at five minutes."""
    if retry_after is not None:
        return timedelta(seconds=max(retry_after, 0.0))
    return timedelta(seconds=min(2.0 ** max(attempts - 1, 0), MAX_BACKOFF_SECONDS))


class OutboxDispatcher:
    """Sends due outbox rows through their platform; nothing is lost, nothing goes twice."""

    # Each destination's rows go oldest first; a failed send holds back its later rows. At most
    # `max_in_flight` sends are in progress per platform. When a platform rate-limits a send (429 with
    # Retry-After), nothing more goes on it until the wait is over (or the refused row is due again); rows
    # not tried stay due. Then sends are spaced at the rate the platform accepted in the second before it
    # refused, until PACE_SECONDS pass without another refusal (bursts ending in a 429 waste a wait each).
    # While passes deliver, the next starts at once; otherwise the loop waits for `wake`, the end of a
    # pause or `poll_seconds`, whichever comes first.
    # Before each send the row's `attempt_started_at` is committed (kept from the first send not yet known
    # to have gone or failed). A row picked up with it set reaches the platform as `unconfirmed_since`:
    # the platform may look for what that send posted before posting again (Slack does; Teams cannot).

    def __init__(self, db: Database, alerts: Alerts, platforms: Mapping[str, Platform], fallback_after: timedelta,
                 poll_seconds: float = 0.5, max_in_flight: int = MAX_IN_FLIGHT) -> None:
        self.db, self.alerts, self.platforms = db, alerts, platforms
        self.fallback_after, self.poll_seconds = fallback_after, poll_seconds
        self.max_in_flight = max(max_in_flight, 1)
        self._wake = asyncio.Event()
        db.on_outbox_commit(self.wake)
        self._lock = asyncio.Lock()
        self._resume_at: dict[str, float] = {}  # platform -> event-loop time its rate-limit pause ends
        self._accepted: dict[str, collections.deque[float]] = {}  # platform -> times of sends in the last second
        self._pace: dict[str, tuple[float, float]] = {}  # platform -> (seconds between sends, until when)
        self._next_slot: dict[str, float] = {}
        self._refused: dict[str, int | None] = {}  # platform -> the row it refused last (due again: pause over)
        self._lease: Lease | None = None
        self._stopping = False

    def _may_send(self) -> bool:
        return not self._stopping and (self._lease is None or self._lease.held())

    def stop(self) -> None:
        """Asks `run_forever` to return once the send in progress is recorded (a clean shutdown)."""
        self._stopping = True
        self._wake.set()

    def wake(self) -> None:
        """Asks the loop to look at the outbox now (the database calls it after a commit that queued rows)."""
        self._wake.set()

    async def run_forever(self, lease: Lease | None = None) -> None:
        """Drains the outbox until cancelled (undelivered rows from before a restart included).

        With a lease, only while this instance holds it, so two instances never send the same row.
        """
        self._lease = lease
        if lease is not None:
            lease.on_taken(self.wake)
        while not self._stopping:
            delivered = 0
            try:
                delivered = await self.run_once() if self._may_send() else 0
            except Exception:
                log.exception("outbox pass failed; will try again")
            wait = 0.0 if delivered else self.poll_seconds
            pauses = [left for left in map(self.paused_for, self.platforms) if left > 0]
            if pauses and not delivered:
                wait = min(wait, min(pauses))
            if wait > 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), wait)
            else:
                await asyncio.sleep(0)
            self._wake.clear()

    def paused_for(self, platform: str) -> float:
        """Returns the seconds left of a platform's rate-limit pause (0 when it may send)."""
        return max(self._resume_at.get(platform, 0.0) - asyncio.get_running_loop().time(), 0.0)

    async def run_once(self) -> int:
        """Sends every due row once (none on a rate-limited platform until its refused row is due); returns how many."""
        async with self._lock:
            delivered = 0
            for name, platform in self.platforms.items():
                async with self.db.reading() as session:
                    rows = list(await outbox.due(session, name, utcnow()))
                if self.paused_for(name):
                    if self._refused.get(name) not in {r.id for r in rows}:
                        continue
                    self._resume_at[name] = self._next_slot[name] = asyncio.get_running_loop().time()
                queues: dict[str, list[Outbox]] = {}
                for row in rows:
                    queues.setdefault(row.destination, []).append(row)
                gate = asyncio.Semaphore(self.max_in_flight)
                results = await asyncio.gather(*(self._send_in_order(name, platform, queue, gate)
                                                 for queue in queues.values()))
                delivered += sum(results)
            return delivered

    async def _send_in_order(self, name: str, platform: Platform, queue: list[Outbox],
                             gate: asyncio.Semaphore) -> int:
        """Sends one destination's rows oldest first, stopping at a failure or a rate-limit pause so order is kept."""
        sent = 0
        for row in queue:
            async with gate:
                if self.paused_for(name) or not self._may_send():
                    break
                await self._begin(row)  # before the pacing wait, so the wait spaces the calls themselves
                await self._take_turn(name)
                if self.paused_for(name) or not self._may_send() or not await self._send(name, platform, row):
                    break
            sent += 1
        return sent

    async def _take_turn(self, name: str) -> None:
        """Waits for the platform's next send slot while it is being paced after a rate limit."""
        now = asyncio.get_running_loop().time()
        interval, until = self._pace.get(name, (0.0, 0.0))
        if now >= until:
            self._pace.pop(name, None)
            return
        slot = max(now, self._next_slot.get(name, 0.0))
        self._next_slot[name] = slot + interval
        await asyncio.sleep(slot - now)

    def _rate_limited(self, name: str, retry_after: float, row: Outbox) -> None:
        """Pauses the platform for Retry-After, then paces it at the rate it accepted in the last second."""
        self._refused[name] = row.id
        now = asyncio.get_running_loop().time()
        resume = now + max(retry_after, 0.0)
        self._resume_at[name] = max(self._resume_at.get(name, 0.0), resume)
        accepted = [t for t in self._accepted.get(name, ()) if now - t < 1.0]
        if len(accepted) >= 2:
            self._pace[name] = (PACE_MARGIN / len(accepted), resume + PACE_SECONDS)
            self._next_slot[name] = resume

    async def _send(self, name: str, platform: Platform, row: Outbox) -> bool:
        """Sends one row and records the result; a rate limit pauses the whole platform."""
        try:
            message_id = await platform.deliver(await self._message(row))
        except DeliveryError as exc:
            if exc.rate_limited and exc.retry_after is not None:
                self._rate_limited(name, exc.retry_after, row)
            await self._failed(row, str(exc), exc.retry_after)
            return False
        recent = self._accepted.setdefault(name, collections.deque())
        recent.append(asyncio.get_running_loop().time())
        while recent and recent[-1] - recent[0] >= 1.0:
            recent.popleft()
        async with self.db.transaction() as session:
            fresh = await session.get(Outbox, row.id)
            if fresh is not None:
                await outbox.mark_delivered(session, fresh, message_id)
        return True

    async def _begin(self, row: Outbox) -> None:
        """Commits that a send begins before the platform is called, so a restart knows it may have gone."""
        async with self.db.transaction() as session:
            fresh = await session.get(Outbox, row.id)
            if fresh is not None:
                await outbox.mark_attempt(session, fresh)

    async def _message(self, row: Outbox) -> OutboundMessage:
        """Works out what a row sends: a concern's alert is drawn now, from the concern as it stands.

        Raises DeliveryError for a row that cannot be sent yet (an update whose alert waits to be sent)
        or ever (a destination or kind this version does not know).
        """
        assert row.id is not None
        try:
            kind, destination = OutboxKind(row.kind), parse_destination(row.destination)
        except ValueError as exc:
            raise DeliveryError(f"outbox row {row.id} cannot be sent: {exc}") from exc
        payload = json.loads(row.payload)
        replies = replies_of(payload)
        drawn_now = row.concern_id is not None and (kind.shows_alert or kind is OutboxKind.DSL_UPDATE)
        alert = await self.alerts.alert(row.concern_id) if drawn_now and row.concern_id is not None else None
        if alert is not None and kind.shows_alert:
            replies = [alert]
        if kind is not OutboxKind.DSL_UPDATE:
            return OutboundMessage(row.id, row.school_id, kind, destination, tuple(replies), row.concern_id,
                                   reference=str(payload.get("reference", "")),
                                   unconfirmed_since=row.attempt_started_at)
        alert_id = await self._alert_id(row)
        drawn = alert or Reply.from_json(payload["alert"])  # the concern is always there; the row's copy if not
        return OutboundMessage(row.id, row.school_id, kind, destination, (drawn,), row.concern_id, alert_id,
                               Reply.from_json(payload["thread"]), str(payload.get("reference", "")),
                               row.attempt_started_at)

    async def _alert_id(self, row: Outbox) -> str:
        """Returns the platform id of the concern's delivered channel alert ("" if none was ever sent).

        Raises DeliveryError while the alert is still waiting to be sent: the update goes after it.
        """
        if row.concern_id is None:
            return ""
        async with self.db.reading() as session:
            alert = await outbox.delivered_alert(session, row.concern_id, row.platform)
            if alert is None and await outbox.alert_pending(session, row.concern_id, row.platform):
                raise DeliveryError("the alert is not in the DSL channel yet; the update waits for it",
                                    ALERT_WAIT_SECONDS)
        return alert.platform_message_id if alert else ""

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
            if OutboxKind(fresh.kind).is_channel_alert and overdue and not fresh.fallback_sent:
                fresh.fallback_sent = True
                session.add(fresh)
                payload = json.loads(fresh.payload)
                for member in await people.list_staff(session, fresh.school_id, dsl_only=True):
                    assert member.id is not None
                    await outbox.enqueue(session, fresh.school_id, fresh.platform, StaffDM(member.id),
                                         OutboxKind.DSL_FALLBACK, payload, fresh.concern_id)
                log.error("DSL alert for %s undelivered to the DSL channel after %s; sent directly to "
                          "each DSL-team member instead", payload.get("reference"), self.fallback_after)
