"""The Slack tests' world: the school's people and channels, request signing, the Harness that acts as them,
and a concern raised over Slack (fixtures are in conftest.py)."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import aiohttp
from aiohttp import web
from sqlmodel import func, select

from bot.app import App, build
from bot.config import demo_text, parse
from bot.delivery.slack import SlackPlatform
from bot.server import DISPATCHER_KEY, build_web_app
from storage.models import Audit, DialogSession, InboundEvent, Outbox, ProcessedEvent
from tests.handlers.slack.fake_slack import TEAM, TOKEN, Call, FakeSlack, dm
from tests.helpers import DEPUTY_EMAIL, DSL_EMAIL, HEAD_EMAIL, TEACHER_EMAIL, FrozenClock, drain, make_settings, serve

SECRET = "test-signing-secret"


DSL_CHANNEL = "G0DSLTEAM"


PUBLIC_CHANNEL = "C0STAFFROOM"


PEOPLE = {
    "teacher": ("UTEACHER", "Terry Teacher", TEACHER_EMAIL),
    "alex": ("UALEX", "Alex Example", DSL_EMAIL),
    "sam": ("USAM", "Sam Sample", DEPUTY_EMAIL),
    "olly": ("UOLLY", "Olly Outsider", "olly.outsider@school.example"),
    "head": ("UHEAD", "Jo Placeholder", HEAD_EMAIL),  # the headteacher: not on the DSL team
}


def slack_school(channel: str = DSL_CHANNEL) -> Any:
    """The demo school, delivering in Slack to a DSL channel."""
    text = demo_text().replace('platform = "console"', 'platform = "slack"')
    return parse(text.replace('dsl_channel = ""', f'dsl_channel = "{channel}"'), "demo (slack)")


def sign(body: bytes, secret: str = SECRET, timestamp: int | None = None) -> dict[str, str]:
    """Signs a request body the way Slack does (v0 HMAC-SHA256 over version:timestamp:body)."""
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), f"v0:{stamp}:".encode() + body, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": f"v0={digest}"}


@dataclass
class Harness:
    """Signs and posts Slack requests to /slack/events as people; reads what the fake Slack received."""

    app: App
    platform: SlackPlatform
    web_app: web.Application
    url: str
    fake: FakeSlack
    http: aiohttp.ClientSession
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def __repr__(self) -> str:
        return f"Harness({self.url})"  # short in a failing test's report

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(repr(self))  # Hypothesis prints a failing example's arguments with this, not __repr__

    async def post(self, body: bytes, content_type: str, headers: dict[str, str] | None = None) -> int:
        """POSTs a raw body, signed unless headers are given."""
        sent = {"Content-Type": content_type, **(sign(body) if headers is None else headers)}
        async with self.http.post(f"{self.url}/slack/events", data=body, headers=sent) as response:
            await response.read()
        await self.platform.inbox_worker.run_once()  # the turn a message event starts (no timers in tests)
        return response.status

    def event_body(self, event: dict[str, Any], event_id: str = "") -> bytes:
        envelope = {"token": "legacy", "team_id": TEAM, "api_app_id": "A0PREVENT", "type": "event_callback",
                    "event_id": event_id or f"Ev{next(self._ids):08d}", "event_time": int(time.time()),
                    "event": event}
        return json.dumps(envelope).encode()

    async def event(self, event: dict[str, Any], event_id: str = "") -> int:
        return await self.post(self.event_body(event, event_id), "application/json")

    async def interact(self, payload: dict[str, Any]) -> int:
        body = urlencode({"payload": json.dumps({"team": {"id": TEAM}, **payload})}).encode()
        return await self.post(body, "application/x-www-form-urlencoded")

    def since(self, before: int) -> list[Call]:
        return self.fake.calls[before:]

    async def say(self, who: str, text: str) -> list[Call]:
        """Types in the person's DM with the bot; returns the messages posted back there."""
        user = PEOPLE[who][0]
        before = len(self.fake.calls)
        event = {"type": "message", "channel_type": "im", "channel": dm(user), "user": user, "text": text,
                 "ts": f"{time.time():.6f}"}
        assert await self.event(event) == 200
        return [c for c in self.since(before) if c.method == "chat.postMessage" and c.channel == dm(user)]

    def button(self, who: str, choice: str) -> tuple[str, str]:
        """Returns (token, action_id) of the newest button with this choice in the person's DM."""
        for call in reversed(self.fake.posts(dm(PEOPLE[who][0]))):
            for found, token, action_id in call.buttons():
                if found == choice:
                    return token, action_id
        raise AssertionError(f"no button {choice} shown to {who}")

    async def tap(self, who: str, choice: str, token: str | None = None) -> list[Call]:
        """Presses a button in the person's DM (with its own token unless one is given)."""
        user = PEOPLE[who][0]
        found, action_id = self.button(who, choice)
        value = json.dumps({"c": choice, "t": found if token is None else token})
        before = len(self.fake.calls)
        assert await self.interact(self.block_action(who, dm(user), action_id, value)) == 200
        return [c for c in self.since(before) if c.method == "chat.postMessage" and c.channel == dm(user)]

    def block_action(self, who: str, channel: str, action_id: str, value: str) -> dict[str, Any]:
        user = PEOPLE[who][0]
        return {"type": "block_actions", "user": {"id": user, "team_id": TEAM}, "api_app_id": "A0PREVENT",
                "trigger_id": f"trigger-{next(self._ids)}", "channel": {"id": channel},
                "container": {"type": "message", "channel_id": channel, "message_ts": "1700000000.000001"},
                "actions": [{"type": "button", "action_id": action_id, "block_id": "choices-0", "value": value,
                             "action_ts": "1"}]}

    async def press(self, who: str, choice: str, channel: str = DSL_CHANNEL) -> list[Call]:
        """Presses a DSL button on an alert in a channel; returns every call the bot made."""
        value = json.dumps({"c": choice, "t": ""})
        before = len(self.fake.calls)
        assert await self.interact(self.block_action(who, channel, "prevent:0", value)) == 200
        return self.since(before)

    async def drain(self) -> int:
        """Runs the outbox sender until nothing more is delivered; returns how many were."""
        return await drain(self.web_app[DISPATCHER_KEY], passes=8)


