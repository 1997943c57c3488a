"""`prevent-bot audit`: who saw or did what, and who was refused (the log every view and decision writes)."""

from __future__ import annotations

import getpass
import json
from typing import Annotated

import typer

from bot.cli.support import fail, reference_or_fail, with_app
from bot.services.records import audit_log


def audit(
    concern: Annotated[str, typer.Option("--concern", help="Only entries about this concern, e.g. C-2026-0001.")]
    = "",
    actor: Annotated[str, typer.Option("--actor", help="Only entries by this person (email) or cli:USER.")] = "",
    as_json: Annotated[bool, typer.Option("--json", help="JSON instead of text.")] = False,
) -> None:
    """Show the audit log: who viewed, exported or decided what, and each refused attempt. Itself audited."""
    concern = reference_or_fail(concern) if concern.strip() else ""
    if not actor.isprintable() or len(actor) > 320:  # an email or cli:USER (a NUL was a look-up PostgreSQL refused)
        fail(f"{actor[:40]!r} is not an email address or cli:USER.")
    viewer = f"cli:{getpass.getuser()}"
    rows = with_app(lambda app: audit_log(app, concern, actor, viewer))
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
        return
    for row in rows:
        outcome = "" if row["allowed"] else "  REFUSED"
        typer.echo(f"{row['at']}  {row['actor']:<32} {row['action']:<20} {row['target']}{outcome}")
    if not rows:
        typer.echo("Nothing in the audit log matches.")
