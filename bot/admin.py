"""Admin views for the command line: list and show concerns, doctor checks."""

from __future__ import annotations

import json

from bot.app import App
from dialogs.ports import ConcernDraft
from storage import concerns as store
from storage import people


async def list_concerns(app: App) -> list[dict[str, object]]:
    """Returns every concern's summary (no narrative, no names), newest first."""
    async with app.db.transaction() as session:
        rows = await store.listed(session, app.school_id)
        return [{"reference": c.reference, "status": c.status, "urgent": c.urgent, "category": c.category,
                 "year_group": c.year_group, "about": c.about,
                 "raised_at": (c.submitted_at or c.created_at).isoformat(timespec="seconds"),
                 "acknowledged_at": c.acknowledged_at.isoformat(timespec="seconds") if c.acknowledged_at else None,
                 "closed_at": c.closed_at.isoformat(timespec="seconds") if c.closed_at else None,
                 "outcome": c.outcome} for c in rows]


async def show_concern(app: App, reference: str, actor: str) -> dict[str, object] | None:
    """Returns one concern in full with its chronology, writing an audit row for the view."""
    async with app.db.transaction() as session:
        concern = await store.by_reference(session, app.school_id, reference)
        if concern is None:
            await store.audit(session, app.school_id, actor, "concern.show", reference.upper(), allowed=False)
            return None
        await store.audit(session, app.school_id, actor, "concern.show", concern.reference)
        draft = ConcernDraft.from_json(json.loads(app.db.cipher.decrypt(concern.details_enc)))
        reporter = await people.staff_by_id(session, concern.reporter_id)
        chronology = []
        assert concern.id is not None
        for event in await store.events(session, concern.id):
            who = await people.staff_by_id(session, event.actor_id) if event.actor_id else None
            detail = app.db.cipher.decrypt(event.detail_enc) if event.detail_enc else ""
            chronology.append(f"{event.created_at:%Y-%m-%d %H:%M} UTC  {event.kind:<14} "
                              f"{who.name if who else 'system'}{'  — ' + detail if detail else ''}")
        return {"reference": concern.reference, "status": concern.status, "urgent": concern.urgent,
                "reporter": reporter.email if reporter else "", **draft.to_json(),
                "outcome": concern.outcome, "chronology": chronology}


async def run_doctor(app: App) -> list[str]:
    """Runs every check and returns the problems found (empty when all is well)."""
    from bot.checks import all_checks
    from bot.platforms import configured_platforms

    problems: list[str] = []
    for check in all_checks():
        problems += await check(app)
    for platform in configured_platforms(app):
        problems += await platform.readiness()
    return problems
