"""The server's health and readiness endpoints over real HTTP, and its clean stop."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.app import App
from bot.config import demo_text
from bot.server import build_web_app
from storage.db import Database, make_engine, utcnow
from tests.helpers import CLI_NOW, TEST_KEY, FakePlatform, run


class BrokenPlatform(FakePlatform):
    """A platform whose readiness check fails."""

    async def readiness(self) -> list[str]:
        return ["the DSL channel is public: make it private"]


async def test_healthz_and_readyz(app: App) -> None:
    async with TestClient(TestServer(build_web_app(app, platforms=[FakePlatform()]))) as client:
        health = await client.get("/healthz")
        assert health.status == 200
        ready = await client.get("/readyz")
        assert ready.status == 200
        assert (await ready.json())["problems"] == []


async def test_readyz_reports_platform_problems(app: App) -> None:
    async with TestClient(TestServer(build_web_app(app, platforms=[BrokenPlatform()]))) as client:
        ready = await client.get("/readyz")
        assert ready.status == 503
        assert (await ready.json())["problems"] == ["the DSL channel is public: make it private"]


async def test_readyz_reports_database_down(app: App) -> None:
    web_app = build_web_app(app, platforms=[])
    async with TestClient(TestServer(web_app)) as client:
        await app.db.engine.dispose()
        app.db = Database(make_engine("sqlite:////nonexistent-dir/x.db"), app.db.cipher)
        ready = await client.get("/readyz")
        assert ready.status == 503
        assert "database is not reachable" in (await ready.json())["problems"][0]


def test_sigterm_stops_cleanly_and_hands_the_background_work_over(tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'prevent.db'}", "PREVENT_DATA_KEY": TEST_KEY,
           "PORT": str(port), **CLI_NOW}
    env.pop("PREVENT_CONFIG", None)
    server = subprocess.Popen([sys.executable, "-m", "bot", "serve", "--demo"], env=env, cwd=tmp_path,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        for _ in range(200):
            with contextlib.suppress(OSError), urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz") as up:
                if up.status == 200 and lease_expiry(tmp_path) is not None:
                    break
            time.sleep(0.1)
        held_until = lease_expiry(tmp_path)
        assert held_until is not None and held_until > utcnow()  # it does the background work
        server.send_signal(signal.SIGTERM)
        output, _ = server.communicate(timeout=30)
    finally:
        server.kill()
    assert server.returncode == 0, output
    assert "handing over the background work" in output
    given_up = lease_expiry(tmp_path)
    assert given_up is not None and given_up <= utcnow()  # another instance may take it at once


def lease_expiry(folder: Path) -> datetime | None:
    """When the background-work lease in a SQLite database runs out (None before anyone took it)."""
    with contextlib.closing(sqlite3.connect(folder / "prevent.db")) as db:
        try:
            row = db.execute("SELECT expires_at FROM worker_lease").fetchone()
        except sqlite3.OperationalError:  # the schema is not there yet
            return None
    return datetime.fromisoformat(row[0]).replace(tzinfo=UTC) if row else None


def serve_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Stands in for the real server: records the school each `serve` would have started for."""
    import bot.server
    from bot.app import load_config

    started: list[str] = []
    monkeypatch.setattr(bot.server, "run_server", lambda settings: started.append(load_config(settings).school.slug))
    return started


def test_serve_refuses_the_demo_school_kindly_and_says_what_to_do(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    started = serve_calls(monkeypatch)
    refused = run(tmp_path, "serve", refused=True)
    assert refused.exit_code == 2 and started == []
    assert "demo school" in refused.stderr and "would not reach a real DSL" in refused.stderr
    assert "prevent.toml" in refused.stderr and "prevent.example.toml" in refused.stderr
    assert "prevent-bot serve --demo" in refused.stderr and "Traceback" not in refused.stderr
    assert not (tmp_path / "prevent.db").exists()  # refused before anything was made

    copied = tmp_path / "copy-of-demo.toml"  # the demo school copied to a file is still the demo school
    copied.write_text(demo_text())
    assert run(tmp_path, "serve", refused=True, env={"PREVENT_CONFIG": str(copied)}).exit_code == 2
    assert started == []


def test_serve_runs_the_demo_school_with_demo_and_a_real_school_without(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    started = serve_calls(monkeypatch)
    run(tmp_path, "serve", "--demo")
    real = tmp_path / "prevent.toml"
    real.write_text(demo_text().replace("demo = true", "demo = false").replace('slug = "demo"', 'slug = "oak"'))
    run(tmp_path, "serve")
    assert started == ["demo", "oak"]
