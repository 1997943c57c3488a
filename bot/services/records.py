"""The written record for the command line: list, show and export concerns, and the audit log."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.services.directory import SchoolDirectory
from bot.services.parts import SchoolParts
from bot.services.wording import Words
from dialogs import dsl_lists
from dialogs.concern_facts import draft_facts
from dialogs.ports import ConcernDraft
from storage import concerns as store
from storage import people
from storage.models import Concern

PUPIL_AUDIENCE = "dsl_team"  # a concern about a child; any other holder means a concern about an adult


class Office(SchoolParts, Protocol):
    """What the record needs of the application (bot.app.App is one): the school's parts and its directory."""

    @property
    def directory(self) -> SchoolDirectory: ...


async def list_concerns(app: Office) -> list[dict[str, object]]:
    """Returns every concern's summary (no narrative, no names), newest first."""
    async with app.db.transaction() as session:
        rows = await store.listed(session, app.school_id)
        return [{"reference": c.reference, "status": c.status, "urgent": c.urgent,
                 "category": c.categories or c.category, "year_group": c.year_group, "about": c.about,
                 "raised_at": (c.submitted_at or c.created_at).isoformat(timespec="seconds"),
                 "acknowledged_at": c.acknowledged_at.isoformat(timespec="seconds") if c.acknowledged_at else None,
                 "closed_at": c.closed_at.isoformat(timespec="seconds") if c.closed_at else None,
                 "outcome": c.outcome} for c in rows]


async def shown_concern(app: Office, reference: str,
                        actor: str) -> tuple[dict[str, object], list[dict[str, object]]] | None:
    """Returns one concern as written and its chronology, writing an audit row for the view (refused if unknown)."""
    async with app.db.transaction() as session:
        concern = await store.by_reference(session, app.school_id, reference)
        if concern is None:
            await store.audit(session, app.school_id, actor, "concern.show", reference.upper(), allowed=False)
            return None
        await store.audit(session, app.school_id, actor, "concern.show", concern.reference)
        return await _record(app, session, concern)


def concern_lines(app: Office, record: dict[str, object], chronology: list[dict[str, object]]) -> list[str]:
    """One concern for people: the dialogs' labels and the school's time zone, never field names or ids."""
    t, zone = app.words, ZoneInfo(app.config.school.timezone)
    facts = [(t("fact.reference"), str(record["reference"])),
             (t("fact.status"), _label(t, "status", str(record["status"]))),
             (t("fact.reporter"), str(record["reporter"])),
             *draft_facts(t, dict(app.directory.categories()), ConcernDraft.from_json(record),
                          lambda at: local_time(at, zone))]
    if record["outcome"]:
        facts.append((t("fact.outcome"), dsl_lists.label(t, dsl_lists.OUTCOMES, str(record["outcome"]))))
    lines = [f"{label}: {_indented(value)}" for label, value in facts]
    lines.append(t("fact.chronology") + ":")
    for event in chronology:
        detail = f" — {_indented(str(event['detail']))}" if event["detail"] else ""
        lines.append(f"  {local_time(event['at'], zone)}  {_label(t, 'event', str(event['kind']))}  "
                     f"{event['by']}{detail}")
    return lines


def local_time(at: object, zone: ZoneInfo) -> str:
    """A stored time (aware, naive UTC or ISO 8601 text) in the school's time zone, as a person reads it."""
    moment = at if isinstance(at, datetime) else datetime.fromisoformat(str(at))
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return moment.astimezone(zone).strftime("%a %d %b %Y %H:%M %Z")


def _label(t: Words, group: str, value: str) -> str:
    """The content file's words for an id (the id itself when the file has none)."""
    key = f"{group}.{value}"
    words = t(key)
    return value if words == key else words


def _indented(text: str) -> str:
    """Continuation lines of a long answer, indented under their label."""
    return text.replace("\n", "\n    ")


