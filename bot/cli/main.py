"""The `prevent-bot` command line: the root command, whose commands come from bot/cli/table.py."""

from __future__ import annotations

import gc
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
    try:
        cli()
    finally:
        # Shutdown time: the interpreter's last garbage collections would walk every object the modules
        # made (about 0.13 s after a data command); frozen, they are skipped. Everything that must be
        # closed (database, files, log handlers) is closed before this, not left to the collector.
        gc.freeze()
