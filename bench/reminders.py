"""Benchmark: the weekly training nudge for 20,000 staff in 50 schools, queued, then delivered to a fake Slack.

Run from the repository root:

    /work/venv/bin/python bench/reminders.py
    /work/venv/bin/python bench/reminders.py --postgres postgresql://postgres@127.0.0.1:5432/test

Part 1 builds one database (a SQLite file in a temporary directory, or a throw-away PostgreSQL database
made and dropped on the server given) with 50 made-up schools of 400 made-up staff each and a mix of
training records: current, due within 30 days, overdue and never done. It times the real weekly job
(`run_job(school, "training-nudge", now)`: plan, claim each dispatch key, write each outbox row) for all
50 schools, and measures memory: the process's peak resident size (`resource.getrusage` ru_maxrss) around
that timed run, and the tracemalloc peak of the same job run again for the following week (tracemalloc
slows Python down, so it is not on during the timed run).

Part 2 delivers the first N queued nudges (the rest are held back) through the real `OutboxDispatcher`
(`run_forever`, as in `prevent-bot serve`) and the real `bot.delivery.slack.SlackPlatform`, against a fake
Slack Web API on 127.0.0.1 (in its own process) that allows one chat.postMessage a second per conversation
and answers 429 with Retry-After beyond a workspace-wide budget of messages a second. It prints the time to
deliver against the bound the budget sets (N / budget), and checks that no conversation got the same message
twice and that every queued nudge was delivered. Nothing leaves this machine; every loop is bounded.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import gc
import json
import logging
import multiprocessing
import random
import resource
import sys
import tempfile
import time
import tracemalloc
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
from aiohttp import web
from sqlalchemy import func, insert, update
from sqlalchemy.dialects.postgresql import insert as postgres_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import col, select

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.app import App, build  # noqa: E402
from bot.config import DEFAULT_COURSES, SchoolConfig, demo_text, parse  # noqa: E402
from bot.delivery.dispatcher import OutboxDispatcher  # noqa: E402
from bot.delivery.slack import SlackPlatform  # noqa: E402
from bot.jobs.plans import School  # noqa: E402
from bot.jobs.runner import run_job  # noqa: E402
from bot.services.training import add_months  # noqa: E402
from bot.settings import Settings  # noqa: E402
from storage import people  # noqa: E402
from storage.models import Outbox, Staff, TrainingRecord  # noqa: E402
from tests.helpers import fresh_postgres, serve  # noqa: E402  (the tests' own loopback helpers)

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2026, 11, 30, 8, 30, tzinfo=LONDON)  # a Monday in term, the nudge's time
TOKEN = "xoxb-bench"
DSL_CHANNEL = "G0BENCHDSL"
KEY = "YmVuY2gta2V5LTMyLWJ5dGVzLWxvbmctMTIzNDU2Nzg"  # made-up 32 bytes, benchmark only
HELD = "bench-held"  # outbox status for queued rows this run does not deliver
COURSES = tuple(c.id for c in DEFAULT_COURSES)  # the default courses, as a school without [[courses]] has them
DSL_ONLY = {c.id for c in DEFAULT_COURSES if c.who == "dsl"}
STATES, WEIGHTS = ("current", "due", "overdue", "never"), (0.74, 0.08, 0.10, 0.08)  # per person and course


def rss_mb() -> float:
    """Returns the process's peak resident set size so far, in MB (ru_maxrss is KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def school_config(n: int) -> SchoolConfig:
    """A made-up school on Slack: the demo school file with its own slug, name and email domain."""
    text = (demo_text().replace("@school.example", f"@school{n:02d}.example")
            .replace('slug = "demo"', f'slug = "bench-{n:02d}"')
            .replace('platform = "console"', 'platform = "slack"')
            .replace('dsl_channel = ""', f'dsl_channel = "{DSL_CHANNEL}"'))
    text = text.replace("Demo School (made-up people — not a real school)", f"Bench School {n:02d} (made-up)")
    return parse(text, f"bench school {n}")


