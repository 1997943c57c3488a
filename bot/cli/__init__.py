"""The `prevent-bot` command line, one module per command group; `main` is the console script."""

from bot.cli.main import cli, main

__all__ = ["cli", "main"]
