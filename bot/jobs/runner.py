"""The scheduled jobs: plan, then queue each message once (a dispatch key claimed with its outbox row)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import update
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.jobs.catalogue import SCHEDULE
from bot.jobs.plans import (
    Plan,
    Planned,
    School,
    plan_dsl_digest,
    plan_escalations,
    plan_half_told,
    plan_half_told_dsl,
    plan_policy_reviews,
    plan_training_nudge,
)
from storage import outbox, people
from storage.db import utcnow
from storage.models import DialogSession
from storage.outbox import Destination, OutboxKind, StaffDM

CHUNK = 500


@dataclass(frozen=True, slots=True)
class Job:
    """A named job, when it runs, and how it plans its messages."""

    name: str
    when: str
    plan: Callable[[School, datetime], Awaitable[Plan]]


PLANS: dict[str, Callable[[School, datetime], Awaitable[Plan]]] = {
    "training-nudge": plan_training_nudge,
    "dsl-digest": plan_dsl_digest,
    "policy-review": plan_policy_reviews,
    "escalation": plan_escalations,
    "half-told": plan_half_told,
    "half-told-dsl": plan_half_told_dsl,
}
JOBS = {name: Job(name, when, PLANS[name]) for name, when in SCHEDULE.items()}


async def queue(school: School, items: list[Planned]) -> int:
    """Claims each item's dispatch key and queues its message in the same transaction; returns how many."""
    platform, sent = school.config.school.platform, 0
    for start in range(0, len(items), CHUNK):
        chunk = items[start:start + CHUNK]
        async with school.db.transaction() as session:
            won = await people.claim_dispatches(session, [(i.key, i.school_id) for i in chunk])
            messages: dict[int, list[tuple[Destination, OutboxKind, dict[str, object]]]] = {}
            for item in chunk:
                if item.key not in won:
                    continue
                destination = item.destination or await _destination(session, item)
                messages.setdefault(item.school_id, []).append(
                    (destination, item.kind, {"reply": item.reply.to_json()}))
                if item.session_id is not None:
                    await (await session.connection()).execute(
                        update(DialogSession).where(col(DialogSession.id) == item.session_id)
                        .values(reminded_at=utcnow()))
                sent += 1
            for school_id, rows in messages.items():  # one INSERT per school, in the order planned
                await outbox.enqueue_many(session, school_id, platform, rows)
    return sent


async def _destination(session: AsyncSession, item: Planned) -> StaffDM:
    """Finds (or adds) the member of staff a reminder is addressed to by email."""
    staff = await people.upsert_staff(session, item.school_id, item.who, "")
    assert staff.id is not None
    return StaffDM(staff.id)


async def run_job(school: School, name: str, now: datetime, dry_run: bool = False) -> tuple[Plan, int]:
    """Plans a job and, unless it is a dry run or the time is wrong, queues its messages."""
    plan = await JOBS[name].plan(school, now)
    if dry_run or plan.skipped:
        return plan, 0
    return plan, await queue(school, plan.items)
