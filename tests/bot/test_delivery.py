"""The outbox dispatcher: retry with backoff, fallback to direct messages, nothing sent twice."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from sqlmodel import select

from bot.app import App
from bot.delivery.dispatcher import OutboxDispatcher, backoff
from bot.delivery.platforms import DeliveryError, OutboundMessage
from storage.models import Outbox
from storage.outbox import StaffDM
from tests.helpers import DSL_EMAIL, Conversation, FakePlatform, queued, start, tell_up_to_review


async def submitted(app: App) -> None:
    convo = await start(app)
    await tell_up_to_review(convo)
    await convo.tap("submit")


async def rows(app: App) -> list[Outbox]:
    async with app.db.transaction() as session:
        return list((await session.exec(select(Outbox).order_by(Outbox.id))).all())  # type: ignore[arg-type]


def test_backoff_honours_retry_after_then_doubles() -> None:
    assert backoff(1, 7.0) == timedelta(seconds=7)
    assert [backoff(n, None).total_seconds() for n in (1, 2, 3, 4)] == [1, 2, 4, 8]
    assert backoff(30, None) == timedelta(minutes=5)


async def test_rate_limited_then_delivered_once(app: App) -> None:
    await submitted(app)
    platform = FakePlatform(fail_once=[0.0])
    dispatcher = OutboxDispatcher(app.db, app.concerns, {"console": platform}, timedelta(minutes=5))
    assert await dispatcher.run_once() == 0
    [row] = await rows(app)
    assert (row.status, row.attempts, row.last_error) == ("pending", 1, "429 rate limited")
    assert await dispatcher.run_once() == 1
    assert await dispatcher.run_once() == 0
    assert [m.kind for m in platform.sent] == ["dsl_alert"]
    [row] = await rows(app)
    assert (row.status, row.platform_message_id) == ("delivered", f"msg-{row.id}")


async def test_retry_waits_for_retry_after(app: App) -> None:
    await submitted(app)
    platform = FakePlatform(fail_once=[3600.0])
    dispatcher = OutboxDispatcher(app.db, app.concerns, {"console": platform}, timedelta(minutes=5))
    await dispatcher.run_once()
    assert await dispatcher.run_once() == 0
    assert platform.sent == []


async def test_outage_past_fallback_messages_each_dsl_member(app: App, caplog: pytest.LogCaptureFixture) -> None:
    await submitted(app)
    platform = FakePlatform(channel_down=True)
    dispatcher = OutboxDispatcher(app.db, app.concerns, {"console": platform}, timedelta(0))
    with caplog.at_level(logging.ERROR):
        await dispatcher.run_once()
    assert "sent directly to each DSL-team member" in caplog.text
    await dispatcher.run_once()
    direct = [m for m in platform.sent if m.kind == "dsl_fallback"]
    assert sorted(str(m.destination) for m in direct) == ["staff:1", "staff:2"]
    assert all(m.reference == "C-2026-0001" for m in direct)
    await dispatcher.run_once()
    assert len([r for r in await rows(app) if r.kind == "dsl_fallback"]) == 2  # only once
    platform.channel_down = False
    async with app.db.transaction() as session:
        for row in await rows(app):
            row.next_attempt_at = row.created_at
            session.add(row)
    await dispatcher.run_once()
    assert all(r.status == "delivered" for r in await rows(app))


async def test_update_carries_the_alert_message_id(app: App) -> None:
    await submitted(app)
    platform = FakePlatform()
    dispatcher = OutboxDispatcher(app.db, app.concerns, {"console": platform}, timedelta(minutes=5))
    await dispatcher.run_once()
    alert = platform.sent[0]
    await Conversation(app.engine, DSL_EMAIL).tap(f"dsl:ack:{alert.concern_id}", token=None)
    await dispatcher.run_once()
    update = next(m for m in platform.sent if m.kind == "dsl_update")
    assert update.alert_message_id == f"msg-{alert.outbox_id}"
    reporter = next(m for m in platform.sent if m.kind == "reporter_update")
    assert isinstance(reporter.destination, StaffDM)


async def test_no_concern_text_in_logs(app: App, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG):
        await submitted(app)
        dispatcher = OutboxDispatcher(app.db, app.concerns, {"console": FakePlatform(channel_down=True)}, timedelta(0))
        await dispatcher.run_once()
        dsl = Conversation(app.engine, DSL_EMAIL)
        await dsl.tap("dsl:view:1", token=None)
        await dsl.tap("dsl:close:1", token=None)
        await dsl.tap("nfa")
        await dsl.say("Family moved; handed to new school's DSL")
    for secret in ("Jamie", "Testpupil", "hungry", "eaten since Friday", "Family moved", "TEST_KEY"):
        assert secret not in caplog.text
    assert "C-2026-0001" in caplog.text


async def test_one_destination_keeps_its_order_when_a_send_fails(app: App) -> None:
    await submitted(app)
    await Conversation(app.engine, DSL_EMAIL).tap("dsl:ack:1", token=None)
    platform = FakePlatform(fail_once=[0.0])
    dispatcher = OutboxDispatcher(app.db, app.concerns, {"console": platform}, timedelta(minutes=5))
    await dispatcher.run_once()
    assert [m.kind for m in platform.sent] == ["reporter_update"]  # the channel's alert failed: its update waits
    await dispatcher.run_once()
    assert [m.kind for m in platform.sent] == ["reporter_update", "dsl_alert", "dsl_update"]


@dataclass
class LimitedPlatform(FakePlatform):
    """Accepts `allowed` sends, refuses one with a rate limit (429, Retry-After), then accepts again; times each."""

    allowed: int = 10
    retry_after: float = 0.3
    refused: list[str] = field(default_factory=list)
    times: list[float] = field(default_factory=list)
    in_flight: int = 0
    most_in_flight: int = 0
    call_seconds: float = 0.001

    async def deliver(self, message: OutboundMessage) -> str:
        if len(self.sent) == self.allowed and not self.refused:
            self.refused.append(str(message.destination))
            raise DeliveryError("429 rate limited", self.retry_after, rate_limited=True)
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        await asyncio.sleep(self.call_seconds)
        self.in_flight -= 1
        self.sent.append(message)
        self.times.append(asyncio.get_running_loop().time())
        return f"msg-{message.outbox_id}"


async def test_rate_limit_pauses_the_platform_then_paces_it(app: App) -> None:
    await queued(app, 14)
    platform = LimitedPlatform()
    dispatcher = OutboxDispatcher(app.db, app.concerns, {"console": platform}, timedelta(minutes=5), max_in_flight=1)
    assert await dispatcher.run_once() == 10
    assert dispatcher.paused_for("console") > 0.2
    tried = [r.attempts for r in await rows(app)]
    assert tried == [1] * 11 + [0] * 3  # after the 429 nothing more was tried
    assert await dispatcher.run_once() == 0  # still paused: nothing tried
    assert len(platform.sent) == 10
    await asyncio.sleep(0.35)
    assert await dispatcher.run_once() == 4
    assert all(r.status == "delivered" for r in await rows(app))
    assert sorted(str(m.destination) for m in platform.sent) == sorted(f"staff:{n}" for n in range(1, 15))  # each once
    gaps = [b - a for a, b in itertools.pairwise(platform.times[10:])]
    assert min(gaps) >= 0.09  # paced at the ~10 a second accepted before the 429


async def test_keeps_passing_without_the_poll_wait_and_bounds_sends_in_flight(app: App) -> None:
    await queued(app, 120)  # more than one pass's batch of 50
    platform = LimitedPlatform(allowed=-1, call_seconds=0.02)  # a call as slow as a real one: sends overlap
    dispatcher = OutboxDispatcher(app.db, app.concerns, {"console": platform}, timedelta(minutes=5), poll_seconds=30,
                                  max_in_flight=3)
    runner = asyncio.create_task(dispatcher.run_forever())
    try:
        for _ in range(100):
            if len(platform.sent) == 120:
                break
            await asyncio.sleep(0.05)
    finally:
        runner.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await runner
    assert len(platform.sent) == 120
    assert platform.most_in_flight == 3
