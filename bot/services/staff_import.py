"""Imports the staff list from CSV: good rows go in, bad rows are reported by line, re-imports change nothing."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.config import SchoolConfig
from storage import people, records
from storage.db import Database

REQUIRED = ("name", "email")
TRUE = {"yes", "y", "true", "1", "dsl"}
FALSE = {"", "no", "n", "false", "0"}


@dataclass(slots=True)
class ImportResult:
    """What an import did, and the rows it could not use."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    training_added: int = 0
    problems: list[tuple[int, str]] = field(default_factory=list)
    warnings: list[tuple[int, str]] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class StaffRow:
    """One valid row of the staff file."""

    line: int
    name: str
    email: str
    role: str
    start_date: date | None
    dsl: bool
    training: dict[str, date]


def parse_date(text: str) -> date:
    """Reads 2026-09-01 or 01/09/2026."""
    text = text.strip()
    for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise ValueError(f"'{text}' is not a date (use 2026-09-01 or 01/09/2026)")


def _row(line: int, raw: dict[str, str], courses: list[str], today: date) -> StaffRow:
    """Validates one row; raises ValueError with the reason."""
    values = {k.strip().lower(): (v or "").strip() for k, v in raw.items() if k}
    name, email = values.get("name", ""), values.get("email", "").lower()
    if not name:
        raise ValueError("name is empty")
    if "@" not in email or " " in email or email.startswith("@") or email.endswith("@"):
        raise ValueError(f"'{email}' is not an email address")
    flag = values.get("dsl_team", "").lower()
    if flag not in TRUE | FALSE:
        raise ValueError(f"dsl_team must be yes or no, not '{flag}'")
    start = parse_date(values["start_date"]) if values.get("start_date") else None
    training = {}
    for course in courses:
        if values.get(course):
            done = parse_date(values[course])
            if done > today:
                raise ValueError(f"{course} date {done} is in the future")
            training[course] = done
    return StaffRow(line, name, email, values.get("role", ""), start, flag in TRUE, training)


def read_rows(text: str, config: SchoolConfig, today: date, result: ImportResult) -> list[StaffRow]:
    """Parses the CSV text; bad rows go to result.problems with their line number."""
    reader = csv.DictReader(io.StringIO(text))
    headers = {h.strip().lower() for h in reader.fieldnames or []}
    missing = [h for h in REQUIRED if h not in headers]
    if missing:
        result.problems.append((1, f"missing column(s): {', '.join(missing)}"))
        return []
    courses, rows, seen = [c.id for c in config.courses], [], set()
    for raw in reader:
        line = reader.line_num
        try:
            row = _row(line, raw, courses, today)
        except ValueError as exc:
            result.problems.append((line, str(exc)))
            continue
        if row.email in seen:
            result.problems.append((line, f"{row.email} appears more than once; the first row was used"))
            continue
        seen.add(row.email)
        rows.append(row)
    return rows


async def import_staff(db: Database, config: SchoolConfig, school_id: int, text: str, today: date,
                       progress: Callable[[int], None] | None = None) -> ImportResult:
    """Imports staff CSV text: adds or updates people by email and adds training dates not yet held."""
    result = ImportResult()
    rows = read_rows(text, config, today, result)
    dsl = config.dsl_emails()
    for start in range(0, len(rows), 200):
        async with db.transaction() as session:
            for row in rows[start:start + 200]:
                await _apply(session, school_id, row, dsl, result)
        if progress:
            progress(min(200, len(rows) - start))
    return result


async def _apply(session: AsyncSession, school_id: int, row: StaffRow, dsl: set[str], result: ImportResult) -> None:
    """Adds or updates one person and their training dates."""
    existing = await people.staff_by_email(session, school_id, row.email)
    before = (existing.name, existing.role, existing.start_date) if existing else None
    staff = await people.upsert_staff(session, school_id, row.email, row.name, row.role)
    staff.start_date = row.start_date or staff.start_date
    staff.is_dsl = row.email in dsl
    session.add(staff)
    if row.dsl and row.email not in dsl:
        result.warnings.append((row.line, f"{row.email} is marked DSL here but is not in the school file's "
                                          "dsl_team; DSL access comes only from the school file"))
    if before is None:
        result.added += 1
    elif before != (staff.name, staff.role, staff.start_date):
        result.updated += 1
    else:
        result.unchanged += 1
    assert staff.id is not None
    for course, done in row.training.items():
        if await records.add_training(session, school_id, staff.id, course, done, "", None):
            result.training_added += 1
