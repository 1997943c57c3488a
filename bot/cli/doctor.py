"""`prevent-bot doctor`: what was checked, each ok or what to fix, and a verdict; creates nothing."""

from __future__ import annotations

import asyncio
import json
from typing import Annotated

import typer

from bot.checks import Finding, examine
from bot.settings import Settings


def doctor(as_json: Annotated[bool, typer.Option("--json", help="JSON: the checks and the verdict.")] = False) -> None:
    """Check the school file, data key, database and each platform; say what to fix. Creates and changes nothing."""
    findings = asyncio.run(examine(Settings()))
    problems = sum(not finding.ok for finding in findings)
    if as_json:
        typer.echo(json.dumps({"checks": [f.to_json() for f in findings], "ok": not problems,
                               "verdict": verdict(findings)}, indent=2))
    else:
        typer.echo("\n".join([*(line(f) for f in findings), "", verdict(findings)]))
    if problems:
        raise typer.Exit(1)


def line(finding: Finding) -> str:
    """One check as a line: ok or PROBLEM, its name, and what it found or what to do."""
    return f"{'ok' if finding.ok else 'PROBLEM':<8} {finding.name}: {finding.detail}"


def verdict(findings: list[Finding]) -> str:
    """The one-line verdict."""
    problems = [f.name for f in findings if not f.ok]
    if not problems:
        return f"All {len(findings)} checks passed: nothing to fix."
    return (f"{len(problems)} of {len(findings)} checks found a problem ({', '.join(problems)}): fix what is marked "
            "PROBLEM, then run `prevent-bot doctor` again.")