async def start(tmp_path: Path, clock: FrozenClock, fake: FakeSlack, school: Any = None,
                database_url: str = "", **env: str) -> AsyncIterator[Harness]:
    """Builds the whole app with Slack and serves it; the outbox is drained by the test (no timers)."""
    values = {"SLACK_BOT_TOKEN": TOKEN, "SLACK_SIGNING_SECRET": SECRET, "SLACK_API_URL": f"{fake.url}/api/", **env}
    settings = make_settings(database_url or f"sqlite:///{tmp_path / 'prevent.db'}", **values)
    app = await build(settings, config=school or slack_school(), clock=clock)
    platform = SlackPlatform(app)
    web_app = build_web_app(app, [platform])
    web_app.cleanup_ctx.clear()  # no background sender: each test drains the outbox itself
    await platform.start()
    runner, url = await serve(web_app)
    async with aiohttp.ClientSession() as http:
        yield Harness(app, platform, web_app, url, fake, http)
    await platform.stop()
    await runner.cleanup()
    await app.close()


NARRATIVE = "He showed me a video praising an attack and said he wanted to join them"


WORDS = "They are right and I will go with them"


PUPIL = "Jamie Testpupil"


SECRETS = (NARRATIVE, WORDS, PUPIL, "IT room")


async def raise_concern(slack: Harness, seen: str = NARRATIVE, who: str = "teacher") -> None:
    """Raises a whole concern as the teacher, by typing and pressing buttons in the DM."""
    replies = await slack.say(who, "Raise a concern")
    assert "immediate danger" in replies[-1].text
    await slack.tap(who, "no")
    await slack.tap(who, "child")
    await slack.say(who, PUPIL)
    await slack.say(who, "Year 9")
    await slack.say(who, seen)
    await slack.tap(who, "done")
    await slack.say(who, WORDS)
    await slack.tap(who, "radicalisation")
    await slack.tap(who, "done")
    await slack.tap(who, "none")
    await slack.say(who, "today 10:15")
    await slack.say(who, "IT room")
    await slack.say(who, "Listened and told the DSL in person")
    await slack.say(who, "Nobody else")
    await slack.tap(who, "nobody")
    review = await slack.tap(who, "yes")
    assert any(PUPIL in c.text for c in review)
    receipt = await slack.tap(who, "submit")
    assert any("C-2026-0001" in c.text for c in receipt)


async def stored(slack: Harness) -> dict[str, int]:
    """Counts the rows a request could have written."""
    counts = {}
    async with slack.app.db.transaction() as session:
        for table in (InboundEvent, ProcessedEvent, DialogSession, Audit, Outbox):
            counts[table.__name__] = int((await session.exec(select(func.count()).select_from(table))).one())
    return counts


def acted(slack: Harness, before: int) -> list[str]:
    """The Web API calls made since `before`, apart from the bot checking its own token (auth.test)."""
    return [c.method for c in slack.since(before) if c.method != "auth.test"]
