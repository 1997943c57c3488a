"""Start-up: the command table resolves with true help, nothing heavy loads early, a current schema skips Alembic."""

from __future__ import annotations

import importlib
import inspect
import itertools
import subprocess
import sys
from pathlib import Path

import typer
from alembic import command as alembic
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection
from typer.testing import CliRunner

from bot.app import build_for_checks
from bot.checks import platforms_to_check
from bot.cli import cli
from bot.cli.lazy import load
from bot.cli.slack import manifest_for
from bot.cli.table import COMMANDS, Command, Entry, Group
from bot.config import demo_text, parse
from bot.delivery.registry import configured_platforms
from bot.jobs.catalogue import SCHEDULE
from bot.jobs.runner import JOBS, PLANS
from bot.settings import Settings
from storage.crypto import Cipher, new_key
from storage.db import (
    HEAD_REVISION,
    Database,
    alembic_config,
    make_engine,
    missing_migrations,
    schema_is_current,
    upgrade,
)

HEAVY = {"sqlalchemy", "sqlmodel", "alembic", "slack_sdk", "slack_bolt", "aiohttp", "apscheduler", "botbuilder",
         "microsoft_agents"}


def commands(table: dict[str, Entry], path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], Command]]:
    """Every command in the table with the words that run it."""
    found: list[tuple[tuple[str, ...], Command]] = []
    for name, entry in table.items():
        if isinstance(entry, Group):
            found += commands(entry.children, (*path, name))
        else:
            found.append(((*path, name), entry))
    return found


def test_every_entry_resolves_and_lists_its_docstring() -> None:
    """Each command's function exists and the table's help is the first line of its docstring (no drift)."""
    for words, command in commands(COMMANDS):
        function = getattr(importlib.import_module(command.module), command.function)
        assert (inspect.getdoc(function) or "").splitlines()[0] == command.help, words
        assert load(words[-1], command).name == words[-1]


def test_every_command_and_group_shows_its_help() -> None:
    """`--help` at every level answers, and a command's own help shows its options in full."""
    runner = CliRunner()
    for words, command in commands(COMMANDS):
        for prefix in (words[:-1], words):
            shown = runner.invoke(cli, [*prefix, "--help"], env={"COLUMNS": "200"})
            assert shown.exit_code == 0, (prefix, shown.output)
        assert command.help in " ".join(shown.output.replace("│", " ").split())
    options = runner.invoke(cli, ["concerns", "list", "--help"], env={"COLUMNS": "200"}).output
    assert "--json" in options and "Print JSON." in options


def test_a_mistyped_command_is_refused_with_a_suggestion() -> None:
    """The table's names still give "Did you mean …?"."""
    refused = CliRunner().invoke(cli, ["concerns", "lst"], env={"COLUMNS": "200"})
    assert refused.exit_code == 2 and "Did you mean 'list'?" in refused.output


def test_a_command_name_completes_from_the_table() -> None:
    """Shell completion offers the table's names with their help."""
    root = typer.main.get_command(cli)
    context = root.make_context("prevent-bot", [], resilient_parsing=True)
    [found] = root.shell_complete(context, "con")
    assert found.value == "concerns" and COMMANDS["concerns"].help.startswith((found.help or "-").removesuffix("..."))


def test_importing_the_command_line_loads_no_heavy_library() -> None:
    """`import bot.cli` (what every command pays) loads no database, web or platform library."""
    names = "{" + ", ".join(repr(h) for h in sorted(HEAVY)) + "}"
    found = subprocess.run([sys.executable, "-c", "import bot.cli, sys; print(sorted(m for m in sys.modules "
                            f"if m.split('.')[0] in {names}))"], capture_output=True, text=True, check=True)
    assert found.stdout.strip() == "[]"


def test_jobs_list_loads_no_heavy_library_and_prints_every_job() -> None:
    """`jobs list` prints the catalogue without loading the database or the scheduler."""
    script = ("import sys; from typer.testing import CliRunner; from bot.cli import cli; "
              "out = CliRunner().invoke(cli, ['jobs', 'list']).output; "
              f"print(sorted(m for m in sys.modules if m.split('.')[0] in {sorted(HEAVY)!r})); print(out)")
    found = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    loaded, *printed = found.stdout.splitlines()
    assert loaded == "[]"
    assert [line.split()[0] for line in printed if line] == [*JOBS, "outbox-sender"]


def test_the_catalogue_and_the_plans_name_the_same_jobs() -> None:
    """Every job in the catalogue has a plan and every plan is in the catalogue."""
    assert list(PLANS) == list(SCHEDULE) == list(JOBS)
    assert all(JOBS[name].when == when for name, when in SCHEDULE.items())


def test_the_head_revision_constant_is_alembics_head() -> None:
    """storage.db.HEAD_REVISION, which lets a current database skip Alembic, is the migrations' real head."""
    assert ScriptDirectory.from_config(alembic_config()).get_heads() == [HEAD_REVISION]


UPGRADE = ("import asyncio, sys; from storage.db import make_engine, upgrade; "
           "asyncio.run(upgrade(make_engine(sys.argv[1]))); print('alembic' in sys.modules)")


