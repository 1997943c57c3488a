"""Policy reviews, escalation of unacknowledged concerns, half-told concerns and the DSL digest."""

from __future__ import annotations

import json
from datetime import date, datetime

import pytest
from sqlmodel import select

from bot.app import App
from bot.jobs.plans import School
from bot.jobs.runner import JOBS, run_job
from storage import records
from storage.models import Outbox
from tests.helpers import LONDON, Conversation, FrozenClock, start, tell_up_to_review
from tests.reminders.harness import urgent_half_told

MONDAY = datetime(2026, 11, 30, 8, 30, tzinfo=LONDON)
BEFORE_HALF_TERM = datetime(2026, 10, 23, 18, 5, tzinfo=LONDON)  # Friday evening, the last day of term


async def outbox(app: App, kind: str) -> list[Outbox]:
    async with app.db.transaction() as session:
        return list((await session.exec(select(Outbox).where(Outbox.kind == kind))).all())


async def set_review(app: App, key: str, last: date) -> None:
    async with app.db.transaction() as session:
        policy = await records.policy(session, app.school_id, key)
        assert policy is not None
        policy.last_reviewed = last
        session.add(policy)


async def test_policy_reminder_30_days_before_then_weekly(school_app: App, school: School) -> None:
    async with school_app.db.transaction() as session:
        for policy in await records.policies(session, school_app.school_id):
            policy.last_reviewed = date(2026, 9, 1)
            session.add(policy)
    await set_review(school_app, "visitors_speakers", date(2025, 12, 20))  # due 20 Dec 2026
    await run_job(school, "policy-review", datetime(2026, 11, 19, 9, 0, tzinfo=LONDON))  # 31 days before
    assert await outbox(school_app, "policy_review") == []
    await run_job(school, "policy-review", datetime(2026, 11, 20, 9, 0, tzinfo=LONDON))  # 30 days before
    await run_job(school, "policy-review", datetime(2026, 11, 27, 9, 0, tzinfo=LONDON))
    [soon] = await outbox(school_app, "policy_review")
    reply = json.loads(soon.payload)["reply"]
    assert "Visitors and visiting speakers" in reply["text"] and "2026-12-20" in reply["text"]
    assert reply["choices"][0]["id"] == "go:policy_review?policy=visitors_speakers"
    overdue_days = [datetime(2027, 1, 5, 9, 0, tzinfo=LONDON), datetime(2027, 1, 6, 9, 0, tzinfo=LONDON),
                    datetime(2027, 1, 11, 9, 0, tzinfo=LONDON), datetime(2027, 1, 18, 9, 0, tzinfo=LONDON)]
    for day in overdue_days:
        await run_job(school, "policy-review", day)
    texts = [json.loads(r.payload)["reply"]["text"] for r in await outbox(school_app, "policy_review")]
    assert len(texts) == 4  # soon once, then once in each of three overdue weeks
    assert all("overdue" in t for t in texts[1:])


async def test_owner_marks_review_done_from_the_reminder(school_app: App, school: School) -> None:
    head = Conversation(school_app.engine, "head@school.example")
    await head.tap("go:policy_review?policy=safeguarding", token=None)
    await head.tap("today")
    await head.say("Updated for KCSIE 2025; no other changes")
    assert "reviewed on 2026-11-30" in head.text
    async with school_app.db.transaction() as session:
        policy = await records.policy(session, school_app.school_id, "safeguarding")
    assert policy is not None and policy.last_reviewed == date(2026, 11, 30)
    teacher = Conversation(school_app.engine, "teacher@school.example")
    await teacher.tap("go:policy_review?policy=safeguarding", token=None)
    assert "Only the policy's owner" in teacher.text


async def raise_at(app: App, clock: FrozenClock, when: datetime) -> None:
    clock.now = when
    convo = await start(app)
    await tell_up_to_review(convo)
    await convo.tap("submit")


def recipients(rows: list[Outbox]) -> list[str]:
    return sorted(r.destination for r in rows)


