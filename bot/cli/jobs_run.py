"""`prevent-bot jobs run`: one scheduled job now (each message still goes once only)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from zoneinfo import ZoneInfo

import typer

from bot.app import App
from bot.cli.support import fail, with_app
from bot.jobs.plans import Plan, school_of
from bot.jobs.runner import JOBS, run_job


def jobs_run(name: Annotated[str, typer.Argument(help="Job name (see `jobs list`).")],
             dry_run: Annotated[bool, typer.Option("--dry-run", help="Print who would be told what; send nothing.")]
             = False,
             at: Annotated[str, typer.Option("--at", help="Run as if it were this local time: 'YYYY-MM-DD HH:MM'.")]
             = "") -> None:
    """Run one job now (each message still goes once only: a rerun sends nothing new)."""
    if name not in JOBS:
        fail(f"No job called {name!r}. Jobs: {', '.join(JOBS)}.")

    async def work(app: App) -> tuple[Plan, int]:
        now = app.clock()
        if at:
            now = datetime.strptime(at, "%Y-%m-%d %H:%M").replace(tzinfo=ZoneInfo(app.config.school.timezone))
        return await run_job(school_of(app), name, now, dry_run)

    plan, sent = with_app(work)
    if plan.skipped:
        typer.echo(f"Nothing would be sent now: {plan.skipped}. Who it would tell on a school day:"
                   if dry_run else f"Nothing sent: {plan.skipped}.")
        if not dry_run:
            return
    for item in plan.items:
        typer.echo(f"{'would tell' if dry_run else 'to'} {item.who}: {item.reply.text}")
    if not dry_run:
        typer.echo(f"{sent} message(s) queued; {len(plan.items) - sent} already sent before.")
