"""`prevent-bot jobs list|run`: the scheduled jobs, and one run now (each message still goes once only)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from zoneinfo import ZoneInfo

import typer

from bot.app import App
from bot.cli.support import fail, with_app
from bot.jobs.plans import Plan
from bot.jobs.runner import JOBS, run_job
from bot.jobs.scheduler import school_of


def register(cli: typer.Typer) -> None:
    """Adds `jobs list` and `jobs run`."""
    jobs_cli = typer.Typer(help="Scheduled jobs (they run inside `prevent-bot serve`).", no_args_is_help=True)
    cli.add_typer(jobs_cli, name="jobs")
    jobs_cli.command("list")(jobs_list)
    jobs_cli.command("run")(jobs_run)


def jobs_list() -> None:
    """List the scheduled jobs and when they run."""
    for job in JOBS.values():
        typer.echo(f"{job.name:<16} {job.when}")
    typer.echo(f"{'outbox-sender':<16} continuously inside `prevent-bot serve` (Slack/Teams delivery)")


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
