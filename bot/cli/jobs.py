"""Command-line commands for staff, training and jobs."""

from __future__ import annotations

import csv
import json
import sys
from datetime import datetime
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo

import typer
from rich.progress import Progress

from bot.app import App
from bot.cli.support import fail, with_app
from bot.jobs.plans import Plan
from bot.jobs.runner import JOBS, run_job
from bot.jobs.scheduler import school_of


def register(cli: typer.Typer) -> None:
    """Adds `staff`, `training` and `jobs` commands."""
    staff_cli = typer.Typer(help="The staff directory.", no_args_is_help=True)
    training_cli = typer.Typer(help="Training records.", no_args_is_help=True)
    jobs_cli = typer.Typer(help="Scheduled jobs (they run inside `prevent-bot serve`).", no_args_is_help=True)
    cli.add_typer(staff_cli, name="staff")
    cli.add_typer(training_cli, name="training")
    cli.add_typer(jobs_cli, name="jobs")
    staff_cli.command("import")(staff_import)
    staff_cli.command("list")(staff_list)
    training_cli.command("report")(training_report)
    jobs_cli.command("list")(jobs_list)
    jobs_cli.command("run")(jobs_run)


def staff_import(file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="Staff CSV file.")]) -> None:
    """Import staff from CSV: name, email, role, start_date, dsl, and a date column per course."""
    from bot.services.staff_import import ImportResult, import_staff

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


def staff_list(as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """List staff: name, email, role, start date, DSL team."""
    from storage import people

    async def work(app: App) -> list[dict[str, object]]:
        async with app.db.transaction() as session:
            rows = await people.list_staff(session, app.school_id)
        return [{"name": s.name, "email": s.email, "role": s.role, "dsl": s.is_dsl,
                 "start_date": s.start_date.isoformat() if s.start_date else None} for s in rows]

    rows = with_app(work)
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
        return
    for row in rows:
        typer.echo(f"{row['name']:<28} {row['email']:<36} {row['role']:<24} {'DSL' if row['dsl'] else ''}")


REPORT_FIELDS = ["name", "email", "course", "state", "due_on", "last_done", "course_name"]


def training_report(as_json: Annotated[bool, typer.Option("--json")] = False,
                    as_csv: Annotated[bool, typer.Option("--csv")] = False) -> None:
    """Training status of everyone on every course: current, due or overdue."""
    from bot.jobs.plans import training_statuses

    async def work(app: App) -> list[dict[str, object]]:
        rows: list[dict[str, object]] = []
        for person, statuses in await training_statuses(school_of(app), app.clock().date()):
            for s in statuses:
                rows.append({"name": person.name, "email": person.email, "course": s.course, "state": s.state,
                             "due_on": s.due_on.isoformat() if s.due_on else None,
                             "last_done": s.last_done.isoformat() if s.last_done else None,
                             "course_name": s.title})
        return rows

    rows = with_app(work)
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
    elif as_csv or not rows:
        writer = csv.DictWriter(sys.stdout, fieldnames=REPORT_FIELDS)
        writer.writeheader()
        writer.writerows(rows)
    else:
        typer.echo("\n".join(report_lines(rows)))


def report_lines(rows: list[dict[str, object]]) -> list[str]:
    """The report for people: each person once, then each course by name with where they stand."""
    lines: list[str] = []
    person = None
    for row in rows:  # one person's courses come together
        if row["email"] != person:
            person = row["email"]
            lines += [*([""] if lines else []), f"{row['name']} <{person}>"]
        lines.append(f"  {row['course_name']}: {standing(row)}")
    return lines


def standing(row: dict[str, object]) -> str:
    """Where someone stands on one course, in words: never "None", never a course id."""
    due, done = row["due_on"], row["last_done"]
    history = f"last done {done}" if done else "not done yet"
    if row["state"] == "overdue":
        return f"OVERDUE since {due} ({history})"
    if row["state"] == "due":
        return f"due by {due} ({history})"
    if not done:
        return f"not done yet (due by {due})"
    return f"current, next due {due} (last done {done})" if due else f"done {done} (once only)"


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
