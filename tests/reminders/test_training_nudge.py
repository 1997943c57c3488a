"""The weekly training nudge: exactly the people due, once a week, never at the wrong time."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlmodel import select

from bot.app import App
from bot.config import Term
from bot.jobs.plans import School
from bot.jobs.runner import run_job
from bot.jobs.scheduler import triggers
from bot.services.calendar import in_quiet_hours
from storage.models import Outbox
from tests.helpers import LONDON, Conversation

MONDAY = datetime(2026, 11, 30, 8, 30, tzinfo=LONDON)


async def nudged(app: App) -> list[str]:
    """Returns the emails of everyone with a training nudge queued, one entry per message."""
    from storage import people

    async with app.db.transaction() as session:
        rows = (await session.exec(select(Outbox).where(Outbox.kind == "training_nudge"))).all()
        emails = []
        for row in rows:
            staff = await people.staff_by_id(session, int(row.destination.split(":")[1]))
            assert staff is not None
            emails.append(staff.email)
    return sorted(emails)


async def test_nudges_exactly_the_people_due(school_app: App, school: School) -> None:
    plan, sent = await run_job(school, "training-nudge", MONDAY)
    assert plan.skipped == ""
    emails = await nudged(school_app)
    # From examples/staff.csv on 30 Nov 2026 (due within 30 days or overdue):
    assert emails == sorted(["alex.example@school.example", "sam.sample@school.example", "head@school.example",
                             "teacher@school.example", "chris.mockname@school.example",
                             "drew.fictional@school.example", "lee.invented@school.example",
                             "morgan.madeup@school.example"])
    assert sent == len(emails)
    teacher = next(i for i in plan.items if i.who == "teacher@school.example")
    assert "Prevent awareness" in teacher.reply.text and "2026-12-10" in teacher.reply.text
    assert "GOV.UK" in teacher.reply.text
    assert "go:training_done?course=prevent" in [c.id for c in teacher.reply.choices]
    assert "DSL training" not in teacher.reply.text  # a DSL-only course is not asked of a teacher


async def test_someone_current_is_not_nudged(school_app: App, school: School) -> None:
    teacher = Conversation(school_app.engine, "teacher@school.example")
    for course in ("annual_update", "prevent"):
        await teacher.tap(f"go:training_done?course={course}", token=None)
        await teacher.tap("today")
        await teacher.tap("none")
        assert "Recorded" in teacher.text
    await run_job(school, "training-nudge", MONDAY)
    assert "teacher@school.example" not in await nudged(school_app)


async def test_once_a_week_however_often_it_runs(school_app: App, school: School) -> None:
    first = (await run_job(school, "training-nudge", MONDAY))[1]
    again = (await run_job(school, "training-nudge", MONDAY + timedelta(hours=2)))[1]
    assert first == 8 and again == 0
    next_week = (await run_job(school, "training-nudge", MONDAY + timedelta(days=7)))[1]
    assert next_week == 8
    assert len(await nudged(school_app)) == 16


async def test_nothing_at_weekends_holidays_or_quiet_hours(school_app: App, school: School) -> None:
    saturday = datetime(2026, 12, 5, 10, 0, tzinfo=LONDON)
    half_term = datetime(2026, 10, 26, 8, 30, tzinfo=LONDON)
    christmas = datetime(2026, 12, 21, 8, 30, tzinfo=LONDON)
    late_evening = datetime(2026, 11, 30, 19, 0, tzinfo=LONDON)
    early_morning = datetime(2026, 11, 30, 6, 45, tzinfo=LONDON)
    for moment, reason in ((saturday, "weekend"), (half_term, "holiday"), (christmas, "holiday"),
                           (late_evening, "quiet hours"), (early_morning, "quiet hours")):
        plan, sent = await run_job(school, "training-nudge", moment)
        assert sent == 0 and reason in plan.skipped
        assert plan.items  # the dry plan still knows who is due
    assert await nudged(school_app) == []
    assert in_quiet_hours(school.config, late_evening) and not in_quiet_hours(school.config, MONDAY)


async def test_dry_run_sends_nothing(school_app: App, school: School) -> None:
    plan, sent = await run_job(school, "training-nudge", MONDAY, dry_run=True)
    assert len(plan.items) == 8 and sent == 0
    assert await nudged(school_app) == []


def fire_times(app: App, name: str, start: datetime, end: datetime) -> list[datetime]:
    trigger, previous = triggers(app)[name], None
    fires: list[datetime] = []
    moment = start
    while True:
        nxt = trigger.get_next_fire_time(previous, moment)
        if nxt is None or nxt > end:
            return fires
        fires.append(nxt)
        previous, moment = nxt, nxt + timedelta(seconds=1)


async def test_clock_change_weeks_run_once(school_app: App, school: School) -> None:
    for sunday in (date(2026, 3, 29), date(2026, 10, 25)):  # last Sundays of March and October
        if sunday.month == 10:
            school.config.terms.append(Term(start=date(2026, 10, 19), end=date(2026, 10, 30)))  # no half term here
        monday_before = sunday - timedelta(days=6)
        start = datetime.combine(monday_before, datetime.min.time(), LONDON)
        fires = fire_times(school_app, "training-nudge", start, start + timedelta(days=14))
        weekdays = [monday_before + timedelta(days=d) for d in (0, 1, 2, 3, 4, 7, 8, 9, 10, 11)]
        assert [(f.date(), f.hour, f.minute) for f in fires] == [(d, 8, 30) for d in weekdays]  # one a day, 08:30 local
        sent = [(fire.date(), (await run_job(school, "training-nudge", fire))[1]) for fire in fires]
        for week in (sent[:5], sent[5:]):
            assert week[0][1] > 0, week  # the Monday sends
            assert [n for _, n in week[1:]] == [0, 0, 0, 0]  # and nothing more that week


async def test_a_bank_holiday_monday_sends_on_tuesday_instead(school_app: App, school: School) -> None:
    school.config.terms[:] = [Term(start=date(2026, 11, 3), end=date(2026, 12, 18))]  # term starts on a Tuesday
    monday, tuesday = datetime(2026, 11, 2, 8, 30, tzinfo=LONDON), datetime(2026, 11, 3, 8, 30, tzinfo=LONDON)
    assert (await run_job(school, "training-nudge", monday))[0].skipped == "it is a school holiday"
    assert (await run_job(school, "training-nudge", tuesday))[1] > 0
    assert (await run_job(school, "training-nudge", tuesday + timedelta(days=1)))[1] == 0
