"""`prevent-bot db rekey`: the last step of rotating PREVENT_DATA_KEY."""

from __future__ import annotations

import getpass
import json
from dataclasses import asdict
from typing import Annotated

import typer

from bot.app import App
from bot.cli.support import with_app
from bot.services.keys import RekeyReport, reseal_all
from storage import concerns as store


def db_rekey(as_json: Annotated[bool, typer.Option("--json", help="JSON instead of text.")] = False) -> None:
    """Re-seal every encrypted value under PREVENT_DATA_KEY after a key rotation (safe while the bot runs)."""
    actor = f"cli:{getpass.getuser()}"

    async def work(app: App) -> RekeyReport:
        report = await reseal_all(app.db)
        async with app.db.transaction() as session:
            await store.audit(session, app.school_id, actor, "data.rekey",
                              f"{sum(report.resealed.values())} values to key {report.key_id}")
        return report

    report = with_app(work)
    if as_json:
        typer.echo(json.dumps({**asdict(report), "finished": report.finished}, indent=2))
    else:
        typer.echo(describe(report))
    if not report.finished:
        raise typer.Exit(1)


def describe(report: RekeyReport) -> str:
    """The report in words, with what to do next."""
    counts = ", ".join(f"{kind} {count}" for kind, count in report.resealed.items())
    total = sum(report.resealed.values())
    lines = [f"Re-sealed {total} value(s) under the current key (id {report.key_id}): {counts}."]
    if report.changed_meanwhile:
        lines.append(f"{report.changed_meanwhile} value(s) changed while this ran and were left as they are: make "
                     "sure every instance runs with the new PREVENT_DATA_KEY, then run this again.")
    for kid, count in sorted(report.unreadable.items()):
        lines.append(f"{count} value(s) use a data key (id {kid}) that is not configured and were left: set "
                     "PREVENT_DATA_KEY_OLD to that key and run this again.")
    if report.damaged:
        lines.append(f"{report.damaged} value(s) did not open with the key they name and were left (the log names "
                     "the table and row): restore them from a backup, then run this again.")
    if report.finished:
        lines.append("Every encrypted value now uses the current key. Once every instance runs with the new "
                     "PREVENT_DATA_KEY, remove PREVENT_DATA_KEY_OLD (`prevent-bot doctor` checks).")
    return "\n".join(lines)
