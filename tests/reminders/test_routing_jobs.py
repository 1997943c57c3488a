"""The jobs never tell the person a concern is about: escalations and half-told notices follow the routing."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import select

from bot.app import App
from bot.jobs.plans import School
from bot.jobs.runner import run_job
from storage.models import Outbox, Staff
from tests.helpers import DEPUTY_EMAIL, DSL_EMAIL, LONDON, FrozenClock, start

HEAD, CHAIR = "head@school.example", "chair@school.example"


async def sent(app: App, kind: str) -> list[str]:
    """The emails each queued message of this kind goes to."""
    async with app.db.transaction() as session:
        emails = {s.id: s.email for s in (await session.exec(select(Staff))).all()}
        rows = (await session.exec(select(Outbox).where(Outbox.kind == kind))).all()
    return sorted(emails[int(r.destination.removeprefix("staff:"))] for r in rows)


async def urgent_about(app: App, clock: FrozenClock, about: str, when: datetime) -> None:
    """Someone says a person is in danger and who it is about (the urgent alert goes), then stops."""
    clock.now = when
    convo = await start(app)
    await convo.tap("yes")
    await convo.tap(about)


async def test_an_urgent_concern_about_the_deputy_escalates_without_them(school_app: App, school: School,
                                                                        clock: FrozenClock) -> None:
    raised = datetime(2026, 12, 4, 18, 5, tzinfo=LONDON)  # a Friday evening
    await urgent_about(school_app, clock, "dsl_member:1", raised)
    assert DEPUTY_EMAIL not in await sent(school_app, "dsl_direct")
    await run_job(school, "escalation", datetime(2026, 12, 4, 18, 40, tzinfo=LONDON))
    assert await sent(school_app, "escalation") == [CHAIR]  # held by the head: the next in line, never Sam


async def test_an_urgent_concern_about_a_child_escalates_to_the_deputy_and_head(school_app: App, school: School,
                                                                               clock: FrozenClock) -> None:
    await urgent_about(school_app, clock, "child", datetime(2026, 12, 4, 18, 5, tzinfo=LONDON))
    await run_job(school, "escalation", datetime(2026, 12, 4, 18, 40, tzinfo=LONDON))
    assert await sent(school_app, "escalation") == [HEAD, DEPUTY_EMAIL]


async def test_a_half_told_concern_about_the_lead_dsl_is_flagged_to_the_head_only(school_app: App, school: School,
                                                                                 clock: FrozenClock) -> None:
    await urgent_about(school_app, clock, "dsl_member:0", datetime(2026, 12, 1, 9, 0, tzinfo=LONDON))
    assert DSL_EMAIL not in await sent(school_app, "dsl_direct")
    await run_job(school, "half-told-dsl", datetime(2026, 12, 2, 10, 0, tzinfo=LONDON))
    assert await sent(school_app, "half_told_dsl") == [HEAD]
