"""On PostgreSQL, work one instance stores wakes the worker of the instance holding the lease at once."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from bot.app import App, build
from bot.config import demo_text, parse
from bot.delivery.inbox import DbInbox, Doorbell, InboxWorker
from storage import outbox
from storage.outbox import OutboxKind, StaffDM
from storage.wakeups import WorkListener
from tests.helpers import FrozenClock, make_settings, two_postgres_instances

pytestmark = pytest.mark.postgres
NEVER = 3600.0  # a poll interval the test never reaches: only a wake-up can explain the work being done


@pytest.fixture
async def two_instances() -> AsyncIterator[tuple[App, App]]:
    async with two_postgres_instances(
            lambda url: build(make_settings(url), config=parse(demo_text(), "demo"), clock=FrozenClock())) as apps:
        yield apps


async def test_events_and_outbox_rows_stored_by_one_instance_wake_the_other(two_instances: tuple[App, App]) -> None:
    first, second = two_instances
    seen: list[str] = []

    async def process(payload: dict[str, str]) -> None:
        seen.append(payload["text"])

    bell, outbox_woken = Doorbell(), asyncio.Event()
    worker = InboxWorker(first.db, "slack", process, bell, poll_seconds=NEVER)
    listener = WorkListener(first.db)
    listener.on("inbox:slack", bell.ring)
    listener.on("outbox", outbox_woken.set)
    listening = asyncio.create_task(listener.run_forever())
    await asyncio.wait_for(listener.listening.wait(), 10)
    await asyncio.sleep(0.1)
    running = asyncio.create_task(worker.run_forever())  # reads once at start, then waits for a ring
    try:
        await asyncio.sleep(0.2)
        outbox_woken.clear()
        inbox = DbInbox(second.db, second.school_id, "slack", Doorbell())  # the other instance's own bell
        assert await inbox.accept("Ev1", "slack:T:D1", {"text": "told to the second instance"})
        for _ in range(250):
            if seen:
                break
            await asyncio.sleep(0.02)
        assert seen == ["told to the second instance"]
        assert not outbox_woken.is_set()  # an inbox event is not outbox work
        async with second.db.transaction() as session:
            await outbox.enqueue(session, second.school_id, "slack", StaffDM(1), OutboxKind.REPORTER_UPDATE,
                                 {"text": "x"})
        await asyncio.wait_for(outbox_woken.wait(), 5)
    finally:
        worker.stop()
        await asyncio.wait_for(running, 5)
        listening.cancel()
        await asyncio.gather(listening, return_exceptions=True)


async def test_a_rolled_back_transaction_wakes_nobody(two_instances: tuple[App, App]) -> None:
    first, second = two_instances
    woken = asyncio.Event()
    listener = WorkListener(first.db)
    listener.on("outbox", woken.set)
    listening = asyncio.create_task(listener.run_forever())
    await asyncio.wait_for(listener.listening.wait(), 10)
    await asyncio.sleep(0.1)
    woken.clear()  # the wake-up every (re)connection gives, in case something was missed

    async def queue_then_fail() -> None:
        async with second.db.transaction() as session:
            await outbox.enqueue(session, second.school_id, "slack", StaffDM(1), OutboxKind.REPORTER_UPDATE,
                                 {"text": "x"})
            raise RuntimeError("changed my mind")

    try:
        with pytest.raises(RuntimeError):
            await queue_then_fail()
        await asyncio.sleep(0.5)
        assert not woken.is_set()
    finally:
        listening.cancel()
        await asyncio.gather(listening, return_exceptions=True)


async def test_the_listener_reconnects_after_losing_its_connection(two_instances: tuple[App, App]) -> None:
    import asyncpg

    first, second = two_instances
    woken = asyncio.Event()
    listener = WorkListener(first.db, retry_seconds=0.1)
    listener.on("outbox", woken.set)
    listening = asyncio.create_task(listener.run_forever())
    await asyncio.wait_for(listener.listening.wait(), 10)
    url = first.db.engine.url
    admin = await asyncpg.connect(url.set(drivername="postgresql").render_as_string(hide_password=False))
    try:
        ended = await admin.fetchval("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                                     "WHERE datname = current_database() AND query LIKE 'LISTEN%'")
        assert ended == 1
        for _ in range(250):
            if not listener.listening.is_set():
                break
            await asyncio.sleep(0.02)
        await asyncio.wait_for(listener.listening.wait(), 10)  # back again
        await asyncio.sleep(0.1)
        woken.clear()
        async with second.db.transaction() as session:
            await outbox.enqueue(session, second.school_id, "slack", StaffDM(1), OutboxKind.REPORTER_UPDATE,
                                 {"text": "x"})
        await asyncio.wait_for(woken.wait(), 5)
    finally:
        await admin.close()
        listening.cancel()
        await asyncio.gather(listening, return_exceptions=True)
