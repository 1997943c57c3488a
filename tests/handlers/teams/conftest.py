"""The real server on 127.0.0.1 with Teams on, and a fake Bot Connector it calls; helpers to talk as people."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from bot.app import App, build
from bot.config import demo_text, parse
from bot.delivery.teams import TeamsPlatform
from bot.server import DISPATCHER_KEY, build_web_app
from tests.conftest import make_settings
from tests.handlers.teams.fake_connector import Call, FakeConnector
from tests.helpers import DEPUTY_EMAIL, DSL_EMAIL, TEACHER_EMAIL, FrozenClock, drain, serve

TENANT = "tenant-0001"
BOT = "28:prevent-bot"
TEAM = "19:dsl-team@thread.tacv2"
OTHER_TEAM = "19:staffroom@thread.tacv2"
PEOPLE = {
    "teacher": ("29:teacher", "Terry Teacher", TEACHER_EMAIL),
    "alex": ("29:alex", "Alex Example", DSL_EMAIL),
    "sam": ("29:sam", "Sam Sample", DEPUTY_EMAIL),
    "olly": ("29:olly", "Olly Outsider", "olly.outsider@school.example"),
}


def teams_school() -> Any:
    """The demo school, delivering in Teams."""
    return parse(demo_text().replace('platform = "console"', 'platform = "teams"'), "demo (teams)")


@dataclass
class Harness:
    """Posts activities to /api/messages as people, and reads what the fake connector received."""

    app: App
    platform: TeamsPlatform
    web_app: web.Application
    url: str
    fake: FakeConnector
    http: aiohttp.ClientSession
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def __repr__(self) -> str:
        return f"Harness({self.url})"  # short in a failing test's report

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(repr(self))  # Hypothesis prints a failing example's arguments with this, not __repr__

    def base(self, who: str, conversation: dict[str, Any], **extra: Any) -> dict[str, Any]:
        user_id, name, _ = PEOPLE[who]
        return {"type": "message", "id": f"act-{next(self._ids)}", "channelId": "msteams",
                "serviceUrl": self.fake.url, "from": {"id": user_id, "name": name, "aadObjectId": f"aad-{who}"},
                "recipient": {"id": BOT, "name": "Prevent bot"}, "conversation": conversation,
                "channelData": {"tenant": {"id": TENANT}}, **extra}

    @staticmethod
    def personal_id(who: str) -> str:
        return f"a:chat-{PEOPLE[who][0]}"

    def personal(self, who: str, **extra: Any) -> dict[str, Any]:
        conversation = {"id": self.personal_id(who), "conversationType": "personal", "tenantId": TENANT}
        return self.base(who, conversation, **extra)

    async def post(self, activity: dict[str, Any], headers: dict[str, str] | None = None,
                   raw: bytes | None = None) -> int:
        data = raw if raw is not None else None
        kwargs: dict[str, Any] = {"data": data} if raw is not None else {"json": activity}
        async with self.http.post(f"{self.url}/api/messages", headers=headers, **kwargs) as response:
            await response.read()
            return response.status

    async def say(self, who: str, text: str) -> list[Call]:
        return await self.post_and_read(self.personal(who, text=text))

    async def post_and_read(self, activity: dict[str, Any]) -> list[Call]:
        """Posts an activity; returns the messages the bot sent because of it."""
        before = len(self.fake.calls)
        assert await self.post(activity) == 200
        return [c for c in self.fake.calls[before:] if c in self.fake.sent()]

    def to_person(self, who: str) -> list[Call]:
        """Messages sent to someone's personal chat (theirs, or one the bot opened)."""
        user_id = PEOPLE[who][0]
        return [c for c in self.fake.sent() if c.conversation in (f"a:chat-{user_id}", f"a:personal-{user_id}")]

    def token(self, who: str, choice: str) -> str:
        for call in reversed(self.to_person(who)):
            for found, token in call.choices():
                if found == choice:
                    return token
        raise AssertionError(f"no button {choice} shown to {who}")

    async def tap(self, who: str, choice: str, token: str | None = None) -> list[Call]:
        before = len(self.fake.calls)
        value = {"choice": choice, "token": self.token(who, choice) if token is None else token}
        assert await self.post(self.personal(who, value=value)) == 200
        return [c for c in self.fake.calls[before:] if c in self.fake.sent()]

    def channel(self, who: str, thread: str = "", **extra: Any) -> dict[str, Any]:
        conversation = {"id": TEAM + (f";messageid={thread}" if thread else ""), "conversationType": "channel",
                        "isGroup": True, "tenantId": TENANT}
        activity = self.base(who, conversation, **extra)
        activity["channelData"] = {"tenant": {"id": TENANT}, "team": {"id": TEAM},
                                   "channel": {"id": TEAM, "name": "General"}}
        return activity

    async def press(self, who: str, choice: str, alert_id: str) -> list[Call]:
        """Presses a button on the alert card in the DSL channel."""
        before = len(self.fake.calls)
        activity = self.channel(who, thread=alert_id, value={"choice": choice, "token": ""}, replyToId=alert_id)
        assert await self.post(activity) == 200
        return [c for c in self.fake.calls[before:] if c in self.fake.sent()]

    def install(self, team: str = TEAM, name: str = "DSL team") -> dict[str, Any]:
        """The conversationUpdate Teams sends when the app is added to a team."""
        activity = self.base("alex", {"id": team, "conversationType": "channel", "isGroup": True,
                                      "tenantId": TENANT}, type="conversationUpdate",
                             membersAdded=[{"id": BOT}])
        activity["channelData"] = {"tenant": {"id": TENANT}, "eventType": "teamMemberAdded",
                                   "team": {"id": team, "name": name}}
        return activity

    async def drain(self) -> int:
        """Runs the outbox sender until nothing more is delivered; returns how many were."""
        return await drain(self.web_app[DISPATCHER_KEY], passes=6)