async def test_escalation_after_30_minutes_in_school_hours(school_app: App, school: School,
                                                           clock: FrozenClock) -> None:
    await raise_at(school_app, clock, datetime(2026, 12, 1, 10, 0, tzinfo=LONDON))
    await run_job(school, "escalation", datetime(2026, 12, 1, 10, 29, tzinfo=LONDON))
    assert await outbox(school_app, "escalation") == []
    await run_job(school, "escalation", datetime(2026, 12, 1, 10, 30, tzinfo=LONDON))
    await run_job(school, "escalation", datetime(2026, 12, 1, 10, 35, tzinfo=LONDON))
    rows = await outbox(school_app, "escalation")
    async with school_app.db.transaction() as session:
        from storage import people

        emails = sorted([(await people.staff_by_id(session, int(r.destination[6:]))).email for r in rows])  # type: ignore[union-attr]
    assert emails == ["head@school.example", "sam.sample@school.example"]  # the deputy and the head, once
    assert "C-2026-0001" in json.loads(rows[0].payload)["reply"]["text"]


async def test_escalation_out_of_hours_waits_for_next_school_morning(school_app: App, school: School,
                                                                    clock: FrozenClock) -> None:
    await raise_at(school_app, clock, datetime(2026, 12, 4, 18, 40, tzinfo=LONDON))  # Friday evening
    for moment in (datetime(2026, 12, 4, 19, 15, tzinfo=LONDON), datetime(2026, 12, 5, 10, 0, tzinfo=LONDON),
                   datetime(2026, 12, 7, 7, 55, tzinfo=LONDON)):
        await run_job(school, "escalation", moment)
    assert await outbox(school_app, "escalation") == []
    await run_job(school, "escalation", datetime(2026, 12, 7, 8, 0, tzinfo=LONDON))  # Monday, first thing
    assert len(await outbox(school_app, "escalation")) == 2


async def emails(app: App, rows: list[Outbox]) -> list[str]:
    """The email of each direct message's recipient, sorted."""
    from storage import people

    async with app.db.transaction() as session:
        return sorted([(await people.staff_by_id(session, int(r.destination[6:]))).email  # type: ignore[union-attr]
                       for r in rows])


async def test_an_urgent_concern_escalates_on_the_wall_clock_at_any_hour(school_app: App, school: School,
                                                                        clock: FrozenClock) -> None:
    await urgent_half_told(school_app, clock, BEFORE_HALF_TERM)
    plan, sent = await run_job(school, "escalation", datetime(2026, 10, 23, 18, 34, tzinfo=LONDON))
    assert sent == 0 and plan.items == []  # 29 minutes
    plan, sent = await run_job(school, "escalation", datetime(2026, 10, 23, 18, 35, tzinfo=LONDON))
    assert sent == 2 and plan.skipped == ""  # out of hours, before a holiday: 30 minutes on the clock
    assert (await run_job(school, "escalation", datetime(2026, 10, 23, 18, 40, tzinfo=LONDON)))[1] == 0  # once
    rows = await outbox(school_app, "escalation")
    assert await emails(school_app, rows) == ["head@school.example", "sam.sample@school.example"]
    replies = [json.loads(r.payload)["reply"] for r in rows]
    assert all(r["urgent"] and "URGENT" in r["text"] and "C-2026-0001" in r["text"] for r in replies)
    assert sorted(len(r["choices"]) for r in replies) == [0, 2]  # the deputy may view and acknowledge it


async def test_a_non_urgent_concern_raised_before_half_term_waits_for_school_time(school_app: App, school: School,
                                                                                 clock: FrozenClock) -> None:
    await raise_at(school_app, clock, BEFORE_HALF_TERM)
    for moment in (datetime(2026, 10, 23, 18, 40, tzinfo=LONDON), datetime(2026, 10, 24, 10, 0, tzinfo=LONDON),
                   datetime(2026, 10, 28, 10, 30, tzinfo=LONDON), datetime(2026, 11, 2, 7, 55, tzinfo=LONDON)):
        plan, sent = await run_job(school, "escalation", moment)
        assert sent == 0 and plan.skipped.startswith("it is outside school hours"), moment
    await run_job(school, "escalation", datetime(2026, 11, 2, 8, 0, tzinfo=LONDON))  # the first morning of term
    rows = await outbox(school_app, "escalation")
    assert len(rows) == 2 and not any(json.loads(r.payload)["reply"]["urgent"] for r in rows)


