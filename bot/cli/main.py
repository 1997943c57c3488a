"""The `prevent-bot` command line: the root command and its groups, one module per command group."""

from __future__ import annotations

import logging
import sys

import typer

from bot.cli import audit, backup, chat, concerns, db, doctor, export, jobs, keys, serve, slack, staff, teams, training

cli = typer.Typer(help="Prevent Duty Assistant: safeguarding and Prevent concerns for schools.",
                  no_args_is_help=True, pretty_exceptions_enable=False)
concerns_cli = typer.Typer(help="Look at and export concerns (every view is audited).", no_args_is_help=True)
db_cli = typer.Typer(help="Database maintenance.", no_args_is_help=True)
manifest_cli = typer.Typer(help="Print or build the Slack and Teams app manifests.", no_args_is_help=True)
cli.add_typer(concerns_cli, name="concerns")
cli.add_typer(db_cli, name="db")
cli.add_typer(manifest_cli, name="manifest")

chat.register(cli)
concerns.register(concerns_cli)
export.register(concerns_cli)
db.register(db_cli)
keys.register(db_cli)
backup.register(db_cli)
audit.register(cli)
doctor.register(cli)
serve.register(cli)
slack.register(cli, manifest_cli)
teams.register(cli, manifest_cli)
staff.register(cli)
training.register(cli)
jobs.register(cli)


def main() -> None:
    """Entry point for the console script."""
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    cli()
