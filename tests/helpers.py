"""Test helpers shared by every test module: the clock, a Conversation driver, the CLI, PostgreSQL databases."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import traceback
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import pytest
from aiohttp import web
from sqlmodel import select
from typer.testing import CliRunner, Result

from bot.app import App
from bot.delivery.dispatcher import OutboxDispatcher
from bot.delivery.platforms import DeliveryError, OutboundMessage
from bot.settings import Settings
from dialogs.engine import Engine
from dialogs.messages import Inbound, Reply, UserRef
from storage import outbox
from storage.db import utcnow
from storage.models import Concern, InboundEvent, Outbox
from storage.outbox import DSL, OutboxKind, StaffDM

LONDON = ZoneInfo("Europe/London")
TEST_KEY = "dGVzdC1rZXktMzItYnl0ZXMtbG9uZy0xMjM0NTY3ODk"  # 32 made-up bytes, tests only
DSL_EMAIL = "alex.example@school.example"
DEPUTY_EMAIL = "sam.sample@school.example"
TEACHER_EMAIL = "teacher@school.example"
HEAD_EMAIL = "head@school.example"  # the demo school's headteacher (not on the DSL team)
FROZEN_NOW = datetime(2026, 11, 25, 10, 30, tzinfo=LONDON)  # a Wednesday in term, when every frozen clock starts
CLI_NOW = {"PREVENT_NOW": FROZEN_NOW.isoformat()}  # a CLI subprocess starts its clock there too


@dataclass(slots=True)
class FrozenClock:
    """A clock the test moves by hand."""

    now: datetime = FROZEN_NOW

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        """Moves time forward."""
        self.now += timedelta(**delta)


@dataclass(slots=True)
class Conversation:
    """Drives the real engine as one person: `await convo.say("...")`, `await convo.tap("yes")`."""

    engine: Engine
    email: str
    platform: str = "console"
    key: str = ""
    replies: list[Reply] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.key = self.key or f"{self.platform}:{self.email}"

    @property
    def user(self) -> UserRef:
        return UserRef(self.platform, "test", self.email, self.email)

    @property
    def last(self) -> Reply:
        return self.replies[-1]

    @property
    def token(self) -> str | None:
        for reply in reversed(self.replies):
            if reply.prompt_token:
                return reply.prompt_token
        return None

    @property
    def text(self) -> str:
        """All reply text of the last turn, joined."""
        return "\n".join(r.text for r in self.replies)

    @property
    def everything(self) -> str:
        """All reply text and facts of the last turn, joined."""
        return "\n".join([r.text for r in self.replies] + [f"{a}: {b}" for r in self.replies for a, b in r.facts])

    async def greet(self) -> list[Reply]:
        self.replies = await self.engine.greet(Inbound(self.user, self.key))
        return self.replies

    async def say(self, text: str) -> list[Reply]:
        self.replies = await self.engine.handle(Inbound(self.user, self.key, text=text))
        return self.replies

    async def tap(self, choice: str, token: str | None = "current") -> list[Reply]:
        used = self.token if token == "current" else token
        self.replies = await self.engine.handle(Inbound(self.user, self.key, choice=choice, prompt_token=used))
        return self.replies

    def choice_ids(self) -> list[str]:
        return [c.id for r in self.replies for c in r.choices]


def postgres_url() -> str | None:
    """Returns the PostgreSQL URL for tests, or None when they should skip."""
    return os.environ.get("PREVENT_TEST_POSTGRES_URL") or None


@asynccontextmanager
async def fresh_postgres(base_url: str, prefix: str = "prevent_test") -> AsyncIterator[str]:
    """Creates a throw-away database on the test server and drops it afterwards."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    plain = base_url.replace("postgresql+asyncpg://", "postgresql://")
    admin = await asyncpg.connect(plain)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    root = plain.rsplit("/", 1)[0]
    try:
        yield f"{root}/{name}"
    finally:
        admin = await asyncpg.connect(plain)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()


@asynccontextmanager
async def two_postgres_instances(make: Callable[[str], Awaitable[App]]) -> AsyncIterator[tuple[App, App]]:
    """Two apps started together on one throw-away PostgreSQL database, as two server instances; skips without one."""
    base = postgres_url()
    if base is None:
        pytest.skip("PREVENT_TEST_POSTGRES_URL is not set (CI sets it)")
    async with fresh_postgres(base) as url:
        first, second = await asyncio.gather(make(url), make(url))
        try:
            yield first, second
        finally:
            await first.close()
            await second.close()