def settings(url: str, slack_url: str) -> Settings:
    """Settings for the benchmark: never the developer's .env or prevent.toml."""
    values = {"DATABASE_URL": url, "PREVENT_DATA_KEY": KEY, "PREVENT_CONFIG": str(ROOT / "bench" / "none.toml"),
              "SLACK_BOT_TOKEN": TOKEN, "SLACK_API_URL": f"{slack_url}/api/"}
    return Settings(_env_file=None, **values)  # type: ignore[arg-type]


def slack_id(school: int, person: int) -> str:
    """The made-up Slack user id of a person."""
    return f"UB{school:02d}{person:05d}"


def email_of(config: SchoolConfig, school: int, person: int) -> str:
    """Person 0 and 1 are the school file's DSL team; the rest are numbered."""
    if person < len(config.dsl_team):
        return config.dsl_team[person].email
    return f"staff{person:05d}@school{school:02d}.example"


def completed_for(rng: random.Random, state: str, every: int | None, today: date) -> list[date]:
    """Completion dates that put one course in the wanted state (older records sometimes kept too)."""
    if state == "never":
        return []
    if every is None:  # a one-off course (induction): done once is current
        return [today - timedelta(days=rng.randint(30, 3000))]
    due_back = add_months(today, -every)  # completed on this day: due today
    if state == "current":
        done = due_back + timedelta(days=rng.randint(31, 28 * every))
    elif state == "due":
        done = due_back + timedelta(days=rng.randint(0, 30))
    else:
        done = due_back - timedelta(days=rng.randint(1, 400))
    older = [add_months(done, -every)] if rng.random() < 0.3 else []
    return [done, *older]


async def seed(app: App, configs: list[SchoolConfig], per_school: int, seed_value: int) -> list[int]:
    """Creates the schools, their staff and training records in bulk; returns the school ids."""
    rng = random.Random(seed_value)
    every = {c.id: c.every_months for c in configs[0].courses}
    today = NOW.date()
    school_ids = [app.school_id]
    async with app.db.transaction() as session:
        for config in configs[1:]:
            school = await people.ensure_school(session, config.school.slug, config.school.name)
            assert school.id is not None
            school_ids.append(school.id)
    for n, (config, school_id) in enumerate(zip(configs, school_ids, strict=True)):
        dsl = config.dsl_emails()
        rows: list[dict[str, Any]] = []
        for p in range(per_school):
            email = email_of(config, n, p)
            rows.append({"school_id": school_id, "email": email, "name": f"Bench Person {n:02d}-{p:05d}",
                         "role": "Teacher", "is_dsl": email in dsl, "active": True,
                         "start_date": today - timedelta(days=rng.randint(20, 5000)),
                         "slack_user_id": slack_id(n, p) if rng.random() < 0.7 else None})
        async with app.db.transaction() as session:
            connection = await session.connection()
            dialect_insert = postgres_insert if connection.dialect.name == "postgresql" else sqlite_insert
            await connection.execute(dialect_insert(Staff).on_conflict_do_nothing(), rows)  # the DSL may exist
            ids: dict[str, int] = dict((await connection.execute(
                select(Staff.email, Staff.id).where(Staff.school_id == school_id))).all())
            records: list[dict[str, Any]] = []
            for row in rows:
                for course in COURSES:
                    if course in DSL_ONLY and not row["is_dsl"]:
                        continue
                    state = rng.choices(STATES, WEIGHTS)[0]
                    for done in completed_for(rng, state, every[course], today):
                        records.append({"school_id": school_id, "staff_id": ids[str(row["email"])], "course": course,
                                        "completed_on": done, "certificate": "", "created_at": NOW})
            await connection.execute(insert(TrainingRecord), records)
    return school_ids


# --- the fake Slack -----------------------------------------------------------------------------

