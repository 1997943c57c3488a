"""Benchmark: signed Slack events over HTTP to `prevent-bot serve`, to the durable floor, and to a bare Bolt app.

Run from the repository root:

    .venv/bin/python bench/slack_events.py --events 2000 --concurrency 20 --rounds 3

It starts a fake Slack Web API on 127.0.0.1 (in this process) and three servers, each a subprocess:
- `prevent-bot serve --demo` on a fresh database;
- the durable floor: a bare Bolt app that seals each direct-message event with AES-GCM and commits it,
  one transaction per event, before answering 200, on the same database kind with the same engine and
  pragmas as the bot (`storage.db.make_engine`) and, on SQLite, one writer at a time as in the bot. It
  is what any bot that loses nothing on a crash must pay at least;
- a bare Bolt app that only acknowledges (a second reference).
Each of the CONCURRENCY senders is one member of staff in the middle of raising a concern: they alternate
a pupil's name (the dialog moves on) and "back" (it moves back), so every event to the bot is a full dialog
turn with the session loaded and saved and the next question posted to the fake Slack. Latency is from
sending the request to Slack's 200 (the event is stored, encrypted, before that answer; the turn runs just
after). "Turns completed" counts the replies the fake Slack received, up to the last one. The contestants
take turns, ROUNDS times (bot, floor, bare), and the bot's backlog is drained (every reply posted) before
the next contestant starts, so no two share the CPU. Nothing leaves this machine.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import itertools
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

ROOT = Path(__file__).resolve().parent.parent
SECRET = "bench-signing-secret"
TOKEN = "xoxb-bench"
TEAM = "T0BENCH"
DSL_CHANNEL = "G0BENCHDSL"
KEY = "YmVuY2gta2V5LTMyLWJ5dGVzLWxvbmctMTIzNDU2Nzg"  # made-up 32 bytes, benchmark only


class FakeSlack:
    """The Web API methods the bot calls, answered at once."""

    def __init__(self) -> None:
        self.ts = itertools.count(1)
        self.calls = 0
        self.posts = 0  # chat.postMessage calls: each finished turn posts its next question
        self.last_post = 0.0
        self.waiting: dict[str, asyncio.Future[float]] = {}  # channel -> a sender waiting for its reply

    def app(self) -> web.Application:
        web_app = web.Application()
        web_app.router.add_route("*", "/api/{method}", self.handle)
        return web_app

    async def handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        await request.read()
        self.calls += 1
        args = dict(request.query)
        if request.content_type == "application/x-www-form-urlencoded":
            args.update({k: str(v) for k, v in (await request.post()).items()})
        if request.content_type == "application/json":
            args.update({k: str(v) for k, v in (await request.json()).items()})
        if method == "chat.postMessage":
            self.posts, self.last_post = self.posts + 1, time.perf_counter()
            waiter = self.waiting.pop(args.get("channel", ""), None)
            if waiter is not None and not waiter.done():
                waiter.set_result(self.last_post)
        answers: dict[str, dict[str, Any]] = {
            "auth.test": {"team_id": TEAM, "user_id": "UBOT", "bot_id": "BBOT"},
            "users.info": {"user": {"id": args.get("user", ""), "profile": {
                "email": f"{args.get('user', '').lower()}@school.example", "real_name": "Bench Teacher"}}},
            "conversations.open": {"channel": {"id": "D" + args.get("users", "")}},
            "conversations.info": {"channel": {"id": DSL_CHANNEL, "name": "dsl", "is_private": True,
                                               "is_member": True}},
            "chat.postMessage": {"ts": f"1700000000.{next(self.ts):06d}"},
        }
        return web.json_response({"ok": True, **answers.get(method, {})})


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def signed(body: bytes) -> dict[str, str]:
    stamp = str(int(time.time()))
    digest = hmac.new(SECRET.encode(), f"v0:{stamp}:".encode() + body, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": f"v0={digest}",
            "Content-Type": "application/json"}


EVENT_IDS = itertools.count(1)


def dm_event(user: str, text: str) -> bytes:
    event = {"type": "message", "channel_type": "im", "channel": f"D{user}", "user": user, "text": text,
             "ts": f"{time.time():.6f}"}
    return json.dumps({"team_id": TEAM, "api_app_id": "A0BENCH", "type": "event_callback",
                       "event_id": f"EvB{next(EVENT_IDS):09d}", "event_time": int(time.time()),
                       "event": event}).encode()


async def send(http: aiohttp.ClientSession, url: str, body: bytes) -> float:
    """Posts one signed event; returns the seconds until the answer."""
    start = time.perf_counter()
    async with http.post(url, data=body, headers=signed(body)) as response:
        await response.read()
        if response.status != 200:
            raise RuntimeError(f"{url} answered {response.status}")
    return time.perf_counter() - start


async def run_load(url: str, events: int, concurrency: int, setup: list[str], loop: list[str],
                   fake: FakeSlack | None = None, wait_reply: bool = False) -> dict[str, float]:
    """Each sender is one user: the setup messages, then the loop messages until all events are sent.

    With `fake`, also waits until every turn has posted its reply and reports turns completed a second.
    With `wait_reply`, each sender waits for the bot's reply before its next message, as a person does,
    and the reply latency (sending to the reply reaching the fake Slack) is reported too.
    """
    per_sender = events // concurrency
    latencies: list[float] = []
    reply_latencies: list[float] = []
    connector = aiohttp.TCPConnector(limit=concurrency * 2)
    async with aiohttp.ClientSession(connector=connector) as http:

        async def prepare(n: int) -> None:
            for text in setup:
                await send(http, url, dm_event(f"UBENCH{n:03d}", text))

        async def sender(n: int) -> None:
            user = f"UBENCH{n:03d}"
            for i in range(per_sender):
                if not (wait_reply and fake):
                    latencies.append(await send(http, url, dm_event(user, loop[i % len(loop)])))
                    continue
                replied = fake.waiting[f"D{user}"] = asyncio.get_running_loop().create_future()
                start = time.perf_counter()
                latencies.append(await send(http, url, dm_event(user, loop[i % len(loop)])))
                reply_latencies.append(await asyncio.wait_for(replied, 30) - start)

        await asyncio.gather(*(prepare(n) for n in range(concurrency)))
        await settle(fake)
        posts_before = fake.posts if fake else 0
        started = time.perf_counter()
        await asyncio.gather(*(sender(n) for n in range(concurrency)))
        elapsed = time.perf_counter() - started
        await settle(fake, expect=posts_before + len(latencies))  # every message gets one reply
    latencies.sort()
    result = {"p50_ms": statistics.median(latencies) * 1000,
              "p99_ms": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000,
              "events_per_s": len(latencies) / elapsed, "events": len(latencies)}
    if reply_latencies:
        reply_latencies.sort()
        result["reply_p50_ms"] = statistics.median(reply_latencies) * 1000
        result["reply_p99_ms"] = reply_latencies[min(len(reply_latencies) - 1, int(len(reply_latencies) * 0.99))] * 1000
    if fake is not None:
        result["replies"] = fake.posts - posts_before
        result["turns_per_s"] = result["replies"] / max(fake.last_post - started, elapsed)
    return result


async def settle(fake: FakeSlack | None, expect: int = 0, quiet: float = 0.5, stalled: float = 10.0) -> None:
    """Waits until the fake Slack has `expect` replies (or, without one, none for `quiet` seconds).

    Fails if replies stop coming for `stalled` seconds before that: a stalled bot is a finding, not a figure.
    """
    if fake is None:
        return
    seen, still = -1, 0.0
    while (fake.posts < expect) if expect else (seen != fake.posts):
        still = still + quiet if seen == fake.posts else 0.0
        if still >= stalled:
            raise RuntimeError(f"the bot stopped replying: {fake.posts} of {expect} replies after {stalled:.0f} s")
        seen = fake.posts
        await asyncio.sleep(quiet)


def school_file(folder: Path) -> Path:
    sys.path.insert(0, str(ROOT))
    from bot.config import demo_text

    text = demo_text().replace('platform = "console"', 'platform = "slack"')
    path = folder / "school.toml"
    path.write_text(text.replace('dsl_channel = ""', f'dsl_channel = "{DSL_CHANNEL}"'), encoding="utf-8")
    return path


async def wait_up(url: str, seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    async with aiohttp.ClientSession() as http:
        while time.monotonic() < deadline:
            try:
                async with http.get(url) as response:
                    if response.status < 500:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.2)
    raise RuntimeError(f"{url} did not come up")


def bare_bolt_main(port: int, api_url: str) -> None:
    """A Bolt app that only acknowledges message events (the baseline)."""
    from slack_bolt.async_app import AsyncApp
    from slack_sdk.web.async_client import AsyncWebClient

    bolt = AsyncApp(signing_secret=SECRET, client=AsyncWebClient(token=TOKEN, base_url=api_url),
                    process_before_response=True)

    @bolt.event("message")
    async def acknowledge_only() -> None:
        return None

    serve_bolt(bolt, port)


FLOOR_TABLE = "bench_floor_event"


def durable_floor_main(port: int, api_url: str, database_url: str) -> None:
    """A Bolt app that seals each message event and commits it, one transaction per event, before the 200.

    It talks to the database through the plainest driver there is, to be a floor: on SQLite, Python's
    sqlite3 on the event loop's own thread (no hop to a worker thread), with the bot's pragmas; on
    PostgreSQL, an asyncpg pool of the bot's size.
    """
    import base64

    from cryptography.hazmat.primitives.ciphers.aead import AESGCM
    from slack_bolt.async_app import AsyncApp
    from slack_sdk.web.async_client import AsyncWebClient

    sys.path.insert(0, str(ROOT))
    from storage.db import sqlite_file

    sealer = AESGCM(base64.urlsafe_b64decode(KEY + "=" * (-len(KEY) % 4)))
    bolt = AsyncApp(signing_secret=SECRET, client=AsyncWebClient(token=TOKEN, base_url=api_url),
                    process_before_response=True)
    commit = sqlite_floor(sqlite_file(database_url)) if database_url.startswith("sqlite") else None
    pool: Any = None

    @bolt.event("message")
    async def seal_and_commit(body: dict[str, Any]) -> None:
        nonce = os.urandom(12)
        sealed = nonce + sealer.encrypt(nonce, json.dumps(body["event"]).encode(), None)
        if commit is not None:
            commit(body["event_id"], sealed)
            return
        async with pool.acquire() as connection, connection.transaction():
            await connection.execute(f"INSERT INTO {FLOOR_TABLE} (event_id, sealed) VALUES ($1, $2) "
                                     "ON CONFLICT (event_id) DO NOTHING", body["event_id"], sealed)

    async def open_pool(_: web.Application) -> None:
        nonlocal pool
        import asyncpg

        pool = await asyncpg.create_pool(database_url, min_size=10, max_size=20)
        await pool.execute(f"CREATE TABLE IF NOT EXISTS {FLOOR_TABLE} (event_id TEXT PRIMARY KEY, sealed BYTEA)")

    serve_bolt(bolt, port, None if commit is not None else open_pool)


def sqlite_floor(path: Path | None) -> Any:
    """A function that commits one sealed event to a SQLite file, in its own transaction, with the bot's pragmas."""
    import sqlite3

    from storage.db import SQLITE_PRAGMAS

    assert path is not None, "the floor needs a SQLite file"
    connection = sqlite3.connect(path, isolation_level=None)
    for pragma in SQLITE_PRAGMAS:
        connection.execute(f"PRAGMA {pragma}")
    connection.execute(f"CREATE TABLE IF NOT EXISTS {FLOOR_TABLE} (event_id TEXT PRIMARY KEY, sealed BLOB)")
    insert = f"INSERT INTO {FLOOR_TABLE} (event_id, sealed) VALUES (?, ?) ON CONFLICT (event_id) DO NOTHING"

    def commit(event_id: str, sealed: bytes) -> None:
        connection.execute("BEGIN IMMEDIATE")
        connection.execute(insert, (event_id, sealed))
        connection.execute("COMMIT")

    return commit


