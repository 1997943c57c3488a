"""Several instances on one database: one at a time sends the outbox and runs turns; another takes over."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta
from typing import TypedDict

import pytest
from sqlalchemy import delete
from sqlmodel import col, select

from bot.app import App, build, sync_school_file
from bot.config import demo_text, parse
from bot.delivery.dispatcher import OutboxDispatcher
from bot.delivery.inbox import DbInbox, Doorbell, InboxWorker
from bot.delivery.leases import Lease
from storage import leases
from storage.db import utcnow
from storage.models import InboundEvent, Outbox, Policy, Staff
from tests.helpers import FakePlatform, FrozenClock, make_settings, queued


class Timing(TypedDict):
    """A lease's timings, as Lease takes them."""

    seconds: float
    renew_seconds: float
    standby_seconds: float


FAST: Timing = {"seconds": 3.0, "renew_seconds": 0.5, "standby_seconds": 0.05}  # room for a slow CI machine
SHORT: Timing = {"seconds": 1.0, "renew_seconds": 0.3, "standby_seconds": 0.05}  # to watch a lease run out


@pytest.fixture
async def two_instances(any_db_url: str) -> AsyncIterator[tuple[App, App]]:
    """Two apps (as two server instances would be) on one database."""
    first = await build(make_settings(any_db_url), config=parse(demo_text(), "demo"), clock=FrozenClock())
    second = await build(make_settings(any_db_url), config=parse(demo_text(), "demo"), clock=FrozenClock())
    yield first, second
    await first.close()
    await second.close()


async def until(condition: Callable[[], Awaitable[bool]], seconds: float = 15.0) -> None:
    """Waits for a condition, failing the test if it does not come true in time."""
    for _ in range(int(seconds / 0.05)):
        if await condition():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("timed out waiting")


async def stop(*workers: OutboxDispatcher | InboxWorker | Lease) -> None:
    """Stops workers cleanly, as `serve` does on shutdown (waiting for the one in hand to finish)."""
    for worker in workers:
        worker.stop()
    await asyncio.sleep(0)


async def finished(*tasks: asyncio.Task[None]) -> None:
    done, _ = await asyncio.wait(tasks, timeout=10)
    assert len(done) == len(tasks)  # a clean stop returns promptly


async def test_a_lease_has_one_holder_until_it_expires_or_is_given_up(any_db_url: str) -> None:
    app = await build(make_settings(any_db_url), config=parse(demo_text(), "demo"), clock=FrozenClock())
    now, ttl = utcnow(), timedelta(seconds=30)
    try:
        async with app.db.transaction() as session:
            assert await leases.take(session, "work", "a", now, ttl)
            assert not await leases.take(session, "work", "b", now + timedelta(seconds=29), ttl)
            assert await leases.take(session, "work", "a", now + timedelta(seconds=29), ttl)  # renewed
            assert not await leases.take(session, "work", "b", now + timedelta(seconds=58), ttl)
            assert await leases.take(session, "work", "b", now + timedelta(seconds=59), ttl)  # a stopped renewing
            assert not await leases.take(session, "work", "a", now + timedelta(seconds=60), ttl)
            await leases.give_up(session, "work", "a", now + timedelta(seconds=60))  # not a's: no effect
            assert not await leases.take(session, "work", "a", now + timedelta(seconds=60), ttl)
            await leases.give_up(session, "work", "b", now + timedelta(seconds=61))
            assert await leases.take(session, "work", "a", now + timedelta(seconds=61), ttl)
    finally:
        await app.close()


async def test_two_instances_send_each_outbox_row_once_and_the_second_takes_over(
        two_instances: tuple[App, App]) -> None:
    first, second = two_instances
    platforms = FakePlatform(), FakePlatform()
    dispatchers = [OutboxDispatcher(app.db, app.concerns, {"console": platform}, timedelta(minutes=5),
                                    poll_seconds=0.05)
                   for app, platform in zip(two_instances, platforms, strict=True)]
    held = [Lease(first.db, **FAST), Lease(second.db, **FAST)]
    keepers = [asyncio.create_task(lease.keep()) for lease in held]
    senders = [asyncio.create_task(d.run_forever(lease)) for d, lease in zip(dispatchers, held, strict=True)]

    async def delivered() -> int:
        async with first.db.transaction() as session:
            return len((await session.exec(select(Outbox).where(Outbox.status == "delivered"))).all())

    try:
        await queued(first, 60)
        await until(lambda: _equals(delivered(), 60))
        await asyncio.sleep(0.3)  # time for a second send of anything, were it to happen
        counts = sorted(len(p.sent) for p in platforms)
        assert counts == [0, 60]  # every row once, all by the holder
        holder = 0 if platforms[0].sent else 1
        await stop(dispatchers[holder], held[holder])  # a clean stop hands the lease over at once
        await finished(senders[holder], keepers[holder])
        await queued(first, 10)
        await until(lambda: _equals(delivered(), 70))
        assert len(platforms[1 - holder].sent) == 10
        assert sorted(m.outbox_id for p in platforms for m in p.sent) == list(range(1, 71))
    finally:
        await stop(*dispatchers, *held)
        await finished(*senders, *keepers)


