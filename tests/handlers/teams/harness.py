"""The Teams tests' world: tenant, teams and people, the Harness that acts as them, a concern raised in
Teams (fixtures are in conftest.py)."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

from bot.app import App, build
from bot.config import demo_text, parse
from bot.delivery.teams import TeamsPlatform
from bot.server import DISPATCHER_KEY, build_web_app
from storage import outbox
from tests.handlers.teams.fake_connector import Call, FakeConnector
from tests.helpers import DEPUTY_EMAIL, DSL_EMAIL, HEAD_EMAIL, TEACHER_EMAIL, FrozenClock, drain, make_settings, serve

TENANT = "tenant-0001"


BOT = "28:prevent-bot"


TEAM = "19:dsl-team@thread.tacv2"


OTHER_TEAM = "19:staffroom@thread.tacv2"


PEOPLE = {
    "teacher": ("29:teacher", "Terry Teacher", TEACHER_EMAIL),
    "alex": ("29:alex", "Alex Example", DSL_EMAIL),
    "sam": ("29:sam", "Sam Sample", DEPUTY_EMAIL),
    "olly": ("29:olly", "Olly Outsider", "olly.outsider@school.example"),
    "head": ("29:head", "Jo Placeholder", HEAD_EMAIL),  # the headteacher: not on the DSL team
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


NARRATIVE = "He showed me a video praising an attack and said he wanted to join them"


WORDS = "They are right and I will go with them"


PUPIL = "Jamie Testpupil"


async def raise_concern(teams: Harness, seen: str = NARRATIVE) -> None:
    """Raises a whole concern as the teacher, through the bot command and buttons."""
    replies = await teams.say("teacher", "Raise a concern")
    assert "immediate danger" in replies[-1].text
    await teams.tap("teacher", "no")
    await teams.tap("teacher", "child")
    await teams.say("teacher", PUPIL)
    await teams.say("teacher", "Year 9")
    await teams.say("teacher", seen)
    await teams.tap("teacher", "done")
    await teams.say("teacher", WORDS)
    await teams.tap("teacher", "radicalisation")
    await teams.tap("teacher", "done")
    await teams.tap("teacher", "none")
    await teams.say("teacher", "today 10:15")
    await teams.say("teacher", "IT room")
    await teams.say("teacher", "Listened and told the DSL in person")
    await teams.say("teacher", "Nobody else")
    await teams.tap("teacher", "nobody")
    review = await teams.tap("teacher", "yes")
    assert any(PUPIL in c.text for c in review)
    receipt = await teams.tap("teacher", "submit")
    assert any("C-2026-0001" in c.text for c in receipt)


async def alert_id(teams: Harness) -> str:
    """Returns the activity id of the delivered alert card."""
    async with teams.app.db.transaction() as session:
        row = await outbox.delivered_alert(session, 1, "teams")
    assert row is not None and row.platform_message_id
    return row.platform_message_id


APP_ID = "00000000-0000-0000-0000-0000000000a1"
