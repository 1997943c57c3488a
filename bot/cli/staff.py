"""`prevent-bot staff list`: who is in the staff directory (`staff import` is staff_import.py)."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from bot.app import App
from bot.cli.support import with_app
from storage import people


def staff_list(as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """List staff: name, email, role, start date, DSL team."""
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
