"""Command-line commands for staff, training and jobs. (Stub until the reminders work lands.)"""

from __future__ import annotations

import typer


def register(cli: typer.Typer) -> None:
    """Adds `staff`, `training` and `jobs` commands."""
