"""The real server on 127.0.0.1 with Slack on, a fake Slack Web API it calls, and helpers to act as people."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.handlers.slack.fake_slack import FakeSlack
from tests.handlers.slack.harness import DSL_CHANNEL, PEOPLE, PUBLIC_CHANNEL, Harness, start
from tests.helpers import FrozenClock, serve


@pytest.fixture
async def fake() -> AsyncIterator[FakeSlack]:
    """The fake Slack Web API, with the school's people and a private DSL channel the bot is in."""
    slack = FakeSlack()
    for user_id, name, email in PEOPLE.values():
        slack.users[user_id] = {"name": name, "email": email}
    slack.users["UBOT"] = {"name": "prevent-duty-assistant", "email": "", "is_bot": True}
    slack.channels[DSL_CHANNEL] = {"name": "dsl-team", "is_private": True, "is_member": True,
                                   "members": ["UALEX", "USAM", "UBOT"]}
    slack.channels[PUBLIC_CHANNEL] = {"name": "staffroom", "is_private": False, "is_member": True}
    runner, slack.url = await serve(slack.app())
    yield slack
    await runner.cleanup()
    assert slack.invalid == [], "a Block Kit payload the bot sent is not valid"


@pytest.fixture
async def slack(tmp_path: Path, clock: FrozenClock, fake: FakeSlack, any_db_url: str) -> AsyncIterator[Harness]:
    """The server with Slack on; SQLite, and PostgreSQL in CI."""
    async for harness in start(tmp_path, clock, fake, database_url=any_db_url):
        yield harness
