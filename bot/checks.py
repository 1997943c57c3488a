"""Readiness checks shared by `prevent-bot doctor` and GET /readyz, and doctor's named findings."""

from __future__ import annotations

import logging
import stat
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import text

from bot.app import App, build_for_checks, existing_cipher, load_config, local_key_file, sqlite_path
from bot.config import WEEKDAYS, ConfigError
from bot.services.keys import key_problems
from bot.settings import Settings
from storage.crypto import Cipher, DataKeyError
from storage.db import missing_migrations

if TYPE_CHECKING:
    from bot.delivery.platforms import Platform

log = logging.getLogger(__name__)
Check = Callable[[App], Awaitable[list[str]]]
NOT_YET = "not created yet; it is made on first start (`prevent-bot serve`, `chat` or `db upgrade`)"


@dataclass(frozen=True, slots=True)
class Finding:
    """One thing `doctor` checked: its name, whether it is fine, and what it found or what to do."""

    name: str
    ok: bool
    detail: str

    def to_json(self) -> dict[str, object]:
        """Returns the finding as a JSON-ready dict."""
        return asdict(self)


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
    try:
        return await key_problems(app.db)
    except Exception as exc:
        return [f"could not check which data keys are in use: {type(exc).__name__}"]


async def rota_check(app: App) -> list[str]:
    """With a DSL rota in the school file, every school weekday has someone on duty."""
    team = app.config.dsl_team
    if not any(member.on_duty for member in team):
        return []  # no rota: the whole team counts as on duty in school hours
    uncovered = [day for day in WEEKDAYS[:5] if not any(day in member.on_duty for member in team)]
    if not uncovered:
        return []
    return [f"school file: no one in the DSL team is on duty on {', '.join(uncovered)} (dsl_team.on_duty); "
            "on those days staff are told nobody on the DSL team is on duty and given the out-of-hours route"]


async def emergency_duty_team_check(app: App) -> list[str]:
    """The school file names the council's out-of-hours emergency duty team."""
    if app.config.emergency_duty_team is not None:
        return []
    return ["school file: no [emergency_duty_team] (the council's out-of-hours emergency duty team, with its phone "
            "number): out of hours staff are told only to ring the council's children's services, and that the school "
            "has not set the number; add it (see prevent.example.toml)"]


def all_checks() -> list[Check]:
    """Returns every check, platform checks included when the platform is configured."""
    checks: list[Check] = [config_check, database_check]
    return checks


async def examine(settings: Settings) -> list[Finding]:
    """Runs every doctor check without creating or changing anything; returns what each found."""
    try:
        config = load_config(settings)
    except ConfigError as exc:
        return [Finding("school file", False, str(exc)), data_key_finding(settings)]
    app = await build_for_checks(settings, config)
    try:
        school = await school_findings(app)
        found = [*school, data_key_finding(settings), await database_finding(app)]
        return [*found, *await service_findings(app, _key_opens(settings))]
    finally:
        await app.close()


async def app_findings(app: App) -> list[Finding]:
    """The checks of a running application: the school file, the rota, the data keys in use, each platform."""
    return [*await school_findings(app), *await service_findings(app, True)]


async def school_findings(app: App) -> list[Finding]:
    """The school file is a real school's, its rota covers every school weekday, and it names the out-of-hours team."""
    team = app.config.dsl_team
    rota = ("someone in the DSL team is on duty every school weekday" if any(m.on_duty for m in team)
            else "no rota (dsl_team.on_duty): the whole DSL team counts as on duty in school hours")
    return [await _run("school file", lambda: config_check(app), f"{app.config.school.name} ({len(team)} in the "
                       "DSL team)"),
            await _run("DSL rota", lambda: rota_check(app), rota),
            await _run("out-of-hours contact", lambda: emergency_duty_team_check(app), _edt_detail(app)),
            Finding("jurisdiction", True, jurisdiction(app))]


def jurisdiction(app: App) -> str:
    """The active jurisdiction, the guidance and role it names, and the content files its words come from."""
    t = app.words
    return (f"jurisdiction {app.config.jurisdiction}: {t('guidance.kcsie')}, the {t('term.dsl_long')} "
            f"({t('term.dsl')}); words from {', '.join(t.layers)}")


def _edt_detail(app: App) -> str:
    """What staff are given out of hours, when the school file names the emergency duty team."""
    edt = app.config.emergency_duty_team
    return f"{edt.name}, {edt.phone} (the council's emergency duty team, given to staff out of hours)" if edt else ""


async def service_findings(app: App, key_usable: bool) -> list[Finding]:
    """Which keys the stored values use (once there is data, and a key to read it), then each platform."""
    findings = []
    if key_usable and _has_database(app):
        findings.append(await _run("data keys in use", lambda: data_key_check(app),
                                   f"every encrypted value uses the current key (id {app.db.cipher.current_id})"))
    for platform in platforms_to_check(app):
        name = platform.name.capitalize()
        found = await _run(name, platform.readiness, "ready")
        findings.append(Finding(name, found.ok, found.detail.replace(f"{name}: ", "")))
    return findings