@dataclass
class RateLimitedSlack:
    """The Web API calls a DM needs, with Slack's message limits: 1/s per conversation, `budget`/s per workspace."""

    budget: float
    directory: dict[str, str] = field(default_factory=dict)  # email -> user id
    accepted: list[tuple[float, str, str]] = field(default_factory=list)  # (time, channel, text)
    limited: collections.Counter[str] = field(default_factory=collections.Counter)
    calls: collections.Counter[str] = field(default_factory=collections.Counter)
    _window: collections.deque[float] = field(default_factory=collections.deque)
    _last: dict[str, float] = field(default_factory=dict)
    _ts: int = 0

    def app(self) -> web.Application:
        web_app = web.Application()
        web_app.router.add_route("*", "/api/{method}", self.handle)
        web_app.router.add_get("/stats", self.stats)
        return web_app

    async def stats(self, request: web.Request) -> web.Response:
        """What was accepted and refused, for the checks (read once the run is over)."""
        return web.json_response({"accepted": self.accepted, "limited": self.limited, "calls": self.calls})

    async def handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        args: dict[str, Any] = dict(request.query)
        body = await request.read()
        if request.content_type == "application/json" and body:
            args.update(json.loads(body))
        elif body:
            args.update({k: str(v) for k, v in (await request.post()).items()})
        self.calls[method] += 1
        if request.headers.get("Authorization") != f"Bearer {TOKEN}":
            return web.json_response({"ok": False, "error": "invalid_auth"})
        if method == "users.lookupByEmail":
            user = self.directory.get(str(args.get("email", "")))
            return web.json_response({"ok": True, "user": {"id": user}} if user else
                                     {"ok": False, "error": "users_not_found"})
        if method == "conversations.open":
            return web.json_response({"ok": True, "channel": {"id": "D" + str(args.get("users", ""))[1:]}})
        if method == "chat.postMessage":
            return self.post(str(args.get("channel", "")), str(args.get("text", "")))
        return web.json_response({"ok": False, "error": "unknown_method"})

    def post(self, channel: str, text: str) -> web.Response:
        """Accepts a message unless the conversation or the workspace is over its limit (then 429)."""
        now = time.monotonic()
        while self._window and now - self._window[0] >= 1.0:
            self._window.popleft()
        reason = ("conversation" if now - self._last.get(channel, -10.0) < 1.0 else
                  "workspace" if len(self._window) >= self.budget else "")
        if reason:
            self.limited[reason] += 1
            return web.Response(status=429, text="ratelimited", headers={"Retry-After": "1"})
        self._window.append(now)
        self._last[channel] = now
        self.accepted.append((now, channel, text))
        self._ts += 1
        return web.json_response({"ok": True, "channel": channel, "ts": f"1700000000.{self._ts:06d}"})


def run_fake_slack(budget: float, directory: dict[str, str], pipe: Connection) -> None:
    """The fake Slack's own process (its CPU is not the bot's): serves until terminated, sends its URL back."""

    async def serve_forever() -> None:
        fake = RateLimitedSlack(budget, directory)
        _, url = await serve(fake.app())
        pipe.send(url)
        await asyncio.sleep(3600)  # the benchmark terminates this process long before

    asyncio.run(serve_forever())


