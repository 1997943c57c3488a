"""Two instances (two schedulers) over one PostgreSQL database send each reminder once."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import datetime

import pytest
from sqlmodel import func, select

from bot.app import App
from bot.jobs.plans import school_of
from bot.jobs.runner import run_job
from bot.jobs.scheduler import start_scheduler
from storage.clock import utcnow
from storage.models import Dispatch, Outbox
from tests.helpers import LONDON, FrozenClock, two_postgres_instances
from tests.reminders.harness import make_app

pytestmark = pytest.mark.postgres
MONDAY = datetime(2026, 11, 30, 8, 30, tzinfo=LONDON)


@pytest.fixture
async def two_apps() -> AsyncIterator[tuple[App, App]]:
    async with two_postgres_instances(lambda url: make_app(url, FrozenClock(MONDAY))) as apps:
        yield apps


async def counted(app: App) -> tuple[int, int, int]:
    async with app.db.transaction() as session:
        rows = (await session.exec(select(Outbox).where(Outbox.kind == "training_nudge"))).all()
        dispatches = (await session.exec(select(func.count()).select_from(Dispatch))).one()
    return len(rows), len({r.destination for r in rows}), dispatches


async def test_two_job_runners_race_and_each_message_goes_once(two_apps: tuple[App, App]) -> None:
    first, second = two_apps
    results = await asyncio.gather(*(run_job(school_of(app), "training-nudge", MONDAY)
                                     for app in (first, second, first, second)))
    assert sum(sent for _, sent in results) == 8
    assert await counted(first) == (8, 8, 8)


async def test_two_schedulers_send_each_reminder_once(two_apps: tuple[App, App]) -> None:
    schedulers = []
    for app in two_apps:
        scheduler = start_scheduler(app)
        schedulers.append(scheduler)
    try:
        soon = utcnow()  # APScheduler fires on the machine's time
        for scheduler in schedulers:
            for name in ("training-nudge", "dsl-digest", "policy-review"):
                scheduler.modify_job(name, next_run_time=soon)
        expected = (8, 8, 8 + 2 + 5)  # nudges; plus 2 DSL digests and 5 policy reminders (never reviewed)
        for _ in range(100):  # both schedulers fire at once; wait for them to finish, then a little longer
            await asyncio.sleep(0.1)
            if await counted(two_apps[0]) == expected:
                break
        await asyncio.sleep(0.5)
    finally:
        for scheduler in schedulers:
            scheduler.shutdown(wait=False)
    assert await counted(two_apps[0]) == expected
