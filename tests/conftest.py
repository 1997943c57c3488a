"""Shared fixtures: an app on a temporary SQLite file (or PostgreSQL), with a frozen clock."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from bot.app import App, build
from tests.helpers import FrozenClock, fresh_postgres, make_settings, postgres_url

# Property tests (docs/testing.md): "ci" by default, `--hypothesis-profile=long` for the long run. No example
# database, so nothing is written into the repository: each failure found is kept as an explicit test instead.
for _name, _examples, _steps in (("ci", 15, 25), ("long", 400, 60)):
    settings.register_profile(_name, max_examples=_examples, stateful_step_count=_steps, deadline=None, database=None,
                              print_blob=True, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.load_profile("ci")


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'prevent.db'}"


@pytest.fixture
async def app(sqlite_url: str, clock: FrozenClock) -> AsyncIterator[App]:
    """The whole application on a fresh SQLite file, with the demo school."""
    from bot.config import demo_text, parse

    built = await build(make_settings(sqlite_url), config=parse(demo_text(), "demo"), clock=clock)
    yield built
    await built.close()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def any_db_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """A fresh database URL: SQLite, and PostgreSQL when PREVENT_TEST_POSTGRES_URL is set."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'prevent.db'}"
        return
    base = postgres_url()
    if base is None:
        pytest.skip("PREVENT_TEST_POSTGRES_URL is not set (CI sets it)")
    async with fresh_postgres(base) as url:
        yield url
