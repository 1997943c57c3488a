"""`prevent-bot jobs list`: the scheduled jobs and when they run (a static catalogue; `jobs run` is jobs_run.py)."""

from __future__ import annotations

import typer

from bot.jobs.catalogue import OUTBOX_SENDER, SCHEDULE


def jobs_list() -> None:
    """List the scheduled jobs and when they run."""
    for name, when in (*SCHEDULE.items(), OUTBOX_SENDER):
        typer.echo(f"{name:<16} {when}")