class Counting(logging.Handler):
    """Counts warnings (each failed attempt logs one) without printing them."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1


# --- the runs -----------------------------------------------------------------------------------

async def compute_and_queue(app: App, configs: list[SchoolConfig], school_ids: list[int]) -> None:
    """Times the weekly nudge for every school, then the tracemalloc peak of the next week's."""
    schools = [School(app.db, c, i, app.words) for c, i in zip(configs, school_ids, strict=True)]
    gc.collect()
    rss_before = rss_mb()
    start = time.perf_counter()
    planned = queued = 0
    for school in schools:
        plan, sent = await run_job(school, "training-nudge", NOW)
        assert not plan.skipped, plan.skipped
        planned, queued = planned + len(plan.items), queued + sent
    elapsed = time.perf_counter() - start
    rss_after = rss_mb()
    rerun = 0
    for school in schools:  # a rerun (or a second instance) queues nothing
        rerun += (await run_job(school, "training-nudge", NOW))[1]
    gc.collect()
    tracemalloc.start()
    for school in schools:
        await run_job(school, "training-nudge", NOW + timedelta(days=7))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    async with app.db.transaction() as session:
        rows = (await session.exec(select(func.count()).select_from(Outbox))).one()
    print(f"compute and queue: {len(schools)} schools, {planned} nudges planned, {queued} queued "
          f"({rows} outbox rows after both weeks; a rerun queued {rerun})")
    print(f"  time to compute and queue: {elapsed:.2f} s (target < 5 s)")
    print(f"  peak RSS (ru_maxrss, whole process): {rss_before:.0f} MB before, {rss_after:.0f} MB after "
          f"(target < 300 MB)")
    print(f"  tracemalloc peak of the same job for the following week: {peak / 2**20:.1f} MB")


async def deliver(app: App, slack_url: str, budget: float, directory: dict[str, str], count: int,
                  give_up_after: float) -> bool:
    """Delivers the first `count` queued nudges through the real dispatcher and Slack platform; checks them."""
    async with app.db.transaction() as session:
        wanted = list((await session.exec(select(Outbox).where(Outbox.status == "pending")
                                          .order_by(col(Outbox.id)).limit(count))).all())
        last = wanted[-1].id if wanted else 0
        await (await session.connection()).execute(
            update(Outbox).where(col(Outbox.status) == "pending", col(Outbox.id) > last).values(status=HELD))
        staff = {s.id: s for s in (await session.exec(select(Staff).where(
            col(Staff.id).in_([int(r.destination.split(":")[1]) for r in wanted])))).all()}
    expected: collections.Counter[str] = collections.Counter()
    for row in wanted:
        person = staff[int(row.destination.split(":")[1])]
        expected["D" + directory[person.email][1:]] += 1
    count = len(wanted)
    bound = count / budget
    platform = SlackPlatform(app)
    dispatcher = OutboxDispatcher(app.db, app.concerns, {"slack": platform}, timedelta(minutes=5))
    warnings = Counting()
    delivery_log = logging.getLogger("bot.delivery.dispatcher")
    delivery_log.addHandler(warnings)
    delivery_log.setLevel(logging.WARNING)
    delivery_log.propagate = False
    start = time.perf_counter()
    runner = asyncio.create_task(dispatcher.run_forever())
    delivered = 0
    try:
        while time.perf_counter() - start < give_up_after:
            await asyncio.sleep(0.1)
            async with app.db.transaction() as session:
                delivered = (await session.exec(select(func.count()).select_from(Outbox).where(
                    Outbox.status == "delivered"))).one()
            if delivered >= count:
                break
    finally:
        elapsed = time.perf_counter() - start
        runner.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await runner
        delivery_log.removeHandler(warnings)
    await asyncio.sleep(0.5)  # anything still in flight would show up as a duplicate
    async with aiohttp.ClientSession() as http, http.get(f"{slack_url}/stats") as response:
        stats = await response.json()
    accepted: list[tuple[float, str, str]] = [tuple(a) for a in stats["accepted"]]
    limited, calls = stats["limited"], stats["calls"]
    per_message = collections.Counter((channel, text) for _, channel, text in accepted)
    duplicates = sum(n - 1 for n in per_message.values() if n > 1)
    got = collections.Counter(channel for _, channel, _ in accepted)
    missed = sum(max(n - got[c], 0) for c, n in expected.items())
    strays = sum(n for c, n in got.items() if c not in expected)
    first, end = (accepted[0][0], accepted[-1][0]) if accepted else (0.0, 0.0)
    print(f"delivery: N = {count} nudges, workspace budget {budget:g} messages/s, 1 message/s per conversation")
    print(f"  bound (N / budget): {bound:.1f} s; time to deliver: {elapsed:.1f} s = {elapsed / bound:.2f}x the "
          f"bound (target <= 1.2x); first to last message accepted: {end - first:.1f} s")
    print(f"  marked delivered: {delivered}/{count}; messages Slack accepted: {len(accepted)}; 429 answers: "
          f"{limited.get('workspace', 0)} over the workspace budget, {limited.get('conversation', 0)} per "
          f"conversation; failed attempts logged: {warnings.count}")
    print(f"  Web API calls: {dict(sorted(calls.items()))}")
    print(f"  duplicates (a conversation got the same message twice): {duplicates}; missed: {missed}; "
          f"sent where nothing was queued: {strays}")
    return duplicates == 0 and missed == 0 and strays == 0 and delivered == count


