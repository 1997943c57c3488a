"""The `prevent-bot` command line: the root command, whose commands come from bot/cli/table.py."""

from __future__ import annotations

import logging
import sys

import typer

from bot.cli.lazy import RootGroup

cli = typer.Typer(cls=RootGroup, help="Prevent Duty Assistant: safeguarding and Prevent concerns for schools.",
                  no_args_is_help=True, pretty_exceptions_enable=False)


@cli.callback()  # with a callback typer builds the root as a group (RootGroup) although no command is registered
def root() -> None:
    """Prevent Duty Assistant: safeguarding and Prevent concerns for schools."""


def main() -> None:
    """Entry point for the console script."""
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    cli()
