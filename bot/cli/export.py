"""`prevent-bot concerns export`: the whole written record of concerns, for a transfer or a referral."""

from __future__ import annotations

import getpass
import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from bot.app import App
from bot.cli.support import fail, reference_or_fail, with_app
from bot.config import SchoolConfig
from bot.services.records import Sharing, chronology_line, export_concerns
from bot.services.referral import prevent_referral

HEADING = "CONFIDENTIAL: child protection record. Share only with those who have a safeguarding role."
FIELDS_SKIPPED_IN_TEXT = {"reference", "chronology"}


def register(concerns_cli: typer.Typer) -> None:
    """Adds `concerns export`."""

    @concerns_cli.command("export")
    def concerns_export(
        references: Annotated[list[str] | None, typer.Argument(help="Concern references, e.g. C-2026-0001.")] = None,
        pupil: Annotated[str, typer.Option("--pupil", help="Every concern naming this pupil (as typed).")] = "",
        out: Annotated[Path | None, typer.Option("--out", help="Write to a new file (readable by you only).")] = None,
        as_json: Annotated[bool, typer.Option("--json", help="JSON instead of text.")] = False,
        reason: Annotated[str, typer.Option("--reason", help="Why, and with whom, it is shared (written into each "
                                            "concern's chronology).")] = "",
        referral: Annotated[bool, typer.Option("--prevent-referral", help="A draft Prevent referral (DfE headings) "
                                               "from these concerns, to check and complete.")] = False,
    ) -> None:
        """Export whole records (details and chronology) for a school transfer or a referral. Audited."""
        if not references and not pupil.strip():
            fail("Name one or more concern references, or --pupil \"Full Name\".")
        if not reason.strip():
            fail("Say why and with whom the record is shared, for example --reason \"Transfer to Example Academy "
                 "(pupil moved school)\". It is recorded with each concern, as information-sharing advice asks.")
        if out is not None and out.exists():
            fail(f"{out} already exists; choose a new file name (an export never overwrites).")
        named = [reference_or_fail(reference) for reference in references or []]
        actor = f"cli:{getpass.getuser()}"
        shared = Sharing(actor, " ".join(reason.split()))
        records, missing, config, now = with_app(lambda app: _export(app, named, pupil, shared))
        if missing:
            fail(f"No concern with reference {', '.join(missing)}. Nothing was exported.", 1)
        if not records:
            fail("No concerns about that pupil (the name must be spelt as it was reported). Nothing was exported.", 1)
        if referral:
            document = f"{HEADING}\n{prevent_referral(records, config)}"
        else:
            document = as_document(records, shared, now) if as_json else as_text(records, shared, now)
        if pupil.strip():  # on stderr, so a piped export stays a clean document
            typer.secho(f"Found {len(records)} concern(s) by name. Names are matched, not people: before sharing, "
                        "check each one is about this child (year group, dates, who raised it).",
                        fg=typer.colors.YELLOW, err=True)
        if out is None:
            typer.echo(document)
            return
        write_private(out, document)
        typer.echo(f"Exported {len(records)} concern(s) to {out}. It holds pupils' names and what they said: "
                   "send it securely and delete it when it has been received.")


async def _export(app: App, references: list[str], pupil: str,
                  shared: Sharing) -> tuple[list[dict[str, object]], list[str], SchoolConfig, datetime]:
    """The records, the references not found, the school file (for a referral's routes and time zone), and now."""
    records, missing = await export_concerns(app, references, pupil, shared)
    return records, missing, app.config, app.clock()


def as_document(records: list[dict[str, object]], shared: Sharing, now: datetime) -> str:
    """The export as JSON (times in ISO 8601, UTC)."""
    for record in records:
        for event in record["chronology"]:  # type: ignore[attr-defined]
            event["at"] = event["at"].isoformat(timespec="seconds")
    return json.dumps({"notice": HEADING, "exported_at": _stamp(now), "exported_by": shared.actor,
                       "reason": shared.reason, "concerns": records}, indent=2, ensure_ascii=False)


def as_text(records: list[dict[str, object]], shared: Sharing, now: datetime) -> str:
    """The export as plain text, one block per concern."""
    lines = [HEADING, f"Exported {_stamp(now)} by {shared.actor}; {len(records)} concern(s).",
             f"Shared for: {shared.reason}", ""]
    for record in records:
        lines.append(f"== {record['reference']} ==")
        lines += [f"{key}: {value}" for key, value in record.items() if key not in FIELDS_SKIPPED_IN_TEXT]
        lines.append("chronology:")
        lines += [f"  {chronology_line(event)}" for event in record["chronology"]]  # type: ignore[attr-defined]
        lines.append("")
    return "\n".join(lines)


def write_private(path: Path, text: str) -> None:
    """Creates a new file only its owner can read (never replacing one) and writes the text."""
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        fail(f"{path} already exists; choose a new file name (an export never overwrites).")
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(text + "\n")


def _stamp(now: datetime) -> str:
    return now.astimezone(UTC).isoformat(timespec="seconds")
