"""Readiness checks shared by `prevent-bot doctor` and GET /readyz."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from sqlalchemy import text

from bot.app import App
from bot.config import WEEKDAYS

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


async def data_key_check(app: App) -> list[str]:
    """Every encrypted value opens with a configured key, and no retired key is still configured."""
    from bot.rekey import key_problems

    try:
        return await key_problems(app.db)
    except Exception as exc:
        return [f"could not check which data keys are in use: {type(exc).__name__}"]


async def rota_check(app: App) -> list[str]:
    """With a DSL rota in the school file, every school weekday has someone on duty."""
    team = app.config.dsl_team
    if not any(member.on_duty for member in team):
        return []  # no rota: the whole team is shown every day
    uncovered = [day for day in WEEKDAYS[:5] if not any(day in member.on_duty for member in team)]
    if not uncovered:
        return []
    return [f"school file: no one in the DSL team is on duty on {', '.join(uncovered)} (dsl_team.on_duty); "
            "on those days staff are shown the lead DSL, who may not be in school"]


def doctor_checks() -> list[Check]:
    """Returns `all_checks` and the ones only `prevent-bot doctor` runs (slow, or advice rather than readiness)."""
    return [*all_checks(), rota_check, data_key_check]


def all_checks() -> list[Check]:
    """Returns every check, platform checks included when the platform is configured."""
    checks: list[Check] = [config_check, database_check]
    return checks
