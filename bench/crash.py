"""Crash safety: `prevent-bot serve` killed (SIGKILL) at random moments while people raise concerns by DM.

Run from the repository root:

    .venv/bin/python bench/crash.py --kills 200
    .venv/bin/python bench/crash.py --kills 100 --postgres postgresql://postgres@127.0.0.1:5432/test

It starts a fake Slack Web API on 127.0.0.1 (tests/handlers/slack/fake_slack.py, in this process) and
`prevent-bot serve` on 127.0.0.1 (a subprocess) on a fresh database: a SQLite file, or with --postgres a
new database on that server, dropped at the end. PEOPLE members of staff each raise concern after concern
in their DM with the bot, every answer a signed `message.im` event callback. Like Slack, a person's
client re-sends an event that did not get a 200 within 3 seconds, with the same `event_id`, until it
does, and sends the next answer only after that (waiting up to a few seconds for the bot's reply, which
a crash may have lost). Meanwhile the server is killed with SIGKILL, at a random moment after it came
up (now and then while it is still starting), and started again, KILLS times; then it runs to the end
while everyone finishes the concern in hand, the inbox and the outbox drain, and it is stopped.

Every concern told carries a tag in its "what was seen or heard" answer. At the end the stored concerns
are decrypted (the benchmark holds the data key) and matched to the tellings:
- concerns lost: a telling with no stored concern, or a receipt DM (a reference) with no stored concern;
- concerns duplicated: concerns stored beyond one per telling (or matching no telling);
- DSL alerts duplicated or missing: concerns whose alert never reached the DSL channel, and alerts posted
  again. A repeat is also classified by whether a kill came while that alert's first post was on its way or
  not yet recorded (the window a sender that did not look in Slack first would post again after): since
  the sender looks for an unconfirmed send before posting again, both kinds count (see "Crash safety" in
  docs/performance.md);
- outbox messages posted twice: any message (alert, update, DM to staff) posted again under the same outbox
  row and part, as its message metadata names them.
It exits 1 if any of these is non-zero, 2 if the run did not finish in time. Nothing leaves this machine.

The server is started in one of two ways. By default (warm) a helper process imports the bot once and
forks a fresh process for each start, which runs `prevent-bot serve`'s own entry point (`bot.cli`):
a real process, killed for real, that skips the 1.5 to 6 seconds of imports a cold start costs on a
busy machine. With --cold every start executes `prevent-bot serve` afresh. After each kill the benchmark,
as a supervisor that knows the process is gone, ends the dead process's background-work lease; a real
restart waits for it to run out (up to 30 seconds) before it sends or runs turns.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import hashlib
import hmac
import itertools
import json
import os
import random
import re
import signal
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
from sqlalchemy import update
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import col, func, select

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.config import demo_text  # noqa: E402
from storage.crypto import Cipher  # noqa: E402
from storage.db import make_engine  # noqa: E402
from storage.models import Concern, InboundEvent, Outbox, WorkerLease  # noqa: E402
from tests.handlers.slack.fake_slack import TEAM, TOKEN, FakeSlack, dm  # noqa: E402  (the tests' own fake)
from tests.helpers import fresh_postgres, serve  # noqa: E402

SECRET = "crash-signing-secret"
KEY = "Y3Jhc2gtYmVuY2gta2V5LTMyLWJ5dGVzLWxvbmctMTI"  # made-up 32 bytes, benchmark only
DSL_CHANNEL = "G0CRASHDSL"
SLACK_TIMEOUT = 3.0  # Slack re-sends an event not answered 200 within 3 seconds
RESEND_SECONDS = 0.25  # how soon this "Slack" re-sends (real Slack: at once, then 1 and 5 minutes)
REPLY_WAIT = 3.0  # how long a person waits for the bot's reply before answering on
DELIVERY_WINDOW = 0.5  # seconds: longer than the bot ever takes to record a post Slack accepted (tens of ms)
IN_FLIGHT = 0.1  # seconds: a request the bot sent just before it was killed may reach Slack just after
REFERENCE = re.compile(r"C-\d{4}-\d{4}")
TAG = re.compile(r"\[telling (\d+)\]")


@dataclass
class Telling:
    """One concern a person finished telling (every answer accepted by the bot)."""

    number: int
    person: int


@dataclass
class Tally:
    """What the people did and saw."""

    tellings: list[Telling] = field(default_factory=list)
    events: int = 0
    resent: int = 0
    unanswered: int = 0  # answers with no reply within REPLY_WAIT: run only after a restart, or the reply lost


class WatchedSlack(FakeSlack):
    """The tests' fake Slack, also waking whoever waits for a post in a channel and timing each alert posted."""

    def __init__(self) -> None:
        super().__init__()
        self.posted: dict[str, asyncio.Event] = defaultdict(asyncio.Event)
        self.alerts: dict[str, list[float]] = defaultdict(list)  # reference -> when its alert was posted
        self.tagged: collections.Counter[str] = collections.Counter()  # "outbox row:part" -> times posted

    def m_chat_postMessage(self, args: dict[str, Any]) -> dict[str, Any]:
        """Answers like Slack and wakes the channel's waiter."""
        channel = str(args.get("channel", ""))
        if channel == DSL_CHANNEL and not args.get("thread_ts"):  # an alert (threaded updates excluded)
            for reference in set(REFERENCE.findall(json.dumps(args))):
                self.alerts[reference].append(time.monotonic())
        metadata = args.get("metadata")
        metadata = json.loads(metadata) if isinstance(metadata, str) else metadata
        if isinstance(metadata, dict) and isinstance(metadata.get("event_payload"), dict):
            tag = metadata["event_payload"]
            self.tagged[f"{tag.get('outbox')}:{tag.get('part')}"] += 1
        self.posted[channel].set()
        return super().m_chat_postMessage(args)