def test_a_current_database_is_not_upgraded_through_alembic(tmp_path: Path) -> None:
    """A new database is migrated with Alembic; once at the head revision, start-up does not load Alembic."""
    url = f"sqlite:///{tmp_path / 'prevent.db'}"
    runs = [subprocess.run([sys.executable, "-c", UPGRADE, url], capture_output=True, text=True, check=True).stdout
            for _ in range(2)]
    assert runs == ["True\n", "False\n"]


def _downgrade_to_0003(connection: Connection) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    alembic.downgrade(config, "0003")


async def test_a_database_behind_the_code_counts_what_is_missing_and_is_upgraded(tmp_path: Path) -> None:
    """Below the head revision the fast path steps aside: doctor counts what is missing, start-up applies it."""
    engine = make_engine(f"sqlite:///{tmp_path / 'prevent.db'}")
    db = Database(engine, Cipher.from_keys(new_key()))
    try:
        await upgrade(engine)
        assert await schema_is_current(engine) and await missing_migrations(db) == 0
        async with engine.begin() as connection:
            await connection.run_sync(_downgrade_to_0003)
        assert not await schema_is_current(engine)
        assert await missing_migrations(db) == int(HEAD_REVISION) - 3
        await upgrade(engine)
        assert await schema_is_current(engine) and await missing_migrations(db) == 0
    finally:
        await db.close()


async def test_doctor_checks_the_platforms_the_registry_configures() -> None:
    """For every mix of platform settings, doctor's lazily imported platforms are the registry's, in order."""
    for platform, token, app_id in itertools.product(("console", "slack", "teams"), ("", "xoxb-1"), ("", "id-1")):
        config = parse(demo_text().replace('platform = "console"', f'platform = "{platform}"'), "school.toml")
        settings = Settings(DATABASE_URL="sqlite://", PREVENT_DATA_KEY=new_key(), SLACK_BOT_TOKEN=token,
                            MicrosoftAppId=app_id)
        app = await build_for_checks(settings, config)
        try:
            expected = [p.name for p in configured_platforms(app)]
            assert [p.name for p in platforms_to_check(app)] == expected, (platform, token, app_id)
        finally:
            await app.close()


DOCTOR = ("import asyncio, sys; from bot.checks import examine; from bot.settings import Settings; "
          "asyncio.run(examine(Settings())); "
          "print(sorted({m.split('.')[0] for m in sys.modules} & {'slack_sdk', 'slack_bolt', 'botbuilder'}))")


def test_doctor_loads_only_the_sdk_of_the_platform_set_up(tmp_path: Path) -> None:
    """A console school's doctor loads no platform SDK; a Slack school's loads Slack's and not Teams'."""
    loaded = []
    for platform in ("console", "slack"):
        school = tmp_path / f"{platform}.toml"
        school.write_text(demo_text().replace('platform = "console"', f'platform = "{platform}"'), encoding="utf-8")
        env = {"PATH": "", "DATABASE_URL": f"sqlite:///{tmp_path / 'prevent.db'}", "PREVENT_DATA_KEY": new_key(),
               "PREVENT_CONFIG": str(school), "SLACK_API_URL": "http://127.0.0.1:9/api/"}
        loaded.append(subprocess.run([sys.executable, "-c", DOCTOR], capture_output=True, text=True, check=True,
                                     env=env, cwd=tmp_path).stdout.strip())
    assert loaded == ["[]", "['slack_bolt', 'slack_sdk']"]


NOT_FOR_DATA_COMMANDS = {"alembic", "rich.progress", "slack_sdk", "slack_bolt", "aiohttp", "botbuilder"}
COMMAND_LOADS = ("import sys; from typer.testing import CliRunner; from bot.cli import cli; "
                 "result = CliRunner().invoke(cli, sys.argv[1:]); assert result.exit_code == 0, result.output; "
                 f"print(sorted(m for m in sys.modules if m in {sorted(NOT_FOR_DATA_COMMANDS)!r} "
                 "or m.split('.')[0] in {'slack_sdk', 'slack_bolt', 'botbuilder', 'apscheduler'}))")


def test_the_data_commands_load_no_library_they_do_not_use(tmp_path: Path) -> None:
    """On a current database these load no Alembic, progress bar, scheduler, web or chat SDK."""
    env = {"PATH": "", "DATABASE_URL": f"sqlite:///{tmp_path / 'prevent.db'}", "PREVENT_DATA_KEY": new_key()}
    subprocess.run([sys.executable, "-c", COMMAND_LOADS, "db", "upgrade"], env=env, cwd=tmp_path, check=True,
                   capture_output=True)
    for command in (["concerns", "list"], ["staff", "list"], ["training", "report"]):
        found = subprocess.run([sys.executable, "-c", COMMAND_LOADS, *command], env=env, cwd=tmp_path, check=True,
                               capture_output=True, text=True)
        assert found.stdout.strip() == "[]", command


MAIN = ("import atexit, gc, sys; atexit.register(lambda: print(gc.get_freeze_count() > 0, file=sys.stderr)); "
        "from bot.cli import main; sys.argv[0] = 'prevent-bot'; main()")


def test_the_console_script_writes_everything_and_then_skips_the_last_collections() -> None:
    """main() freezes what is left before the interpreter's shutdown collections; the output is whole."""
    done = subprocess.run([sys.executable, "-c", MAIN, "manifest", "slack", "--url", "https://bot.school.example"],
                          capture_output=True, text=True, check=True)
    assert done.stdout == manifest_for("https://bot.school.example")
    assert done.stderr.strip() == "True"
