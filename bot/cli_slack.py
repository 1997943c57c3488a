"""Command-line commands for Slack. (Stub until the Slack work lands.)"""

from __future__ import annotations

import typer


def register(cli: typer.Typer, manifest_cli: typer.Typer) -> None:
    """Adds the Slack commands (e.g. `prevent-bot manifest slack`)."""