def serve_bolt(bolt: Any, port: int, on_startup: Any = None) -> None:
    """Serves a Bolt app's /slack/events and a /healthz on 127.0.0.1 (aiohttp, as the bot does)."""
    from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request

    async def handle(request: web.Request) -> web.Response:
        return await to_aiohttp_response(await bolt.async_dispatch(await to_bolt_request(request)))

    async def healthz(_: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    web_app = web.Application()
    web_app.router.add_post("/slack/events", handle)
    web_app.router.add_get("/healthz", healthz)
    if on_startup is not None:
        web_app.on_startup.append(on_startup)
    web.run_app(web_app, host="127.0.0.1", port=port, print=None, access_log=None)


def start_server(args: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(args, env={**os.environ, **env}, cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


async def main(events: int, concurrency: int, database_url: str, wait_reply: bool, rounds: int) -> None:
    fake = FakeSlack()
    runner = web.AppRunner(fake.app(), access_log=None)
    await runner.setup()
    fake_port = free_port()
    await web.TCPSite(runner, "127.0.0.1", fake_port).start()
    api_url = f"http://127.0.0.1:{fake_port}/api/"
    bot_port, floor_port, bare_port = free_port(), free_port(), free_port()
    results: list[dict[str, dict[str, float]]] = []
    with tempfile.TemporaryDirectory() as folder:
        env = {"DATABASE_URL": database_url or f"sqlite:///{folder}/bench.db", "PREVENT_DATA_KEY": KEY,
               "PREVENT_CONFIG": str(school_file(Path(folder))), "PORT": str(bot_port), "SLACK_BOT_TOKEN": TOKEN,
               "SLACK_SIGNING_SECRET": SECRET, "SLACK_API_URL": api_url, "SLACK_APP_TOKEN": ""}
        floor_url = database_url or f"sqlite:///{folder}/floor.db"
        python = sys.executable
        servers = [start_server([python, "-m", "bot", "serve", "--demo"], env),
                   start_server([python, __file__, "--durable-floor", str(floor_port), api_url, floor_url], {}),
                   start_server([python, __file__, "--bare-bolt", str(bare_port), api_url], {})]
        try:
            for port in (bot_port, floor_port, bare_port):
                await wait_up(f"http://127.0.0.1:{port}/healthz")
            for round_number in range(rounds):
                setup = ["Raise a concern", "no", "a child"] if round_number == 0 else []
                bot = await run_load(f"http://127.0.0.1:{bot_port}/slack/events", events, concurrency,
                                     setup, ["Jamie Benchpupil", "back"], fake, wait_reply)
                floor = await run_load(f"http://127.0.0.1:{floor_port}/slack/events", events, concurrency,
                                       ["hello"], ["Jamie Benchpupil", "back"])
                bare = await run_load(f"http://127.0.0.1:{bare_port}/slack/events", events, concurrency, ["hello"],
                                      ["Jamie Benchpupil", "back"])
                results.append({"bot": bot, "floor": floor, "bare": bare})
        finally:
            for server in servers:
                server.terminate()
                server.wait(10)
    await runner.cleanup()
    report(results, events, concurrency, "PostgreSQL" if database_url.startswith("postgres") else "SQLite",
           wait_reply)


REPLY_P99_TARGET_MS = {"PostgreSQL": 150.0, "SQLite": 250.0}
FLOOR_RATIO_TARGET = 0.8


def report(results: list[dict[str, dict[str, float]]], events: int, concurrency: int, database: str,
           wait_reply: bool) -> None:
    """Prints each round's figures, each contestant's median over the rounds, and the ratios to the floor."""
    mode = ", each waiting for the reply before the next message" if wait_reply else ""
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"{events} events per contestant per round, {len(results)} round(s), {concurrency} concurrent senders"
          f"{mode}, {os.cpu_count()} CPUs, {database}; load average {load}")
    names = {"bot": "prevent-bot serve", "floor": "durable floor (Bolt+seal+commit)", "bare": "bare Bolt (ack only)"}
    print(f"{'round':<7}{'':<34}{'p50 ms':>9}{'p99 ms':>9}{'events/s':>10}")
    for number, result in enumerate(results, 1):
        for key, name in names.items():
            figures = result[key]
            print(f"{number:<7}{name:<34}{figures['p50_ms']:>9.1f}{figures['p99_ms']:>9.1f}"
                  f"{figures['events_per_s']:>10.0f}")
        print(f"{'':<7}prevent-bot turns completed: {result['bot']['turns_per_s']:.0f}/s "
              f"({result['bot']['replies']:.0f} replies for {result['bot']['events']:.0f} events)")

    def median(key: str, figure: str) -> float:
        return statistics.median(result[key][figure] for result in results)

    ratios = [result["bot"]["events_per_s"] / result["floor"]["events_per_s"] for result in results]
    print(f"medians: bot {median('bot', 'events_per_s'):.0f} acknowledged/s (p99 {median('bot', 'p99_ms'):.1f} ms), "
          f"{median('bot', 'turns_per_s'):.0f} turns/s; floor {median('floor', 'events_per_s'):.0f}/s; "
          f"bare {median('bare', 'events_per_s'):.0f}/s")

    def verdict(ok: bool) -> str:
        return "met" if ok else "NOT met"

    if wait_reply:
        reply_p99 = median("bot", "reply_p99_ms")
        target = REPLY_P99_TARGET_MS[database]
        print(f"prevent-bot reply latency (message sent -> reply posted): p50 {median('bot', 'reply_p50_ms'):.1f} ms, "
              f"p99 {reply_p99:.1f} ms; target p99 < {target:g} ms on {database} -> {verdict(reply_p99 < target)}")
        print("(no throughput ratio: here the bot's senders wait for replies and the floor's do not)")
        return
    ratio = statistics.median(ratios)
    print(f"acknowledged ratio, prevent-bot / durable floor, per round: {', '.join(f'{r:.2f}' for r in ratios)}; "
          f"median {ratio:.2f} (target >= {FLOOR_RATIO_TARGET:g} -> {verdict(ratio >= FLOOR_RATIO_TARGET)})")
    bare_ratios = [result["bot"]["events_per_s"] / result["bare"]["events_per_s"] for result in results]
    print(f"for reference, prevent-bot / bare Bolt: median {statistics.median(bare_ratios):.2f} acknowledged; "
          f"durable floor / bare Bolt: median "
          f"{statistics.median(r['floor']['events_per_s'] / r['bare']['events_per_s'] for r in results):.2f}")


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--bare-bolt":
        bare_bolt_main(int(sys.argv[2]), sys.argv[3])
        sys.exit(0)
    if len(sys.argv) == 5 and sys.argv[1] == "--durable-floor":
        durable_floor_main(int(sys.argv[2]), sys.argv[3], sys.argv[4])
        sys.exit(0)
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--events", type=int, default=2000, help="events sent to each server")
    parser.add_argument("--concurrency", type=int, default=20, help="concurrent senders")
    parser.add_argument("--wait-reply", action="store_true", help="each sender waits for the bot's reply "
                        "before its next message (closed loop, as people type); reports reply latency")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of bot, floor and bare app, in turn")
    parser.add_argument("--database-url", default="", help="an EMPTY database for the bot (default: a fresh "
                        "SQLite file); e.g. postgresql://postgres@127.0.0.1:5432/prevent_bench")
    options = parser.parse_args()
    asyncio.run(main(options.events, options.concurrency, options.database_url, options.wait_reply,
                     options.rounds))
