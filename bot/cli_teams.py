"""Command-line commands for Teams. (Stub until the Teams work lands.)"""

from __future__ import annotations

import typer


def register(cli: typer.Typer, manifest_cli: typer.Typer) -> None:
    """Adds the Teams commands (e.g. `prevent-bot manifest teams`)."""
