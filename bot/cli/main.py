"""The `prevent-bot` command line: chat, concerns, db, doctor, serve."""

from __future__ import annotations

import getpass
import json
import logging
import sys
from typing import Annotated

import typer

from bot.app import App, load_config
from bot.cli.support import fail, with_app
from bot.config import ConfigError
from bot.delivery.console import ConsoleMailbox
from bot.settings import Settings
from storage.crypto import DataKeyError

cli = typer.Typer(help="Prevent Duty Assistant: safeguarding and Prevent concerns for schools.",
                  no_args_is_help=True, pretty_exceptions_enable=False)
concerns_cli = typer.Typer(help="Look at and export concerns (every view is audited).", no_args_is_help=True)
db_cli = typer.Typer(help="Database maintenance.", no_args_is_help=True)
manifest_cli = typer.Typer(help="Print or build the Slack and Teams app manifests.", no_args_is_help=True)
cli.add_typer(concerns_cli, name="concerns")
cli.add_typer(db_cli, name="db")
cli.add_typer(manifest_cli, name="manifest")


@cli.command()
def chat(
    email: Annotated[str, typer.Option("--as", help="Your email address (who you are talking as).")],
    jsonl: Annotated[bool, typer.Option("--jsonl", help="One JSON object per line in and out.")] = False,
) -> None:
    """Talk to the bot on this computer, as the person with EMAIL."""
    from handlers.console import chat_on_stdio

    logging.getLogger().setLevel(logging.ERROR)  # keep the conversation readable; errors still show

    async def work(app: App) -> str:
        if app.config.school.demo and not jsonl:
            typer.secho("Demo school: made-up people and numbers. Create prevent.toml for real use.",
                        fg=typer.colors.YELLOW, err=True)
        mailbox = ConsoleMailbox(app.db, app.directory)
        return await chat_on_stdio(app.engine, mailbox, email, app.config.school.slug, jsonl)

    if with_app(work) == "interrupted":
        raise typer.Exit(130)  # Ctrl-C: what a shell expects of an interrupted command


@concerns_cli.command("list")
def concerns_list(as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """List concerns: reference, status, urgency, category, year group (no narrative)."""
    from bot.services.records import list_concerns

    rows = with_app(list_concerns)
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
        return
    for row in rows:
        typer.echo(f"{row['reference']:<13} {row['status']:<13} {'URGENT' if row['urgent'] else '':<7}"
                   f"{row['category']:<20} {row['year_group']:<12} {row['raised_at']}")
    if not rows:
        typer.echo("No concerns yet.")


@concerns_cli.command("show")
def concerns_show(reference: str, as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Show one concern in full, with its chronology. The view is written to the audit log."""
    from bot.services.records import chronology_line, concern_lines, shown_concern

    actor = f"cli:{getpass.getuser()}"

    async def work(app: App) -> str | None:
        found = await shown_concern(app, reference, actor)
        if found is None:
            return None
        record, chronology = found
        if as_json:  # field ids and UTC, for scripts
            return json.dumps({**record, "chronology": [chronology_line(e) for e in chronology]}, indent=2)
        return "\n".join(concern_lines(app, record, chronology))

    shown = with_app(work)
    if shown is None:
        fail(f"No concern with reference {reference}.", 1)
    typer.echo(shown)


@db_cli.command("upgrade")
def db_upgrade() -> None:
    """Apply database migrations (also done on every start)."""

    async def work(app: App) -> None:
        typer.echo(f"Database is up to date for {app.config.school.name}.")

    with_app(work)


@cli.command()
def serve() -> None:
    """Run the server: Slack events, Teams messages, health checks and scheduled jobs."""
    from bot.server import run_server

    try:
        settings = Settings()
        load_config(settings)
        run_server(settings)
    except (ConfigError, DataKeyError) as exc:
        fail(str(exc))


def _register_extensions() -> None:
    """Adds the commands that each area of the bot owns (one module each, so they grow apart)."""
    from bot.cli import audit, backup, doctor, export, jobs, keys, slack, teams

    export.register(concerns_cli)
    keys.register(db_cli)
    backup.register(db_cli)
    audit.register(cli)
    doctor.register(cli)
    slack.register(cli, manifest_cli)
    teams.register(cli, manifest_cli)
    jobs.register(cli)


_register_extensions()


def main() -> None:
    """Entry point for the console script."""
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    cli()
