"""Readiness checks shared by `prevent-bot doctor` and GET /readyz."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from sqlalchemy import text

from bot.app import App

Check = Callable[[App], Awaitable[list[str]]]


async def database_check(app: App) -> list[str]:
    """The database answers."""
    try:
        async with app.db.transaction() as session:
            await (await session.connection()).execute(text("SELECT 1"))
    except Exception as exc:
        return [f"database is not reachable: {type(exc).__name__}"]
    return []


async def config_check(app: App) -> list[str]:
    """The school file is real, not the demo school."""
    if app.config.school.demo:
        return ["using the built-in DEMO school (made-up people): create prevent.toml before real use"]
    return []


def all_checks() -> list[Check]:
    """Returns every check, platform checks included when the platform is configured."""
    checks: list[Check] = [config_check, database_check]
    return checks
