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
from bot.services.concerns import named_pupils
from bot.services.records import PUPIL_AUDIENCE, Sharing, chronology_line, export_concerns, referral_history
from bot.services.referral import Draft, prevent_referral
from bot.services.referral_parts import folded

HEADING = "CONFIDENTIAL: child protection record. Share only with those who have a safeguarding role."
FIELDS_SKIPPED_IN_TEXT = {"reference", "chronology"}


def concerns_export(
    references: Annotated[list[str] | None, typer.Argument(help="Concern references, e.g. C-2026-0001.")] = None,
    pupil: Annotated[str, typer.Option("--pupil", help="Every concern naming this pupil (as typed).")] = "",
    out: Annotated[Path | None, typer.Option("--out", help="Write to a new file (readable by you only).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="JSON instead of text.")] = False,
    reason: Annotated[str, typer.Option("--reason", help="Why, and with whom, it is shared (written into each "
                                        "concern's chronology).")] = "",
    referral: Annotated[bool, typer.Option("--prevent-referral", help="A draft Prevent referral (DfE headings) "
                                           "from these concerns, to check and complete.")] = False,
    with_notes: Annotated[bool, typer.Option("--with-notes", help="With --prevent-referral: include the DSL's "
                                             "internal notes (left out unless asked for).")] = False,
) -> None:
    """Export whole records (details and chronology) for a school transfer or a referral. Audited."""
    if not references and not pupil.strip():
        fail("Name one or more concern references, or --pupil \"Full Name\".")
    if not reason.strip():
        fail("Say why and with whom the record is shared, for example --reason \"Transfer to Example Academy "
             "(pupil moved school)\". It is recorded with each concern, as information-sharing advice asks.")
    if out is not None and out.exists():
        fail(f"{out} already exists; choose a new file name (an export never overwrites).")
    if with_notes and not referral:
        fail("--with-notes is for a draft referral: add --prevent-referral (an export always holds the notes).")
    named = [reference_or_fail(reference) for reference in references or []]
    actor = f"cli:{getpass.getuser()}"
    shared = Sharing(actor, " ".join(reason.split()))
    if referral:
        document = with_app(lambda app: _referral(app, named, pupil, shared, with_notes))
        records: list[dict[str, object]] = []
    else:
        records, missing, now = with_app(lambda app: _export(app, named, pupil, shared))
        _found_or_fail(records, missing)
        document = as_document(records, shared, now) if as_json else as_text(records, shared, now)
    if pupil.strip() and not referral:  # on stderr, so a piped export stays a clean document
        typer.secho(f"Found {len(records)} concern(s) by name. Names are matched, not people: before sharing, "
                    "check each one is about this child (year group, dates, who raised it).",
                    fg=typer.colors.YELLOW, err=True)
    if out is None:
        typer.echo(document)
        return
    write_private(out, document)
    done = f"Exported {len(records)} concern(s)" if records else "Wrote the draft referral"
    typer.echo(f"{done} to {out}. It holds pupils' names and what they said: send it securely and delete it "
               "when it has been received.")


async def _export(app: App, references: list[str], pupil: str,
                  shared: Sharing) -> tuple[list[dict[str, object]], list[str], datetime]:
    """The records, the references not found, and now."""
    records, missing = await export_concerns(app, references, pupil, shared)
    return records, missing, app.clock()


def _found_or_fail(records: list[dict[str, object]], missing: list[str]) -> None:
    """Stops, exporting nothing, when a reference is unknown or no concern names the pupil."""
    if missing:
        fail(f"No concern with reference {', '.join(missing)}. Nothing was exported.", 1)
    if not records:
        fail("No concerns about that pupil (the name must be spelt as it was reported). Nothing was exported.", 1)


async def _referral(app: App, references: list[str], pupil: str, shared: Sharing, with_notes: bool) -> str:
    """The draft referral about one child: never a concern about an adult; earlier referrals found by name."""
    records, missing = await export_concerns(app, references, pupil, shared)
    _found_or_fail(records, missing)
    about_children = [r for r in records if r.get("audience") == PUPIL_AUDIENCE]
    if len(about_children) < len(records):
        typer.secho(f"Left out {len(records) - len(about_children)} concern(s) about an adult: they are never part "
                    "of a pupil's referral.", fg=typer.colors.YELLOW, err=True)
    if not about_children:
        fail("None of these concerns is about a child, so there is no referral to draft.", 1)
    subject = pupil.strip() or _only_child(about_children)
    history = await referral_history(app, subject, shared.actor)
    typer.secho(f"Found {len(history)} concern(s) about this name for earlier referrals. Names are matched, not "
                "people: check each one is about this child (year group, dates, who raised it).",
                fg=typer.colors.YELLOW, err=True)
    draft = Draft(subject=subject, history=history, with_notes=with_notes)
    return f"{HEADING}\n{prevent_referral(about_children, app.config, app.words, draft)}"


def _only_child(records: list[dict[str, object]]) -> str:
    """The one child the concerns name; a concern naming several children needs --pupil to say which."""
    names = {folded(n): n for r in records for n in named_pupils(str(r.get("pupils") or ""))[-1:]}
    several = any(len(named_pupils(str(r.get("pupils") or ""))) > 1 for r in records)
    if several or len(names) != 1:
        fail("These concerns name more than one child: say which child the referral is about with --pupil "
             "\"Full Name\" (the others' names are then left out).")
    return next(iter(names.values()))


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