async def audit_log(app: Office, concern: str, actor: str, viewer: str) -> list[dict[str, object]]:
    """Returns the audit log (who saw or did what, allowed or refused), itself audited as looked at."""
    async with app.db.transaction() as session:
        rows = await store.audit_rows(session, app.school_id, concern.strip().upper(), actor.strip().lower())
        await store.audit(session, app.school_id, viewer, "audit.view", concern.strip().upper())
    return [{"at": row.created_at.isoformat(timespec="seconds"), "actor": row.actor, "action": row.action,
             "target": row.target, "allowed": row.allowed} for row in rows]


def chronology_line(event: dict[str, object]) -> str:
    """One chronology entry as a line: when (UTC), what, who, and what was written."""
    detail = f"  — {event['detail']}" if event["detail"] else ""
    return f"{event['at']:%Y-%m-%d %H:%M} UTC  {event['kind']:<14} {event['by']}{detail}"


@dataclass(frozen=True)
class Sharing:
    """Who is sharing records outside the bot, and why (information-sharing advice: record the reason)."""

    actor: str
    reason: str


async def export_concerns(app: Office, references: Sequence[str], pupil: str,
                          shared: Sharing) -> tuple[list[dict[str, object]], list[str]]:
    """Returns whole records (named concerns, or every one about a pupil) and the references not found.

    Every concern exported is audited and gets a "shared" entry in its chronology with the reason;
    when any reference is unknown nothing is returned, so a partial file is never mistaken for the
    whole record.
    """
    actor = shared.actor
    async with app.db.transaction() as session:
        found: list[Concern] = []
        missing: list[str] = []
        for reference in references:
            concern = await store.by_reference(session, app.school_id, reference)
            if concern is None:
                missing.append(reference.upper())
                await store.audit(session, app.school_id, actor, "concern.export", reference.upper(), allowed=False)
            elif concern not in found:
                found.append(concern)
        if pupil.strip():
            for concern in await store.about_pupil(session, app.school_id, app.db.cipher.name_hashes(pupil)):
                if concern not in found:
                    found.append(concern)
        if missing:
            return [], missing
        records = []
        for concern in found:
            await store.audit(session, app.school_id, actor, "concern.export", concern.reference)
            await store.add_event(session, concern, "shared", None,
                                  app.db.cipher.encrypt(f"{shared.reason} (exported by {actor})"))
            record, chronology = await _record(app, session, concern)
            records.append({**record, "chronology": chronology})
        return records, []


async def referral_history(app: Office, pupil: str, actor: str) -> list[dict[str, object]]:
    """Every concern about a child by name hash (never one about an adult), for earlier referrals; audited."""
    async with app.db.transaction() as session:
        history = []
        for concern in await store.about_pupil(session, app.school_id, app.db.cipher.name_hashes(pupil)):
            if concern.audience != PUPIL_AUDIENCE:
                continue
            await store.audit(session, app.school_id, actor, "concern.referral_history", concern.reference)
            record, chronology = await _record(app, session, concern)
            history.append({**record, "chronology": chronology})
        return history


async def _record(app: Office, session: AsyncSession,
                  concern: Concern) -> tuple[dict[str, object], list[dict[str, object]]]:
    """One concern as written (what was reported, by whom, status, outcome) and its chronology."""
    draft = ConcernDraft.from_json(json.loads(app.db.cipher.decrypt(concern.details_enc)))
    reporter = await people.staff_by_id(session, concern.reporter_id)
    chronology: list[dict[str, object]] = []
    assert concern.id is not None
    for event in await store.events(session, concern.id):
        who = await people.staff_by_id(session, event.actor_id) if event.actor_id else None
        chronology.append({"at": event.created_at, "kind": event.kind, "by": who.name if who else "system",
                           "detail": app.db.cipher.decrypt(event.detail_enc) if event.detail_enc else ""})
    labels = dict(app.directory.categories())
    kinds = (concern.categories or concern.category).split(",")
    record = {"reference": concern.reference, "status": concern.status, "urgent": concern.urgent,
              "reporter": reporter.email if reporter else "", **draft.to_json(),
              "category_label": ", ".join(labels.get(k, k) for k in kinds if k), "outcome": concern.outcome,
              "audience": concern.audience,
              "written_at": (concern.submitted_at or concern.created_at).isoformat(timespec="seconds")}
    return record, chronology

