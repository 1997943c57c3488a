"""Benchmark: signed Slack events over HTTP to `prevent-bot serve`, and to a bare Bolt app, in one run.

Run from the repository root:

    /work/venv/bin/python bench/slack_events.py --events 2000 --concurrency 20

It starts a fake Slack Web API on 127.0.0.1 (in this process), `prevent-bot serve` on a fresh SQLite
database (a subprocess), and a bare Bolt app that only acknowledges (another subprocess). Each of the
CONCURRENCY senders is one member of staff in the middle of raising a concern: they alternate a pupil's
name (the dialog moves on) and "back" (it moves back), so every event is a full dialog turn with the
session loaded and saved and the next question posted to the fake Slack. Latency is from sending the
request to Slack's 200 (the event is stored, encrypted, before that answer; the turn runs just after).
"Turns completed" counts the replies the fake Slack received, up to the last one. Nothing leaves this machine.
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
    from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
    from slack_bolt.async_app import AsyncApp
    from slack_sdk.web.async_client import AsyncWebClient

    bolt = AsyncApp(signing_secret=SECRET, client=AsyncWebClient(token=TOKEN, base_url=api_url),
                    process_before_response=True)

    @bolt.event("message")
    async def acknowledge_only() -> None:
        return None

    async def handle(request: web.Request) -> web.Response:
        return await to_aiohttp_response(await bolt.async_dispatch(await to_bolt_request(request)))

    async def healthz(_: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    web_app = web.Application()
    web_app.router.add_post("/slack/events", handle)
    web_app.router.add_get("/healthz", healthz)
    web.run_app(web_app, host="127.0.0.1", port=port, print=None, access_log=None)


def start_server(args: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(args, env={**os.environ, **env}, cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


async def main(events: int, concurrency: int, database_url: str, wait_reply: bool) -> None:
    fake = FakeSlack()
    runner = web.AppRunner(fake.app(), access_log=None)
    await runner.setup()
    fake_port = free_port()
    await web.TCPSite(runner, "127.0.0.1", fake_port).start()
    api_url = f"http://127.0.0.1:{fake_port}/api/"
    bot_port, bare_port = free_port(), free_port()
    with tempfile.TemporaryDirectory() as folder:
        env = {"DATABASE_URL": database_url or f"sqlite:///{folder}/bench.db", "PREVENT_DATA_KEY": KEY,
               "PREVENT_CONFIG": str(school_file(Path(folder))), "PORT": str(bot_port), "SLACK_BOT_TOKEN": TOKEN,
               "SLACK_SIGNING_SECRET": SECRET, "SLACK_API_URL": api_url, "SLACK_APP_TOKEN": ""}
        python = sys.executable
        servers = [start_server([python, "-m", "bot", "serve", "--demo"], env),
                   start_server([python, __file__, "--bare-bolt", str(bare_port), api_url], {})]
        try:
            await wait_up(f"http://127.0.0.1:{bot_port}/healthz")
            await wait_up(f"http://127.0.0.1:{bare_port}/healthz")
            bot = await run_load(f"http://127.0.0.1:{bot_port}/slack/events", events, concurrency,
                                 ["Raise a concern", "no", "a child"], ["Jamie Benchpupil", "back"], fake, wait_reply)
            bare = await run_load(f"http://127.0.0.1:{bare_port}/slack/events", events, concurrency, ["hello"],
                                  ["Jamie Benchpupil", "back"])
        finally:
            for server in servers:
                server.terminate()
                server.wait(10)
    await runner.cleanup()
    report(bot, bare, events, concurrency, "PostgreSQL" if database_url.startswith("postgres") else "SQLite",
           wait_reply)


def report(bot: dict[str, float], bare: dict[str, float], events: int, concurrency: int, database: str,
           wait_reply: bool) -> None:
    mode = ", each waiting for the reply before the next message" if wait_reply else ""
    print(f"{events} events, {concurrency} concurrent senders{mode}, {os.cpu_count()} CPUs, {database}")
    print(f"{'':<26}{'p50 ms':>9}{'p99 ms':>9}{'events/s':>10}")
    for name, result in (("prevent-bot serve", bot), ("bare Bolt app (ack only)", bare)):
        print(f"{name:<26}{result['p50_ms']:>9.1f}{result['p99_ms']:>9.1f}{result['events_per_s']:>10.0f}")
    print(f"prevent-bot turns completed: {bot['replies']:.0f} replies posted for {bot['events']:.0f} events, "
          f"{bot['turns_per_s']:.0f} turns/s (to the last reply; acknowledging is not finishing)")
    if "reply_p50_ms" in bot:
        print(f"prevent-bot reply latency (message sent -> reply posted): p50 {bot['reply_p50_ms']:.1f} ms, "
              f"p99 {bot['reply_p99_ms']:.1f} ms")
    if wait_reply:
        print("(no throughput ratio: here the bot's senders wait for replies and the bare app's do not)")
        return
    acknowledged = bot["events_per_s"] / bare["events_per_s"]
    completed = bot["turns_per_s"] / bare["events_per_s"]
    print(f"throughput ratio (prevent-bot / bare Bolt): {acknowledged:.2f} acknowledged, {completed:.2f} completed")

    def verdict(ok: bool) -> str:
        return "met" if ok else "NOT met"

    print(f"target: p99 < 100 ms -> {verdict(bot['p99_ms'] < 100)}; ratio >= 0.5 -> "
          f"{verdict(acknowledged >= 0.5)} (acknowledged), {verdict(completed >= 0.5)} (completed)")


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--bare-bolt":
        bare_bolt_main(int(sys.argv[2]), sys.argv[3])
        sys.exit(0)
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--events", type=int, default=2000, help="events sent to each server")
    parser.add_argument("--concurrency", type=int, default=20, help="concurrent senders")
    parser.add_argument("--wait-reply", action="store_true", help="each sender waits for the bot's reply "
                        "before its next message (closed loop, as people type); reports reply latency")
    parser.add_argument("--database-url", default="", help="an EMPTY database for the bot (default: a fresh "
                        "SQLite file); e.g. postgresql://postgres@127.0.0.1:5432/prevent_bench")
    options = parser.parse_args()
    asyncio.run(main(options.events, options.concurrency, options.database_url, options.wait_reply))