async def test_two_instances_run_each_turn_once_in_order(two_instances: tuple[App, App]) -> None:
    first, second = two_instances
    seen: list[tuple[str, str, int]] = []

    def recorder(name: str) -> Callable[[dict[str, str]], Awaitable[None]]:
        async def process(payload: dict[str, str]) -> None:
            seen.append((name, payload["conversation"], int(payload["n"])))
        return process

    bells = Doorbell(), Doorbell()
    workers = [InboxWorker(first.db, "slack", recorder("first"), bells[0]),
               InboxWorker(second.db, "slack", recorder("second"), bells[1])]
    held = [Lease(first.db, **FAST), Lease(second.db, **FAST)]
    keepers = [asyncio.create_task(lease.keep()) for lease in held]
    runners = [asyncio.create_task(w.run_forever(lease)) for w, lease in zip(workers, held, strict=True)]
    inboxes = [DbInbox(first.db, first.school_id, "slack", bells[0]),
               DbInbox(second.db, second.school_id, "slack", bells[1])]
    try:
        for n in range(40):  # events land on either instance, as behind a load balancer
            conversation = f"slack:T:D{n % 4}"
            await inboxes[n % 2].accept(f"Ev{n}", conversation, {"conversation": conversation, "n": str(n)})

        async def all_done() -> bool:
            async with first.db.transaction() as session:
                rows = (await session.exec(select(InboundEvent))).all()
            return len(rows) == 40 and all(r.status == "done" for r in rows)

        await until(all_done)
        await asyncio.sleep(0.3)
    finally:
        await stop(*workers, *held)
        await finished(*runners, *keepers)
    assert sorted(n for _, _, n in seen) == list(range(40))  # each event once
    assert len({name for name, _, _ in seen}) == 1  # by the holder only
    for conversation in {c for _, c, _ in seen}:
        order = [n for _, c, n in seen if c == conversation]
        assert order == sorted(order)


async def _equals(value: Awaitable[int], expected: int) -> bool:
    return await value == expected


async def test_a_holder_that_stops_renewing_is_replaced_after_the_lease_runs_out(
        two_instances: tuple[App, App]) -> None:
    first, second = two_instances
    crashed, standby = Lease(first.db, **SHORT), Lease(second.db, **SHORT)
    assert await crashed.try_take()  # then it never renews, as if the process had died
    assert crashed.held()
    keeper = asyncio.create_task(standby.keep())
    loop = asyncio.get_running_loop()
    started = loop.time()
    try:
        await asyncio.sleep(0.5)
        assert not standby.held()  # not before the crashed holder's lease has run out
        for _ in range(100):
            if standby.held():
                break
            await asyncio.sleep(0.05)
        assert standby.held()
        assert 0.9 <= loop.time() - started < 3.0
        assert not crashed.held()  # its own deadline ran out before the takeover could happen
        assert not await crashed.try_take()
    finally:
        await stop(standby)
        await finished(keeper)


async def test_instances_starting_together_set_the_school_up_once(any_db_url: str) -> None:
    apps = [await build(make_settings(any_db_url), config=parse(demo_text(), "demo"), clock=FrozenClock())
            for _ in range(4)]
    try:
        for n in range(5):  # all four bring the school file's policies in at the same moment
            config = parse(demo_text().replace('slug = "demo"', f'slug = "new-{n}"'), "demo")
            await sync_school_file(apps[0].db, config)
            async with apps[0].db.transaction() as session:
                await session.exec(delete(Policy))
            ids = await asyncio.gather(*(sync_school_file(app.db, config) for app in apps))
            assert len(set(ids)) == 1
            async with apps[0].db.transaction() as session:
                policies = (await session.exec(select(Policy).where(Policy.school_id == ids[0]))).all()
                assert len(policies) == len(config.policy_list())
                dsl = (await session.exec(select(Staff).where(Staff.school_id == ids[0], col(Staff.is_dsl)))).all()
                assert sorted(s.email for s in dsl) == sorted(config.dsl_emails())
    finally:
        for app in apps:
            await app.close()
