"""Benchmark: two `prevent-bot serve` instances on one PostgreSQL database; direct messages go to the one
that does not hold the background-work lease, so every turn is run by the other one.

Run from the repository root, with an EMPTY database:

    psql -h 127.0.0.1 -U postgres -d test -c "drop database if exists prevent_two" -c "create database prevent_two"
    /work/venv/bin/python bench/slack_two_instances.py --database-url postgresql://postgres@127.0.0.1:5432/prevent_two

One member of staff raises a concern by DM, waiting for each reply before the next message, as a person
does. It prints the time from sending each message to the reply reaching the (fake, loopback) Slack.
Without a cross-instance wake-up that time is bounded below by the holder's poll (one second).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

import aiohttp
from aiohttp import web

sys.path.insert(0, str(Path(__file__).resolve().parent))
import slack_events as bench  # the fake Slack, signing and server start-up are shared

MESSAGES = ["hello", "Raise a concern", "no", "a child"] + ["Jamie Benchpupil", "back"] * 20


async def main(database_url: str) -> None:
    fake = bench.FakeSlack()
    runner = web.AppRunner(fake.app(), access_log=None)
    await runner.setup()
    fake_port = bench.free_port()
    await web.TCPSite(runner, "127.0.0.1", fake_port).start()
    holder_port, other_port = bench.free_port(), bench.free_port()
    with tempfile.TemporaryDirectory() as folder:
        env = {"DATABASE_URL": database_url, "PREVENT_DATA_KEY": bench.KEY,
               "PREVENT_CONFIG": str(bench.school_file(Path(folder))), "SLACK_BOT_TOKEN": bench.TOKEN,
               "SLACK_SIGNING_SECRET": bench.SECRET, "SLACK_API_URL": f"http://127.0.0.1:{fake_port}/api/",
               "SLACK_APP_TOKEN": ""}
        command = [sys.executable, "-m", "bot", "serve", "--demo"]
        servers = [bench.start_server(command, {**env, "PORT": str(holder_port)})]
        try:
            await bench.wait_up(f"http://127.0.0.1:{holder_port}/healthz")
            await asyncio.sleep(3)  # the first instance takes the lease
            servers.append(bench.start_server(command, {**env, "PORT": str(other_port)}))
            await bench.wait_up(f"http://127.0.0.1:{other_port}/healthz")
            await asyncio.sleep(3)
            waits = await converse(fake, f"http://127.0.0.1:{other_port}/slack/events")
        finally:
            for server in servers:
                server.terminate()
                server.wait(15)
    await runner.cleanup()
    waits.sort()
    print(f"{len(waits)} direct messages to the instance without the lease, each answered by the other: "
          f"reply p50 {statistics.median(waits) * 1000:.1f} ms, max {waits[-1] * 1000:.1f} ms")


async def converse(fake: bench.FakeSlack, url: str) -> list[float]:
    """Sends each message and waits for the bot's reply; returns the seconds each reply took."""
    waits = []
    async with aiohttp.ClientSession() as http:
        for text in MESSAGES:
            replied = fake.waiting["DUBENCHTWO"] = asyncio.get_running_loop().create_future()
            start = time.perf_counter()
            await bench.send(http, url, bench.dm_event("UBENCHTWO", text))
            waits.append(await asyncio.wait_for(replied, 10) - start)
    return waits


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--database-url", required=True, help="an EMPTY PostgreSQL database")
    asyncio.run(main(parser.parse_args().database_url))
