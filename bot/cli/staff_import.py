"""`prevent-bot staff import`: the staff directory from a CSV file, with a progress bar on a terminal."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import Progress

from bot.app import App
from bot.cli.support import with_app
from bot.services.staff_import import ImportResult, import_staff


def staff_import(file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="Staff CSV file.")]) -> None:
    """Import staff from CSV: name, email, role, start_date, dsl, and a date column per course."""
    async def work(app: App) -> ImportResult:
        text = file.read_text(encoding="utf-8-sig")
        lines = max(text.count("\n") - 1, 1)
        with Progress(transient=True, disable=not sys.stderr.isatty()) as progress:
            task = progress.add_task("Importing staff", total=lines)
            return await import_staff(app.db, app.config, app.school_id, text, app.clock().date(),
                                      lambda n: progress.advance(task, n))

    result = with_app(work)
    typer.echo(f"{result.added} added, {result.updated} updated, {result.unchanged} unchanged, "
               f"{result.training_added} training record(s) added, {len(result.problems)} row(s) not imported.")
    for line, reason in result.warnings:
        typer.secho(f"line {line}: {reason}", fg=typer.colors.YELLOW, err=True)
    for line, reason in result.problems:
        typer.secho(f"line {line}: {reason}", fg=typer.colors.RED, err=True)