async def test_an_urgent_escalation_counts_real_minutes_across_the_clock_change(school_app: App, school: School,
                                                                               clock: FrozenClock) -> None:
    await urgent_half_told(school_app, clock, datetime(2026, 10, 25, 1, 50, tzinfo=LONDON))  # 01:50 BST
    assert (await run_job(school, "escalation", datetime(2026, 10, 25, 1, 19, tzinfo=LONDON, fold=1)))[1] == 0
    assert (await run_job(school, "escalation", datetime(2026, 10, 25, 1, 20, tzinfo=LONDON, fold=1)))[1] == 2  # GMT


def test_escalation_and_the_half_told_notice_run_day_and_night(school_app: App) -> None:
    from datetime import UTC, timedelta

    from bot.jobs.scheduler import triggers

    for name, every in (("escalation", timedelta(minutes=5)), ("half-told-dsl", timedelta(minutes=10))):
        trigger, previous = triggers(school_app)[name], BEFORE_HALF_TERM
        while previous < datetime(2026, 10, 26, 3, 0, tzinfo=LONDON):  # through a weekend night and a clock change
            fire = trigger.get_next_fire_time(previous, previous + timedelta(seconds=1))
            assert fire is not None and fire.astimezone(UTC) - previous.astimezone(UTC) == every, (name, previous)
            previous = fire


async def test_acknowledged_concern_is_not_escalated(school_app: App, school: School, clock: FrozenClock) -> None:
    await raise_at(school_app, clock, datetime(2026, 12, 1, 10, 0, tzinfo=LONDON))
    await Conversation(school_app.engine, "alex.example@school.example").tap("dsl:ack:1", token=None)
    await run_job(school, "escalation", datetime(2026, 12, 1, 11, 0, tzinfo=LONDON))
    assert await outbox(school_app, "escalation") == []


async def test_half_told_concern_reminded_once_without_its_content(school_app: App, school: School,
                                                                  clock: FrozenClock) -> None:
    clock.now = datetime(2026, 12, 1, 10, 0, tzinfo=LONDON)
    convo = await start(school_app)
    await convo.tap("no")
    await convo.tap("child")
    await convo.say("Jamie Testpupil")
    await run_job(school, "half-told", datetime(2026, 12, 1, 11, 59, tzinfo=LONDON))
    assert await outbox(school_app, "half_told") == []
    await run_job(school, "half-told", datetime(2026, 12, 1, 12, 1, tzinfo=LONDON))
    await run_job(school, "half-told", datetime(2026, 12, 1, 15, 0, tzinfo=LONDON))
    [row] = await outbox(school_app, "half_told")
    assert "Jamie" not in row.payload and "go:raise_concern" in row.payload
    await convo.tap("go:raise_concern", token=None)
    assert "full name" not in convo.last.text and "Which year group" in convo.last.text


async def test_a_concern_still_half_told_after_a_day_is_flagged_to_the_dsl_team(school_app: App, school: School,
                                                                              clock: FrozenClock) -> None:
    clock.now = datetime(2026, 12, 1, 10, 0, tzinfo=LONDON)  # Tuesday
    convo = await start(school_app)
    await convo.tap("no")
    await convo.tap("child")
    await convo.say("Jamie Testpupil")
    urgent = Conversation(school_app.engine, "chris.mockname@school.example")
    await urgent.greet()
    await urgent.tap("go:raise_concern")
    await urgent.tap("yes")  # immediate danger: the 999 guidance at once
    await urgent.tap("child")  # about a child: stored and alerted now, details still to come
    for moment in (datetime(2026, 12, 2, 9, 59, tzinfo=LONDON), datetime(2026, 12, 1, 18, 0, tzinfo=LONDON)):
        await run_job(school, "half-told-dsl", moment)
    assert await outbox(school_app, "half_told_dsl") == []  # not a day yet
    plan, sent = await run_job(school, "half-told-dsl", datetime(2026, 12, 2, 10, 5, tzinfo=LONDON))
    assert sent == 4 and sorted({i.who for i in plan.items}) == ["alex.example@school.example",
                                                                   "sam.sample@school.example"]
    texts = sorted({i.reply.text for i in plan.items})
    assert "Jamie" not in json.dumps([i.reply.to_json() for i in plan.items])  # who started it, never what
    assert any("teacher@school.example" in t and "has not reached you" in t for t in texts)
    assert any("chris.mockname@school.example" in t and "urgent concern C-2026-0001" in t for t in texts)
    assert (await run_job(school, "half-told-dsl", datetime(2026, 12, 2, 14, 0, tzinfo=LONDON)))[1] == 0  # once
    clock.now = datetime(2026, 12, 2, 10, 10, tzinfo=LONDON)
    await convo.say("Year 9")  # picked up again, then left again: the DSL team hears again a day later
    assert (await run_job(school, "half-told-dsl", datetime(2026, 12, 3, 10, 5, tzinfo=LONDON)))[1] == 0
    assert (await run_job(school, "half-told-dsl", datetime(2026, 12, 3, 10, 15, tzinfo=LONDON)))[1] == 2
    await convo.say("cancel")  # cancelled: nothing half-told is left to flag
    plan, _ = await run_job(school, "half-told-dsl", datetime(2026, 12, 9, 10, 15, tzinfo=LONDON))
    assert {i.reply.text for i in plan.items} == {t for t in texts if "urgent" in t}  # only the urgent one is left