@pytest.fixture
async def fake() -> AsyncIterator[FakeConnector]:
    """The fake Bot Connector, with the DSL team and a staff room team."""
    connector = FakeConnector()
    for who, (user_id, name, email) in PEOPLE.items():
        connector.roster[user_id] = {"id": user_id, "name": name, "email": email,
                                     "userPrincipalName": email, "aadObjectId": f"aad-{who}"}
    connector.teams[TEAM] = {"name": "DSL team", "channels": [{"id": TEAM}],
                             "members": [PEOPLE["alex"][0], PEOPLE["sam"][0]]}
    connector.teams[OTHER_TEAM] = {"name": "Staff room", "channels": [{"id": OTHER_TEAM}],
                                   "members": [PEOPLE["teacher"][0], PEOPLE["olly"][0]]}
    runner, connector.url = await serve(connector.app())
    yield connector
    await runner.cleanup()
    assert connector.invalid_cards == [], "a card the bot sent is not valid Adaptive Card 1.5"


async def start(tmp_path: Path, clock: FrozenClock, fake: FakeConnector, school: Any = None,
                database_url: str = "", **env: str) -> AsyncIterator[Harness]:
    """Builds the whole app with Teams and serves it; the outbox is drained by the test (no timers)."""
    settings = make_settings(database_url or f"sqlite:///{tmp_path / 'prevent.db'}", **env)
    app = await build(settings, config=school or teams_school(), clock=clock)
    platform = TeamsPlatform(app)
    web_app = build_web_app(app, [platform])
    web_app.cleanup_ctx.clear()  # no background sender: each test drains the outbox itself
    await platform.start()
    runner, url = await serve(web_app)
    async with aiohttp.ClientSession() as http:
        yield Harness(app, platform, web_app, url, fake, http)
    await runner.cleanup()
    await app.close()


@pytest.fixture
async def teams(tmp_path: Path, clock: FrozenClock, fake: FakeConnector,
                any_db_url: str) -> AsyncIterator[Harness]:
    """The server with Teams in local mode, the bot already in the DSL team; SQLite, and PostgreSQL in CI."""
    async for harness in start(tmp_path, clock, fake, database_url=any_db_url):
        assert await harness.post(harness.install()) == 200
        yield harness