def journey(number: int) -> list[str]:
    """The answers of one concern, typed (no buttons), tagged so the stored concern can be found again."""
    return ["Raise a concern", "no", "a child", "Jamie Crashpupil", "Year 9",
            f"[telling {number}] Came in hungry again, no coat", "That's all", "I haven't eaten since Friday",
            "Neglect", "That's all", "just now", "Form room", "Gave breakfast, listened", "Nobody else",
            "Nobody else", "yes", "Send to the DSL team"]


def signed(body: bytes, retry: int) -> dict[str, str]:
    """Slack's headers for an event: a fresh v0 signature, and the retry count on a re-send."""
    stamp = str(int(time.time()))
    digest = hmac.new(SECRET.encode(), f"v0:{stamp}:".encode() + body, hashlib.sha256).hexdigest()
    headers = {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": f"v0={digest}",
               "Content-Type": "application/json"}
    if retry:
        headers |= {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_error"}
    return headers


class People:
    """The members of staff raising concerns, each in their own DM, one answer at a time."""

    def __init__(self, url: str, fake: WatchedSlack, count: int) -> None:
        self.url, self.fake, self.count = url, fake, count
        self.tally = Tally()
        self.stop = asyncio.Event()  # set when the kills are over: each person finishes the concern in hand
        self._numbers = itertools.count(1)
        self._event_ids = itertools.count(1)
        for n in range(count):
            fake.users[user_of(n)] = {"name": f"Crash Person {n}", "email": f"crash.person{n}@school.example"}

    async def run(self) -> None:
        """Runs everyone until `stop`, each ending with a whole concern told."""
        timeout = aiohttp.ClientTimeout(total=SLACK_TIMEOUT)
        async with aiohttp.ClientSession(timeout=timeout) as http:
            await asyncio.gather(*(self._person(http, n) for n in range(self.count)))

    async def _person(self, http: aiohttp.ClientSession, n: int) -> None:
        while not self.stop.is_set():
            telling = Telling(next(self._numbers), n)
            for text in journey(telling.number):
                await self._answer(http, n, text)
            self.tally.tellings.append(telling)

    async def _answer(self, http: aiohttp.ClientSession, n: int, text: str) -> None:
        """Sends one answer until the bot accepts it (200), then waits a little for the reply."""
        channel = dm(user_of(n))
        body = event_body(user_of(n), channel, text, f"EvCRASH{next(self._event_ids):08d}")
        posted = self.fake.posted[channel]
        posted.clear()
        for retry in itertools.count():
            if await self._send(http, body, retry):
                break
            self.tally.resent += 1
            await asyncio.sleep(RESEND_SECONDS)
        self.tally.events += 1
        try:
            await asyncio.wait_for(posted.wait(), REPLY_WAIT)
        except TimeoutError:
            self.tally.unanswered += 1

    async def _send(self, http: aiohttp.ClientSession, body: bytes, retry: int) -> bool:
        """Posts one event callback; True on 200 (anything else, or no answer in time, means send it again)."""
        try:
            async with http.post(f"{self.url}/slack/events", data=body, headers=signed(body, retry)) as response:
                await response.read()
                return response.status == 200
        except (aiohttp.ClientError, TimeoutError):
            return False


def user_of(n: int) -> str:
    """The Slack user id of person `n`."""
    return f"UCRASH{n:03d}"


def event_body(user: str, channel: str, text: str, event_id: str) -> bytes:
    """A `message.im` event callback, as Slack sends it."""
    event = {"type": "message", "channel_type": "im", "channel": channel, "user": user, "text": text,
             "ts": f"{time.time():.6f}"}
    return json.dumps({"token": "legacy", "team_id": TEAM, "api_app_id": "A0CRASH", "type": "event_callback",
                       "event_id": event_id, "event_time": int(time.time()), "event": event}).encode()


def receipts(fake: FakeSlack, people: int) -> set[str]:
    """The references the bot gave in receipts in people's DMs ("sent privately to the DSL team … C-2026-0001")."""
    return {ref for n in range(people) for call in fake.posts(dm(user_of(n))) if "sent privately" in call.text
            for ref in REFERENCE.findall(call.text)}


# --- the server ---------------------------------------------------------------------------------

class Servers:
    """Starts `prevent-bot serve`, kills it, and knows when a killed one is gone."""

    def __init__(self, env: dict[str, str], logs: Path, cold: bool) -> None:
        self.env, self.logs, self.cold = env, logs, cold
        self._zygote: asyncio.subprocess.Process | None = None
        self._cold: dict[int, asyncio.subprocess.Process] = {}
        self.live: set[int] = set()
        self.kills: list[float] = []  # when each SIGKILL was sent
        self.starts = 0

    async def start(self) -> int:
        """Starts a server; returns its process id."""
        self.starts += 1
        log = self.logs / f"serve-{self.starts:04d}.log"
        if self.cold:
            with log.open("wb") as out:
                process = await asyncio.create_subprocess_exec(
                    str(Path(sys.executable).parent / "prevent-bot"), "serve", "--demo", cwd=ROOT, env=self.env,
                    stdin=asyncio.subprocess.DEVNULL, stdout=out, stderr=out)
            self._cold[process.pid] = process
            self.live.add(process.pid)
            return process.pid
        pid = int(await self._ask(f"start {log}"))
        self.live.add(pid)
        return pid

    async def kill(self, pid: int) -> None:
        """SIGKILLs a server and waits until the process is gone."""
        self.kills.append(time.monotonic())
        os.kill(pid, signal.SIGKILL)
        await self.reap(pid)

    async def reap(self, pid: int) -> None:
        """Waits for a server process to end."""
        self.live.discard(pid)
        if self.cold:
            await self._cold.pop(pid).wait()
        else:
            await self._ask(f"reap {pid}")

    async def _ask(self, line: str) -> str:
        """Asks the warm helper to start or reap a server; returns its answer."""
        if self._zygote is None:
            self._zygote = await asyncio.create_subprocess_exec(
                sys.executable, __file__, "--zygote", cwd=ROOT, env=self.env,
                stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE)
        assert self._zygote.stdin is not None
        assert self._zygote.stdout is not None
        self._zygote.stdin.write(line.encode() + b"\n")
        await self._zygote.stdin.drain()
        answer = await self._zygote.stdout.readline()
        if not answer:
            raise RuntimeError("the warm start helper died")
        return answer.decode().strip()

    async def close(self) -> None:
        """Kills any server still running (a run that failed or ran out of time), then ends the warm helper."""
        for pid in list(self.live):
            await self.kill(pid)
        if self._zygote is not None and self._zygote.stdin is not None:
            self._zygote.stdin.close()
            await self._zygote.wait()


def zygote() -> None:
    """The warm helper: imports the bot once, then forks a `prevent-bot serve` for each "start LOG" line."""
    import bot.cli
    import bot.delivery.slack
    import bot.delivery.teams
    import bot.jobs.scheduler
    import bot.server  # noqa: F401  (imported here once, not in every server)

    while line := sys.stdin.readline():
        command, _, argument = line.strip().partition(" ")
        if command == "start":
            answer = str(_fork_server(argument))
        elif command == "reap":
            answer = str(os.waitpid(int(argument), 0)[1])
        else:
            continue
        sys.stdout.write(answer + "\n")
        sys.stdout.flush()


def _fork_server(log: str) -> int:
    """Forks a process that runs `prevent-bot serve` with its output in `log`; returns its pid."""
    pid = os.fork()
    if pid:
        return pid
    code = 1
    try:
        out = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
        os.dup2(out, 1)
        os.dup2(out, 2)
        sys.argv = ["prevent-bot", "serve", "--demo"]  # the demo school, made-up people
        from bot.cli import main

        main()
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    finally:
        os._exit(code)


# --- the database -------------------------------------------------------------------------------

class Store:
    """The benchmark's own view of the bot's database: lease hand-over, draining, and the final count."""

    def __init__(self, url: str) -> None:
        self.engine = make_engine(url)

    async def end_lease(self) -> None:
        """Ends the background-work lease of a server that is known to be dead (so the next takes it at once)."""
        try:
            async with self.engine.begin() as connection:
                await connection.execute(update(WorkerLease).values(expires_at=datetime(2000, 1, 1, tzinfo=UTC)))
        except SQLAlchemyError as exc:  # no table yet: the server died before its migrations committed
            print(f"(no lease to end: {type(exc).__name__})", file=sys.stderr)

    async def pending(self) -> int:
        """Inbox events and outbox messages not yet done (0 once the bot has drained)."""
        async with self.engine.connect() as connection:
            inbox = (await connection.execute(select(func.count()).select_from(InboundEvent)
                                              .where(col(InboundEvent.status) == "pending"))).scalar_one()
            outbox = (await connection.execute(select(func.count()).select_from(Outbox)
                                               .where(col(Outbox.status) == "pending"))).scalar_one()
        return int(inbox) + int(outbox)

    async def parked(self) -> int:
        """Inbox events given up on after many failures (an admin would have to look)."""
        async with self.engine.connect() as connection:
            return int((await connection.execute(select(func.count()).select_from(InboundEvent)
                                                 .where(col(InboundEvent.status) == "failed"))).scalar_one())

    async def concerns(self) -> list[tuple[str, int | None]]:
        """Every stored concern: its reference and the telling its tag names (None if it has none)."""
        cipher = Cipher.from_keys(KEY, "")
        async with self.engine.connect() as connection:
            rows = (await connection.execute(select(col(Concern.reference), col(Concern.details_enc)))).all()
        found = []
        for reference, sealed in rows:
            match = TAG.search(str(json.loads(cipher.decrypt(sealed)).get("seen_heard", "")))
            found.append((str(reference), int(match.group(1)) if match else None))
        return found

    async def close(self) -> None:
        await self.engine.dispose()


@asynccontextmanager
async def database(postgres: str, folder: Path) -> AsyncIterator[str]:
    """A fresh database URL: a SQLite file in `folder`, or a new database on the PostgreSQL server (dropped after)."""
    if not postgres:
        yield f"sqlite:///{folder / 'crash.db'}"
        return
    async with fresh_postgres(postgres, prefix="prevent_crash") as url:
        yield url


# --- the run ------------------------------------------------------------------------------------

@dataclass
class Options:
    """What to run."""

    kills: int = 200
    people: int = 8
    postgres: str = ""
    cold: bool = False
    up: float = 1.5  # a server is killed a random time up to this long after it came up
    early: float = 0.1  # the share of kills that come while the server is still starting
    seed: int = 0
    deadline: float = 0.0  # seconds for the whole run (0: worked out from the kills)


@dataclass
class Result:
    """The figures of one run."""

    lost_tellings: int
    lost_receipts: int
    duplicated: int
    alerts_missing: int  # concerns whose alert never reached the DSL channel
    alerts_again: int  # alerts posted again with no kill in their delivery window: a bug
    alerts_again_after_kill: int  # posted again, a kill in the window between Slack's answer and the bot's record
    tally: Tally
    messages_twice: int  # outbox messages posted again under the same row and part
    kills: int
    parked: int
    seconds: float

    @property
    def ok(self) -> bool:
        return not (self.lost_tellings or self.lost_receipts or self.duplicated or self.alerts_missing
                    or self.alerts_again or self.alerts_again_after_kill or self.messages_twice)


async def wait_up(http: aiohttp.ClientSession, url: str, seconds: float) -> bool:
    """Waits until the server answers /healthz; False if it has not within `seconds`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            async with http.get(f"{url}/healthz") as response:
                if response.status == 200:
                    return True
        except aiohttp.ClientError:
            pass
        await asyncio.sleep(0.02)
    return False


async def supervise(options: Options, servers: Servers, store: Store, url: str, rng: random.Random) -> int:
    """Starts and kills the server `options.kills` times at random moments; returns the pid left running."""
    startup = 2.0  # seconds a start takes, as last measured (for kills during start-up)
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=1)) as http:
        for _ in range(options.kills):
            started = time.monotonic()
            pid = await servers.start()
            if rng.random() < options.early:
                await asyncio.sleep(rng.uniform(0, startup))
            else:
                if not await wait_up(http, url, 60):
                    raise RuntimeError("the server did not come up in 60 s (see its log)")
                startup = time.monotonic() - started
                await asyncio.sleep(rng.uniform(0, options.up))
            await servers.kill(pid)
            await store.end_lease()
        pid = await servers.start()
        if not await wait_up(http, url, 60):
            raise RuntimeError("the last server did not come up in 60 s (see its log)")
    return pid


async def drain(store: Store, seconds: float) -> None:
    """Waits until nothing is pending in the inbox or the outbox (for a moment), or `seconds` pass."""
    deadline, quiet = time.monotonic() + seconds, 0
    while time.monotonic() < deadline and quiet < 5:
        quiet = quiet + 1 if await store.pending() == 0 else 0
        await asyncio.sleep(0.3)


def alerts_again(alerts: dict[str, list[float]], kills: list[float]) -> tuple[int, int]:
    """Counts alerts posted again: (with no kill around the post before, after such a kill).

    A post Slack accepted is recorded by the bot a moment later (DELIVERY_WINDOW at most, here tens of
    milliseconds); a server killed in between, or with the request on its way (IN_FLIGHT), would post it
    again after its restart if it did not first look in the DSL channel. Both kinds are failures now.
    """
    unexplained = explained = 0
    for reference, times in alerts.items():
        for before, after in itertools.pairwise(times):
            if any(before - IN_FLIGHT <= kill <= min(before + DELIVERY_WINDOW, after) for kill in kills):
                explained += 1
                continue
            unexplained += 1
            between = [f"{kill - before:+.3f}" for kill in kills if before - 1 <= kill <= after]
            print(f"{reference}: alert posted again {after - before:.3f} s after the first time; kills at "
                  f"{', '.join(between) or 'none'} s from it", file=sys.stderr)
    return unexplained, explained


def tally_result(tellings: list[Telling], stored: list[tuple[str, int | None]], seen: set[str],
                 alerts: dict[str, list[float]]) -> tuple[int, int, int, int]:
    """Counts (tellings with no concern, receipts with no concern, extra concerns, alerts never posted)."""
    per_telling: dict[int | None, int] = defaultdict(int)
    for _, number in stored:
        per_telling[number] += 1
    told = {t.number for t in tellings}
    references = {reference for reference, _ in stored}
    lost_tellings = len(told - set(per_telling))
    lost_receipts = len(seen - references)
    duplicated = sum(n - 1 if number in told else n for number, n in per_telling.items())
    missing = sum(1 for reference in references if not alerts.get(reference))
    return lost_tellings, lost_receipts, duplicated, missing


def server_env(url: str, database_url: str, fake_url: str, folder: Path) -> dict[str, str]:
    """The server's environment: loopback only, this run's database, the fake Slack."""
    school = folder / "school.toml"
    text = demo_text().replace('platform = "console"', 'platform = "slack"')
    school.write_text(text.replace('dsl_channel = ""', f'dsl_channel = "{DSL_CHANNEL}"'), encoding="utf-8")
    port = url.rsplit(":", 1)[1]
    return {"PATH": os.environ.get("PATH", ""), "HOME": str(folder), "DATABASE_URL": database_url,
            "PREVENT_DATA_KEY": KEY, "PREVENT_CONFIG": str(school), "PORT": port, "PREVENT_HOST": "127.0.0.1",
            "SLACK_BOT_TOKEN": TOKEN, "SLACK_SIGNING_SECRET": SECRET, "SLACK_API_URL": f"{fake_url}/api/",
            "SLACK_APP_TOKEN": "", "PREVENT_LOG_LEVEL": "WARNING", "PYTHONPATH": str(ROOT), **same_clock()}


def same_clock() -> dict[str, str]:
    """The settings that move this process's clock (libfaketime, the time zone), so the server keeps the same time.

    Slack's request signatures carry a timestamp: a server on another clock would refuse every event as stale.
    """
    names = ("LD_PRELOAD", "FAKETIME", "FAKETIME_DONT_RESET", "TZ")
    return {name: os.environ[name] for name in names if name in os.environ}


def fake_slack() -> WatchedSlack:
    """The fake Slack with a private DSL channel the bot is in (and nobody outside the DSL team)."""
    fake = WatchedSlack()
    fake.users["UBOT"] = {"name": "prevent-duty-assistant", "email": "", "is_bot": True}
    fake.channels[DSL_CHANNEL] = {"name": "dsl-team", "is_private": True, "is_member": True, "members": ["UBOT"]}
    return fake


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def run(options: Options) -> Result:
    """One whole run: the fake Slack, the people, the kills, the drain and the count."""
    rng = random.Random(options.seed or None)
    began = time.monotonic()
    fake = fake_slack()
    runner, fake_url = await serve(fake.app())
    url = f"http://127.0.0.1:{free_port()}"
    with tempfile.TemporaryDirectory(prefix="prevent-crash-") as name:
        folder = Path(name)
        async with database(options.postgres, folder) as database_url:
            servers = Servers(server_env(url, database_url, fake_url, folder), folder, options.cold)
            store = Store(database_url)
            people = People(url, fake, options.people)
            talking = asyncio.create_task(people.run())
            try:
                pid = await supervise(options, servers, store, url, rng)
                people.stop.set()
                await talking
                await drain(store, 60)
                os.kill(pid, signal.SIGTERM)
                await servers.reap(pid)
                stored, parked = await store.concerns(), await store.parked()
            except BaseException:
                talking.cancel()
                print_logs(folder)
                raise
            finally:
                await servers.close()
                await store.close()
    await runner.cleanup()
    counts = tally_result(people.tally.tellings, stored, receipts(fake, options.people), fake.alerts)
    again = alerts_again(fake.alerts, servers.kills)
    twice = sum(times - 1 for times in fake.tagged.values())
    return Result(*counts, *again, tally=people.tally, messages_twice=twice, kills=options.kills, parked=parked,
                  seconds=time.monotonic() - began)


def print_logs(folder: Path) -> None:
    """Prints the end of the newest server log (the bot logs no concern text)."""
    logs = sorted(folder.glob("serve-*.log"))
    if logs:
        print(f"--- end of {logs[-1].name} ---\n{logs[-1].read_text(errors='replace')[-3000:]}", file=sys.stderr)


def report(result: Result, options: Options) -> None:
    """Prints the figures."""
    tally = result.tally
    database = "PostgreSQL" if options.postgres else "SQLite"
    start = "cold" if options.cold else "warm"
    print(f"{result.kills} kills (SIGKILL) of prevent-bot serve ({database}, {start} starts), {options.people} people, "
          f"{len(tally.tellings)} concerns told in {tally.events} events ({tally.resent} re-sent), "
          f"{result.seconds:.0f} s")
    print(f"concerns lost: {result.lost_tellings + result.lost_receipts} (tellings with no stored concern: "
          f"{result.lost_tellings}; receipts with no stored concern: {result.lost_receipts})")
    print(f"concerns duplicated: {result.duplicated}")
    again = result.alerts_again + result.alerts_again_after_kill
    print(f"DSL alerts duplicated or missing: {again + result.alerts_missing} (never posted: "
          f"{result.alerts_missing}; posted again: {again}, of which after a kill in their delivery window: "
          f"{result.alerts_again_after_kill})")
    print(f"outbox messages posted twice: {result.messages_twice} (alerts, updates and DMs, by their metadata)")
    print(f"also: {tally.unanswered} answers with no reply within {REPLY_WAIT:.0f} s (accepted just before a kill and "
          f"run after the restart, or the reply lost to a kill just after the turn committed); "
          f"{result.parked} inbox events parked as failed")


def parse(argv: list[str]) -> Options:
    """Reads the command line."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n", 1)[0])
    parser.add_argument("--kills", type=int, default=200, help="times the server is killed (default 200)")
    parser.add_argument("--people", type=int, default=8, help="people raising concerns at once (default 8)")
    parser.add_argument("--postgres", default="", metavar="URL",
                        help="a PostgreSQL server where a fresh database may be made (default: SQLite)")
    parser.add_argument("--cold", action="store_true", help="start `prevent-bot serve` afresh each time")
    parser.add_argument("--up", type=float, default=1.5, help="kill up to this many seconds after it is up")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default: a new one)")
    parser.add_argument("--deadline", type=float, default=0.0, help="give up after this many seconds")
    values = parser.parse_args(argv)
    return Options(kills=values.kills, people=values.people, postgres=values.postgres, cold=values.cold,
                   up=values.up, seed=values.seed, deadline=values.deadline)


def main(argv: list[str] | None = None) -> int:
    """Runs the benchmark; 0 when nothing was lost or doubled, 1 when something was, 2 when it ran out of time."""
    options = parse(sys.argv[1:] if argv is None else argv)
    deadline = options.deadline or 120 + options.kills * (12 if options.cold else 5)
    try:
        result = asyncio.run(asyncio.wait_for(run(options), deadline))
    except TimeoutError:
        print(f"crash.py did not finish within {deadline:.0f} s", file=sys.stderr)
        return 2
    report(result, options)
    return 0 if result.ok else 1


if __name__ == "__main__":
    if sys.argv[1:] == ["--zygote"]:
        zygote()
        sys.exit(0)
    sys.exit(main())
