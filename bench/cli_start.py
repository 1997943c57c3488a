"""Benchmark: how long each `prevent-bot` command takes as a whole process, and `serve` until it is ready.

Run from the repository root:

    .venv/bin/python bench/cli_start.py --runs 7

It makes a SQLite database in a temporary folder with the demo school (set to Slack, with a private DSL
channel), the made-up staff of examples/staff.csv and a few concerns raised through `chat --jsonl`, and
starts the tests' fake Slack Web API on 127.0.0.1 (tests/handlers/slack/fake_slack.py, in this process).
Then it runs each command RUNS times, in turn, as a fresh process (the console script, as IT staff run it),
and prints the median, the fastest and the slowest wall-clock time of each. `serve` is timed from starting
the process until GET /readyz answers 200 (database, school file and Slack all checked against the fake);
its resident memory is read from /proc after it has been idle for a few seconds. Nothing leaves this
machine. `--bot` runs another installation's console script (e.g. a copy of an older commit) on the same
data, for a before-and-after comparison in one sitting.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import socket
import statistics
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.config import demo_text  # noqa: E402
from tests.handlers.slack.fake_slack import TOKEN, FakeSlack  # noqa: E402  (the tests' own fake)
from tests.helpers import CONCERN, jsonl, serve  # noqa: E402

KEY = "Y2xpLXN0YXJ0LWJlbmNoLWtleS0zMi1ieXRlcy1sb24"  # made-up 32 bytes, benchmark only
DSL_CHANNEL = "G0STARTDSL"
SECRET = "cli-start-signing-secret"
COMMANDS: list[tuple[str, tuple[str, ...], float]] = [  # name, arguments, target in seconds
    ("--help", ("--help",), 0.4),
    ("jobs list", ("jobs", "list"), 0.4),
    ("concerns list", ("concerns", "list"), 1.0),
    ("staff list", ("staff", "list"), 1.0),
    ("doctor", ("doctor",), 1.0),
]
SERVE_TARGET = 2.0
RSS_TARGET_MB = 150.0
IDLE_SECONDS = 3.0


def school_file(folder: Path) -> Path:
    """The demo school, on Slack, with its DSL channel named."""
    text = demo_text().replace('platform = "console"', 'platform = "slack"')
    path = folder / "school.toml"
    path.write_text(text.replace('dsl_channel = ""', f'dsl_channel = "{DSL_CHANNEL}"'), encoding="utf-8")
    return path


async def run(bot: str, args: tuple[str, ...], env: dict[str, str], cwd: Path, stdin: str = "") -> tuple[float, int]:
    """Runs one command to its end; returns its wall-clock seconds and exit status."""
    started = time.perf_counter()
    process = await asyncio.create_subprocess_exec(
        bot, *args, env=env, cwd=cwd, stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
    _, err = await process.communicate(stdin.encode())
    elapsed = time.perf_counter() - started
    if process.returncode not in (0, 1):  # doctor says 1 for the demo school; anything else is a failure
        raise RuntimeError(f"prevent-bot {' '.join(args)} failed ({process.returncode}): {err.decode()[-2000:]}")
    return elapsed, process.returncode or 0


def rss_mb(pid: int) -> tuple[float, float]:
    """Returns a process's resident memory now and at its peak, in MB (from /proc)."""
    fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line)
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


async def time_serve(bot: str, env: dict[str, str], cwd: Path, port: int) -> tuple[float, float, float]:
    """Starts `serve`; returns the seconds until /readyz is 200, and its idle and peak RSS in MB."""
    started = time.perf_counter()
    process = await asyncio.create_subprocess_exec(
        bot, "serve", "--demo", env={**env, "PORT": str(port), "PREVENT_HOST": "127.0.0.1"}, cwd=cwd,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)
    try:
        async with aiohttp.ClientSession() as http:
            while True:
                if process.returncode is not None or time.perf_counter() - started > 60:
                    raise RuntimeError(f"serve did not become ready (exit status {process.returncode})")
                try:
                    async with http.get(f"http://127.0.0.1:{port}/readyz") as response:
                        if response.status == 200:
                            break
                        body = await response.text()
                        if response.status == 503 and "not ready" in body and time.perf_counter() - started > 30:
                            raise RuntimeError(f"serve is up but not ready: {body}")
                except aiohttp.ClientConnectionError:
                    pass
                await asyncio.sleep(0.01)
        ready = time.perf_counter() - started
        await asyncio.sleep(IDLE_SECONDS)
        idle, peak = rss_mb(process.pid)
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
        await process.wait()
    return ready, idle, peak


