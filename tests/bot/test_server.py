"""The server's health and readiness endpoints over real HTTP."""

from __future__ import annotations

from aiohttp.test_utils import TestClient, TestServer

from bot.app import App
from bot.server import build_web_app
from storage.db import Database, make_engine
from tests.bot.test_delivery import FakePlatform


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