async def test_an_urgent_half_told_concern_is_flagged_to_the_dsl_team_out_of_hours(
        school_app: App, school: School, clock: FrozenClock) -> None:
    clock.now = BEFORE_HALF_TERM
    await (await start(school_app)).tap("no")  # a plain concern left half-told at the same moment
    await urgent_half_told(school_app, clock, BEFORE_HALF_TERM, "chris.mockname@school.example")
    saturday = datetime(2026, 10, 24, 18, 15, tzinfo=LONDON)  # a day later: a Saturday in half term
    plan, sent = await run_job(school, "half-told-dsl", saturday)
    assert sent == 2 and sorted(i.who for i in plan.items) == ["alex.example@school.example",
                                                               "sam.sample@school.example"]
    assert all(i.reply.urgent and "chris.mockname@school.example" in i.reply.text for i in plan.items)
    assert all("urgent concern C-2026-0001" in i.reply.text for i in plan.items)
    assert (await run_job(school, "half-told-dsl", datetime(2026, 10, 28, 10, 0, tzinfo=LONDON)))[1] == 0  # once
    plan, sent = await run_job(school, "half-told-dsl", datetime(2026, 11, 2, 8, 0, tzinfo=LONDON))  # term
    plainly = [i for i in plan.items if not i.reply.urgent]  # the urgent notice is in the plan, but went already
    assert sent == 2 == len(plainly) and all("teacher@school.example" in i.reply.text for i in plainly)


async def test_dsl_digest(school_app: App, school: School, clock: FrozenClock) -> None:
    await raise_at(school_app, clock, datetime(2026, 11, 27, 10, 0, tzinfo=LONDON))
    plan, sent = await run_job(school, "dsl-digest", datetime(2026, 11, 30, 8, 0, tzinfo=LONDON))
    assert sent == 2 and sorted(i.who for i in plan.items) == ["alex.example@school.example",
                                                                "sam.sample@school.example"]
    facts = dict(plan.items[0].reply.facts)
    assert "Prevent awareness (Home Office course, or its refresher): " in facts["Training compliance"]
    assert "DSL knowledge refresh (annual): 1/2" in facts["Training compliance"]  # Alex current, Sam due
    assert "Chris Mockname — Prevent awareness" in facts["Overdue"]
    assert facts["Not yet acknowledged"] == "C-2026-0001"
    assert "Jamie" not in json.dumps(plan.items[0].reply.to_json())
    assert (await run_job(school, "dsl-digest", datetime(2026, 11, 30, 9, 0, tzinfo=LONDON)))[1] == 0


async def test_never_reviewed_policy_is_reminded_weekly_not_daily(school_app: App, school: School) -> None:
    for day in (30, 1, 2, 3, 4):  # Mon 30 Nov to Fri 4 Dec
        month = 11 if day == 30 else 12
        await run_job(school, "policy-review", datetime(2026, month, day, 9, 0, tzinfo=LONDON))
    assert len(await outbox(school_app, "policy_review")) == 5  # five policies, once each this week
    await run_job(school, "policy-review", datetime(2026, 12, 7, 9, 0, tzinfo=LONDON))
    assert len(await outbox(school_app, "policy_review")) == 10
    assert "no review recorded" in json.loads((await outbox(school_app, "policy_review"))[0].payload)["reply"]["text"]


