"""The scheduled jobs: plan, then queue each message once (a dispatch key claimed with its outbox row)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import update
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

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


JOBS = {job.name: job for job in (
    Job("training-nudge", "weekly at nudge_time (default 08:30) on the first school day from nudge_weekday (Monday)",
        plan_training_nudge),
    Job("dsl-digest", "weekly at digest_time (default 08:00) on the first school day from nudge_weekday (Monday)",
        plan_dsl_digest),
    Job("policy-review", "daily at policy_time (default 09:00) on school days: 30 days before, then weekly",
        plan_policy_reviews),
    Job("escalation", "every 5 minutes, day and night: urgent concerns unacknowledged after escalate_after_minutes "
        "(default 30) on the clock, at any hour; others after that many minutes of school time", plan_escalations),
    Job("half-told", "every 10 minutes: concerns left half-told for 2 hours (once)", plan_half_told),
    Job("half-told-dsl", "every 10 minutes: the DSL team is told of concerns still half-told after 24 hours (once "
        "each; who started it, never what it says): in school hours, or at any hour for an urgent one",
        plan_half_told_dsl),
)}


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