def platforms_to_check(app: App) -> list[Platform]:
    """The platforms bot.delivery.registry would configure, importing only the delivery modules of those with settings.

    Each platform's module loads its SDK (Teams' alone takes about 0.17 s), so `doctor` loads Slack's only
    for a deployment with Slack settings, and Teams' only for one with Teams settings. The conditions are
    each module's own (a test checks the two agree); the module's factory still has the last word.
    """
    found: list[Platform | None] = []
    if app.settings.slack_bot_token or app.config.school.platform == "slack":
        from bot.delivery.slack import slack_platform  # start-up time: the Slack SDK only where Slack is set up

        found.append(slack_platform(app))
    if app.settings.microsoft_app_id or app.config.school.platform == "teams":
        from bot.delivery.teams import teams_platform  # start-up time: the Bot Framework SDK only where Teams is

        found.append(teams_platform(app))
    return [platform for platform in found if platform is not None]


async def _run(name: str, check: Callable[[], Awaitable[list[str]]], ok_detail: str) -> Finding:
    """Runs one check; a check that fails itself is reported as not done, with its error type."""
    try:
        problems = await check()
    except Exception as exc:
        log.warning("doctor: the %s check could not run", name, exc_info=True)
        problems = [f"could not check ({type(exc).__name__}); see the log above"]
    return Finding(name, not problems, "; ".join(problems) or ok_detail)


def _key_opens(settings: Settings) -> bool:
    """True when a data key is configured that can open what is stored (the data key check says why not)."""
    try:
        return existing_cipher(settings) is not None
    except (DataKeyError, OSError):
        return False


def _has_database(app: App) -> bool:
    """False while a local SQLite database has not been made yet (doctor then checks an empty one in memory)."""
    path = sqlite_path(app.settings.database_url)
    return path is None or path.exists()


async def database_finding(app: App) -> Finding:
    """The database: made yet, private (SQLite), answering, and with every migration applied."""
    named = sqlite_path(app.settings.database_url)
    path = named.resolve() if named is not None else None
    if path is not None and not path.exists():
        return Finding("database", True, f"{path} {NOT_YET}")
    problems = await database_check(app)
    if not problems and (missing := await missing_migrations(app.db)):
        problems.append(f"{missing} migration(s) not applied yet: run `prevent-bot db upgrade` (also done on start)")
    if path is not None:
        problems += private_file_problems([path, *(path.with_name(path.name + end) for end in ("-wal", "-shm"))])
    where = str(path) if path is not None else "the database"
    return Finding("database", not problems, "; ".join(problems) or f"{where} answers and is up to date")


def data_key_finding(settings: Settings) -> Finding:
    """The data key: PREVENT_DATA_KEY, or a local key file that exists (once there is data), is valid and private."""
    try:
        key_file = None if settings.data_key else local_key_file(settings)
        if key_file is not None and not key_file.exists():
            return _missing_key_file(settings, key_file)
        cipher = Cipher.from_keys(key_file.read_text().strip() if key_file else settings.data_key,
                                  settings.data_key_old)
    except (DataKeyError, OSError) as exc:
        return Finding("data key", False, f"{exc}; make a key with "
                       "`python -c \"from storage.crypto import new_key; print(new_key())\"`")
    where = f"{key_file} (set PREVENT_DATA_KEY for real use)" if key_file else "PREVENT_DATA_KEY"
    problems = private_file_problems([key_file]) if key_file else []
    return Finding("data key", not problems, "; ".join(problems) or f"{where}, key id {cipher.current_id}")


def _missing_key_file(settings: Settings, key_file: Path) -> Finding:
    """No key file: fine before the first start, a real problem once the database holds data sealed with it."""
    database = key_file.with_name(key_file.name.removesuffix(".key"))
    if database.exists():
        return Finding("data key", False, f"{key_file} is missing but {database} exists, so its concerns cannot be "
                       "read: put the key file back from where you keep its copy, or set PREVENT_DATA_KEY to it")
    return Finding("data key", True, f"{key_file} {NOT_YET}; set PREVENT_DATA_KEY for real use")


def private_file_problems(paths: list[Path]) -> list[str]:
    """Says if other local users can read or write any of these files (those that do not exist are skipped)."""
    shared = [(path, mode) for path in paths if path.exists() and (mode := stat.S_IMODE(path.stat().st_mode)) & 0o077]
    if not shared:
        return []
    names, modes = [str(path) for path, _ in shared], sorted({f"{mode:04o}" for _, mode in shared})
    return [f"other users on this computer can read {', '.join(names)} (mode {' or '.join(modes)}): "
            f"run `chmod 600 {' '.join(names)}`"]


async def run_doctor(app: App) -> list[str]:
    """Runs every check of the application and returns the problems found (empty when all is well)."""
    return [f"{finding.name}: {finding.detail}" for finding in await app_findings(app) if not finding.ok]