async def prepare(bot: str, env: dict[str, str], folder: Path, concerns: int) -> None:
    """The demo data: the schema, the made-up staff, and `concerns` concerns raised in the console."""
    await run(bot, ("db", "upgrade"), env, folder)
    await run(bot, ("staff", "import", str(ROOT / "examples" / "staff.csv")), env, folder)
    for _ in range(concerns):
        await run(bot, ("chat", "--as", "teacher@school.example", "--jsonl"), env, folder, jsonl(CONCERN))


def free_port() -> int:
    """An unused TCP port on 127.0.0.1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def main(bot: str, runs: int, concerns: int) -> None:
    """Prepares the data, times every command `runs` times in turn, and prints the medians."""
    fake = FakeSlack()
    fake.channels[DSL_CHANNEL] = {"name": "dsl", "is_private": True, "is_member": True}
    runner, url = await serve(fake.app())
    fake.url = url
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        env = {**os.environ, "DATABASE_URL": f"sqlite:///{folder / 'prevent.db'}", "PREVENT_DATA_KEY": KEY,
               "PREVENT_CONFIG": str(school_file(folder)), "SLACK_BOT_TOKEN": TOKEN, "SLACK_SIGNING_SECRET": SECRET,
               "SLACK_API_URL": f"{url}/api/", "SLACK_APP_TOKEN": ""}
        for unset in ("PREVENT_DATA_KEY_OLD", "PREVENT_NOW", "MicrosoftAppId", "MicrosoftAppPassword"):
            env.pop(unset, None)
        await prepare(bot, env, folder, concerns)
        times: dict[str, list[float]] = {name: [] for name, _, _ in COMMANDS}
        ready: list[float] = []
        memory: list[tuple[float, float]] = []
        for _ in range(runs):
            for command, args, _ in COMMANDS:
                times[command].append((await run(bot, args, env, folder))[0])
            seconds, idle, peak = await time_serve(bot, env, folder, free_port())
            ready.append(seconds)
            memory.append((idle, peak))
    await runner.cleanup()
    report(bot, runs, concerns, times, ready, memory)


def report(bot: str, runs: int, concerns: int, times: dict[str, list[float]], ready: list[float],
           memory: list[tuple[float, float]]) -> None:
    """Prints each command's median, fastest and slowest time against its target."""
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"{bot}: {runs} runs of each, SQLite, demo school on Slack (fake), examples/staff.csv, "
          f"{concerns} concerns; {os.cpu_count()} CPUs, load average {load}")
    print(f"{'command':<28}{'median s':>9}{'min s':>8}{'max s':>8}{'target':>9}  verdict")

    def line(name: str, values: list[float], target: float, unit: str = "s") -> None:
        median = statistics.median(values)
        verdict = "met" if median < target else "NOT met"
        print(f"{name:<28}{median:>9.3f}{min(values):>8.3f}{max(values):>8.3f}{'< ' + f'{target:g} {unit}':>9}  "
              f"{verdict}")

    for name, values in times.items():
        line(f"prevent-bot {name}", values, next(t for n, _, t in COMMANDS if n == name))
    line("prevent-bot serve -> ready", ready, SERVE_TARGET)
    idle = statistics.median(m[0] for m in memory)
    peak = statistics.median(m[1] for m in memory)
    print(f"{'serve idle RSS':<28}{idle:>7.0f}MB{'':>16}{'< ' + f'{RSS_TARGET_MB:g} MB':>9}  "
          f"{'met' if idle < RSS_TARGET_MB else 'NOT met'}   (peak {peak:.0f} MB)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--runs", type=int, default=5, help="times each command is run (the median is reported)")
    parser.add_argument("--concerns", type=int, default=3, help="concerns raised in the demo data")
    parser.add_argument("--bot", default=str(Path(sys.executable).with_name("prevent-bot")),
                        help="the prevent-bot console script to time (default: this venv's)")
    options = parser.parse_args()
    asyncio.run(main(options.bot, options.runs, options.concerns))
