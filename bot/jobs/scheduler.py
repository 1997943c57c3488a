"""Scheduled jobs inside `prevent-bot serve`: APScheduler 3 (AsyncIOScheduler), school time zone."""

from __future__ import annotations

import logging
from typing import Protocol
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.jobs.plans import school_of
from bot.jobs.runner import run_job
from bot.services.parts import SchoolParts
from storage.clock import Clock

log = logging.getLogger(__name__)


class Scheduling(SchoolParts, Protocol):
    """What the jobs take from the application (bot.app.App is one): the school's parts and the clock."""

    @property
    def clock(self) -> Clock: ...


def triggers(app: Scheduling) -> dict[str, CronTrigger | IntervalTrigger]:
    """Returns when each job runs: weekly ones on school-day mornings, the interval ones day and night (24/7)."""
    zone = ZoneInfo(app.config.school.timezone)
    r = app.config.reminders
    return {
        # Weekly jobs run every weekday; the weekly dispatch key lets only the first school day
        # on or after nudge_weekday send, so a bank holiday or a term starting midweek misses nothing.
        "training-nudge": CronTrigger(day_of_week="mon-fri", hour=r.nudge_time.hour,
                                      minute=r.nudge_time.minute, timezone=zone),
        "dsl-digest": CronTrigger(day_of_week="mon-fri", hour=r.digest_time.hour,
                                  minute=r.digest_time.minute, timezone=zone),
        "policy-review": CronTrigger(day_of_week="mon-fri", hour=r.policy_time.hour,
                                     minute=r.policy_time.minute, timezone=zone),
        # Day and night, every day: an urgent concern escalates on the wall clock (plans.plan_escalations).
        "escalation": IntervalTrigger(minutes=5, timezone=zone),
        "half-told": IntervalTrigger(minutes=10, timezone=zone),
        "half-told-dsl": IntervalTrigger(minutes=10, timezone=zone),
    }


async def run_scheduled(app: Scheduling, name: str) -> None:
    """Runs one job now (its commit wakes the outbox sender); logs counts only, never content."""
    try:
        plan, sent = await run_job(school_of(app), name, app.clock())
    except Exception:
        log.exception("job %s failed", name)
        return
    log.info("job %s: %s planned, %s queued%s", name, len(plan.items), sent,
             f" (skipped: {plan.skipped})" if plan.skipped else "")


def start_scheduler(app: Scheduling) -> AsyncIOScheduler:
    """Starts every job. Each send claims a unique dispatch key, so several instances never double up."""
    scheduler = AsyncIOScheduler(timezone=ZoneInfo(app.config.school.timezone))
    for name, trigger in triggers(app).items():
        scheduler.add_job(run_scheduled, trigger, args=(app, name), id=name, name=name,
                          coalesce=True, max_instances=1, misfire_grace_time=3600)
    scheduler.start()
    return scheduler