@contextlib.asynccontextmanager
async def database(postgres: str) -> AsyncIterator[str]:
    """A SQLite file in a temporary directory, or a throw-away PostgreSQL database (dropped afterwards)."""
    if not postgres:
        with tempfile.TemporaryDirectory(prefix="prevent-bench-") as folder:
            yield f"sqlite:///{Path(folder) / 'bench.db'}"
        return
    async with fresh_postgres(postgres, prefix="prevent_bench") as url:
        yield url


async def main(args: argparse.Namespace, configs: list[SchoolConfig], directory: dict[str, str],
               slack_url: str) -> int:
    """Seeds, times compute-and-queue, then delivery; returns 0 when every check passed."""
    logging.basicConfig(level=logging.ERROR, format="%(levelname)s %(name)s: %(message)s")
    async with database(args.postgres) as url:
        app = await build(settings(url, slack_url), config=configs[0], clock=lambda: NOW)
        try:
            began = time.perf_counter()
            school_ids = await seed(app, configs, args.staff // args.schools, args.seed)
            print(f"database: {app.db.engine.dialect.name}; seeded {args.staff} staff in {args.schools} schools "
                  f"in {time.perf_counter() - began:.1f} s")
            await compute_and_queue(app, configs, school_ids)
            ok = await deliver(app, slack_url, args.budget, directory, args.deliver,
                               max(60.0, 5 * args.deliver / args.budget))
        finally:
            await app.close()
    print("all checks passed" if ok else "CHECKS FAILED")
    return 0 if ok else 1


def run(args: argparse.Namespace) -> int:
    """Starts the fake Slack in its own process, runs the benchmark, stops the fake."""
    configs = [school_config(n) for n in range(args.schools)]
    directory = {email_of(config, n, p): slack_id(n, p)
                 for n, config in enumerate(configs) for p in range(args.staff // args.schools)}
    mine, theirs = multiprocessing.Pipe()
    fake = multiprocessing.Process(target=run_fake_slack, args=(args.budget, directory, theirs), daemon=True)
    fake.start()
    try:
        if not mine.poll(30):
            raise RuntimeError("the fake Slack did not start")
        return asyncio.run(main(args, configs, directory, str(mine.recv())))
    finally:
        fake.terminate()
        fake.join(10)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--staff", type=int, default=20_000, help="staff in all (default 20000)")
    parser.add_argument("--schools", type=int, default=50, help="schools (default 50)")
    parser.add_argument("--postgres", default="", metavar="URL",
                        help="a PostgreSQL server where a throw-away database may be created (default: SQLite)")
    parser.add_argument("--budget", type=float, default=20.0,
                        help="the fake Slack's workspace-wide budget, messages a second (default 20)")
    parser.add_argument("--deliver", type=int, default=600, help="how many queued nudges to deliver (default 600)")
    parser.add_argument("--seed", type=int, default=2026, help="random seed for the training mix")
    return parser.parse_args()


if __name__ == "__main__":
    sys.exit(run(parse_args()))
