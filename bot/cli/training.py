"""`prevent-bot training report`: where everyone stands on every course, in words, JSON or CSV."""

from __future__ import annotations

import csv
import json
import sys
from typing import Annotated

import typer

from bot.app import App
from bot.cli.support import with_app
from bot.jobs.plans import school_of, training_statuses

REPORT_FIELDS = ["name", "email", "course", "state", "due_on", "last_done", "course_name"]


def training_report(as_json: Annotated[bool, typer.Option("--json")] = False,
                    as_csv: Annotated[bool, typer.Option("--csv")] = False) -> None:
    """Training status of everyone on every course: current, due or overdue."""
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
