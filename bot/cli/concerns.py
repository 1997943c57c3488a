"""`prevent-bot concerns list|show`: concerns with their status, and one in full (every view audited)."""

from __future__ import annotations

import getpass
import json
from typing import Annotated

import typer

from bot.app import App
from bot.cli.support import fail, reference_or_fail, with_app
from bot.services.records import chronology_line, concern_lines, list_concerns, shown_concern


def concerns_list(as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """List concerns: reference, status, urgency, category, year group (no narrative)."""
    rows = with_app(list_concerns)
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
        return
    for row in rows:
        typer.echo(f"{row['reference']:<13} {row['status']:<13} {'URGENT' if row['urgent'] else '':<7}"
                   f"{row['category']:<20} {row['year_group']:<12} {row['raised_at']}")
    if not rows:
        typer.echo("No concerns yet.")


def concerns_show(reference: str, as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Show one concern in full, with its chronology. The view is written to the audit log."""
    reference = reference_or_fail(reference)
    actor = f"cli:{getpass.getuser()}"

    async def work(app: App) -> str | None:
        found = await shown_concern(app, reference, actor)
        if found is None:
            return None
        record, chronology = found
        if as_json:  # field ids and UTC, for scripts
            return json.dumps({**record, "chronology": [chronology_line(e) for e in chronology]}, indent=2)
        return "\n".join(concern_lines(app, record, chronology))

    shown = with_app(work)
    if shown is None:
        fail(f"No concern with reference {reference}.", 1)
    typer.echo(shown)