async def test_dry_runs_write_nothing(school_app: App, school: School, clock: FrozenClock) -> None:
    from storage.models import Dispatch, Staff

    await raise_at(school_app, clock, datetime(2026, 12, 1, 10, 0, tzinfo=LONDON))
    async with school_app.db.transaction() as session:
        policy = await records.policy(session, school_app.school_id, "external_visits")
        assert policy is not None
        policy.owner_email = "visits.lead@school.example"  # not on the staff list yet
        session.add(policy)
    async with school_app.db.transaction() as session:
        before = (len((await session.exec(select(Staff))).all()), len((await session.exec(select(Outbox))).all()))
    for name in JOBS:
        _, sent = await run_job(school, name, datetime(2026, 12, 7, 11, 0, tzinfo=LONDON), dry_run=True)
        assert sent == 0
    async with school_app.db.transaction() as session:
        after = (len((await session.exec(select(Staff))).all()), len((await session.exec(select(Outbox))).all()))
        assert (await session.exec(select(Dispatch))).all() == []
    assert after == before
    await run_job(school, "policy-review", datetime(2026, 12, 7, 11, 0, tzinfo=LONDON))
    async with school_app.db.transaction() as session:
        assert len((await session.exec(select(Staff))).all()) == before[0] + 1  # a real run adds the owner


async def about_the_deputy(app: App, urgent: bool = False, finish: bool = False) -> Conversation:
    """Starts (or tells in full) a concern about the deputy DSL, Sam Sample, as the teacher."""
    convo = await start(app)
    await convo.tap("yes" if urgent else "no")
    await convo.tap("dsl_member:1")
    if finish:
        for choice in ("allegation", "head"):
            await convo.tap(choice)
        await convo.say("Saw him shout at a pupil and grab her arm")
        await convo.tap("done")
        await convo.say("today 09:00")
        await convo.say("Corridor")
        await convo.tap("nobody")
        await convo.tap("submit")
    return convo


async def test_a_concern_about_a_dsl_member_is_never_escalated_to_them(school_app: App, school: School,
                                                                       clock: FrozenClock) -> None:
    clock.now = datetime(2026, 12, 1, 10, 0, tzinfo=LONDON)
    await about_the_deputy(school_app, finish=True)
    plan, _ = await run_job(school, "escalation", datetime(2026, 12, 1, 10, 35, tzinfo=LONDON))
    # held by the head, who has not acknowledged it: the next in line, the chair; the deputy, whom it is about, never
    assert [i.who for i in plan.items] == ["chair@school.example"]


@pytest.mark.parametrize("urgent", [False, True])
async def test_a_half_told_concern_about_a_dsl_member_is_never_flagged_to_them(school_app: App, school: School,
                                                                              clock: FrozenClock, urgent: bool) -> None:
    clock.now = datetime(2026, 12, 1, 10, 0, tzinfo=LONDON)
    await about_the_deputy(school_app, urgent=urgent)
    plan, _ = await run_job(school, "half-told-dsl", datetime(2026, 12, 2, 10, 5, tzinfo=LONDON))
    assert [i.who for i in plan.items] == ["head@school.example"]  # its holder; the deputy, whom it is about, never
    assert ("C-2026-0001" in plan.items[0].reply.text) is urgent


async def test_the_dsl_digest_lists_only_the_concerns_each_member_may_see(school_app: App, school: School,
                                                                          clock: FrozenClock) -> None:
    await raise_at(school_app, clock, datetime(2026, 11, 27, 10, 0, tzinfo=LONDON))  # about a child: C-2026-0001
    await about_the_deputy(school_app, finish=True)  # about Sam, for the head only: C-2026-0002
    plan, _ = await run_job(school, "dsl-digest", datetime(2026, 11, 30, 8, 0, tzinfo=LONDON))
    for item in plan.items:
        facts = dict(item.reply.facts)
        assert facts["Not yet acknowledged"] == "C-2026-0001" and facts["Open concerns"] == "1", item.who
        assert "C-2026-0002" not in json.dumps(item.reply.to_json())
