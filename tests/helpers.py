"""Test helpers: a frozen clock, a Conversation driver and fresh PostgreSQL databases."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import asyncpg
import pytest
from aiohttp import web
from sqlmodel import select
from typer.testing import CliRunner, Result

from bot.app import App
from bot.delivery.dispatcher import OutboxDispatcher
from dialogs.engine import Engine
from dialogs.messages import Inbound, Reply, UserRef
from storage.db import utcnow
from storage.models import Outbox

LONDON = ZoneInfo("Europe/London")
TEST_KEY = "dGVzdC1rZXktMzItYnl0ZXMtbG9uZy0xMjM0NTY3ODk"  # 32 made-up bytes, tests only
DSL_EMAIL = "alex.example@school.example"
DEPUTY_EMAIL = "sam.sample@school.example"
TEACHER_EMAIL = "teacher@school.example"
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


def invoke(workdir: Path, *args: str, env: dict[str, str | None] | None = None, stdin: str = "") -> Result:
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
