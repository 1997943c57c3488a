"""Fixtures for reminders: an app whose school has real term dates and an imported staff list."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime

import pytest

from bot.app import App
from bot.jobs.plans import School, school_of
from tests.helpers import LONDON, FrozenClock
from tests.reminders.harness import make_app


@pytest.fixture
async def school_app(sqlite_url: str, clock: FrozenClock) -> AsyncIterator[App]:
    clock.now = datetime(2026, 11, 30, 8, 30, tzinfo=LONDON)  # a Monday in term
    app = await make_app(sqlite_url, clock)
    yield app
    await app.close()


@pytest.fixture
def school(school_app: App) -> School:
    return school_of(school_app)