async def serve(web_app: web.Application) -> tuple[web.AppRunner, str]:
    """Serves an aiohttp app on an ephemeral port on 127.0.0.1; returns its runner and base URL."""
    runner = web.AppRunner(web_app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    return runner, f"http://127.0.0.1:{runner.addresses[0][1]}"


async def drain(dispatcher: OutboxDispatcher, passes: int = 8) -> int:
    """Runs the outbox sender until nothing more is delivered (at most `passes`); returns how many were."""
    total = 0
    for _ in range(passes):
        sent = await dispatcher.run_once()
        total += sent
        if not sent:
            break
    return total


async def outbox_due_now(app: App, created_minutes_ago: float = 0) -> None:
    """Makes every pending outbox row due now (and, if asked, older than it is): no waiting in tests."""
    async with app.db.transaction() as session:
        for row in (await session.exec(select(Outbox).where(Outbox.status == "pending"))).all():
            row.next_attempt_at = utcnow()
            if created_minutes_ago:
                row.created_at = utcnow() - timedelta(minutes=created_minutes_ago)
            session.add(row)


def invoke(workdir: Path, *args: str, env: Mapping[str, str | None] | None = None, stdin: str = "") -> Result:
    """Runs `prevent-bot ARGS` in this process, in `workdir`, on its prevent.db with TEST_KEY (`env` overrides)."""
    from bot.cli import cli

    settings: dict[str, str | None] = {"DATABASE_URL": f"sqlite:///{workdir / 'prevent.db'}",
                                       "PREVENT_DATA_KEY": TEST_KEY, "PREVENT_DATA_KEY_OLD": None,
                                       "PREVENT_CONFIG": None, **CLI_NOW, **(env or {})}
    before = Path.cwd()
    os.chdir(workdir)  # the school file, .env and a relative database are looked for here
    try:
        return CliRunner().invoke(cli, list(args), input=stdin, env=settings)
    finally:
        os.chdir(before)


def make_settings(database_url: str, **extra: str) -> Settings:
    """Settings for tests: never read the developer's .env or prevent.toml."""
    values: dict[str, Any] = {"DATABASE_URL": database_url, "PREVENT_DATA_KEY": TEST_KEY,
              "PREVENT_CONFIG": str(Path(__file__).parent / "does-not-exist.toml"), **extra}
    return Settings(_env_file=None, **values)


@dataclass
class FakePlatform:
    """Records deliveries; fails the DSL channel while `channel_down`, or its next sends with `fail_once`."""

    name: str = "console"
    sent: list[OutboundMessage] = field(default_factory=list)
    channel_down: bool = False
    fail_once: list[float | None] = field(default_factory=list)

    def add_routes(self, web_app: web.Application) -> None:
        """No routes."""

    async def deliver(self, message: OutboundMessage) -> str:
        if self.fail_once and message.destination == DSL:
            raise DeliveryError("429 rate limited", self.fail_once.pop())
        if self.channel_down and message.destination == DSL:
            raise DeliveryError("500 from platform")
        self.sent.append(message)
        return f"msg-{message.outbox_id}"

    async def readiness(self) -> list[str]:
        return []

    async def start(self) -> None:
        """Nothing to start."""

    async def stop(self) -> None:
        """Nothing to stop."""


async def queued(app: App, count: int) -> None:
    """Queues `count` console replies to staff 1, 2, ... in the outbox."""
    async with app.db.transaction() as session:
        for n in range(count):
            await outbox.enqueue(session, app.school_id, "console", StaffDM(n + 1), OutboxKind.REPLY, {"n": n})


NEW_KEY = "cm90YXRlZC10ZXN0LWtleS0zMi1ieXRlcy1sb25nLTE"  # 32 made-up bytes, tests only


async def retry_now(app: App) -> None:
    """Makes every event's next attempt due now (instead of waiting for its back-off)."""
    async with app.db.transaction() as session:
        for row in (await session.exec(select(InboundEvent))).all():
            row.next_attempt_at = row.received_at
            session.add(row)


async def start(app: App, email: str = TEACHER_EMAIL) -> Conversation:
    """Opens a conversation as a teacher (or someone else) and starts raising a concern."""
    convo = Conversation(app.engine, email)
    await convo.greet()
    await convo.tap("go:raise_concern")
    return convo


async def tell_up_to_review(convo: Conversation, category: str = "neglect") -> None:
    """Answers every question with ordinary answers, stopping at the review."""
    await up_to_account(convo)
    await tell_from_account(convo, category)


async def tell_from_account(convo: Conversation, category: str = "neglect") -> None:
    """Answers from the account on with ordinary answers, stopping at the review."""
    await convo.say("Came in hungry again, no coat")
    await convo.tap("done")  # nothing to add to the account
    await convo.say("I haven't eaten since Friday")
    await convo.tap(category)
    await convo.tap("done")  # no other kind
    if category == "radicalisation":
        await convo.say("Talks about a group online")
    await convo.say("today 09:00")
    await convo.say("Form room")
    await convo.say("Gave breakfast, listened")
    await convo.say("Nobody else")
    await convo.tap("nobody")  # nobody else was there
    await convo.tap("yes")  # the child was told it will be shared


async def up_to_account(convo: Conversation) -> None:
    """Answers: not in danger, a child, Jamie Testpupil, Year 9 (the account is asked next)."""
    await convo.tap("no")
    await convo.tap("child")
    await convo.say("Jamie Testpupil")
    await convo.say("Year 9")


async def raised(app: App) -> int:
    """Raises an ordinary concern as the teacher; returns its id."""
    convo = await start(app)
    await tell_up_to_review(convo)
    await convo.tap("submit")
    async with app.db.transaction() as session:
        concern = (await session.exec(select(Concern))).one()
        assert concern.id is not None
        return concern.id


Line = str | dict[str, object]  # a line typed into `prevent-bot chat --jsonl`: text, or {"choice": ...}
Replies = list[dict[str, Any]]  # what `chat --jsonl` prints, one JSON object a reply


def jsonl(lines: Sequence[Line]) -> str:
    """Returns the lines as `chat --jsonl` reads them from stdin."""
    return "".join((json.dumps(x) if isinstance(x, dict) else x) + "\n" for x in lines)


def run(workdir: Path, *args: str, lines: Sequence[Line] = (), refused: bool = False,
        env: Mapping[str, str | None] | None = None) -> Result:
    """Runs the CLI in this process (`invoke`) on the work directory's database; it must succeed (or, if
    `refused`, fail). `env` overrides settings."""
    result = invoke(workdir, *args, env=dict(env or {}), stdin=jsonl(lines))
    failed = "".join(traceback.format_exception(result.exception)) if result.exception else result.output
    assert (result.exit_code != 0) if refused else (result.exit_code == 0), failed
    return result


def run_process(workdir: Path, *args: str, lines: Sequence[Line] = (),
                env: Mapping[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Runs the CLI in a fresh process, as a person would (for the few true end-to-end journeys); it must
    succeed. The data key is TEST_KEY and the database the work directory's, unless `env` says otherwise."""
    settings = {**os.environ, "DATABASE_URL": f"sqlite:///{workdir / 'prevent.db'}", "PREVENT_DATA_KEY": TEST_KEY,
                **CLI_NOW}
    settings.pop("PREVENT_DATA_KEY_OLD", None)
    settings.pop("PREVENT_CONFIG", None)
    settings.update(env or {})
    result = subprocess.run([sys.executable, "-m", "bot", *args], input=jsonl(lines), capture_output=True, text=True,
                            env=settings, cwd=workdir, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    return result


def replies_in(out: str) -> Replies:
    """Returns the reply objects `chat --jsonl` printed."""
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def chat(workdir: Path, email: str, lines: Sequence[Line], env: Mapping[str, str | None] | None = None) -> Replies:
    """Chats as someone with --jsonl, in this process; returns every reply object."""
    return replies_in(run(workdir, "chat", "--as", email, "--jsonl", lines=lines, env=env).stdout)


def chat_process(workdir: Path, email: str, lines: Sequence[Line]) -> Replies:
    """Chats as someone with --jsonl in a fresh `prevent-bot` process; returns every reply object."""
    return replies_in(run_process(workdir, "chat", "--as", email, "--jsonl", lines=lines).stdout)


def texts(replies: Replies) -> str:
    """Returns the replies' text, a line each."""
    return "\n".join(str(r["text"]) for r in replies)


CONCERN: list[Line] = [{"choice": "go:raise_concern"}, {"choice": "no"}, {"choice": "child"}, "Jamie Testpupil",
                       "Year 9", "Says he watches an extremist group's videos every night", {"choice": "done"},
                       "He said: they are the only ones who get me", {"choice": "radicalisation"}, {"choice": "done"},
                       "Shows interest in an extremist group online", "yesterday 14:30", "Library",
                       "Listened, did not ask leading questions", "Nobody", {"choice": "nobody"}, {"choice": "yes"},
                       {"choice": "submit"}]
