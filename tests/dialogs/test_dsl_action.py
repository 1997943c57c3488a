"""The DSL team's actions, and refusal (audited) for anyone else."""

from __future__ import annotations

import json

from sqlmodel import select

from bot.app import App
from storage.models import Audit, Concern, ConcernEvent, Outbox
from tests.helpers import DEPUTY_EMAIL, DSL_EMAIL, TEACHER_EMAIL, Conversation, raised, start, tell_up_to_review


async def outbox(app: App, kind: str) -> list[Outbox]:
    async with app.db.transaction() as session:
        return list((await session.exec(select(Outbox).where(Outbox.kind == kind))).all())


async def test_acknowledge_note_action_close_and_reporter_told(app: App) -> None:
    concern_id = await raised(app)
    dsl = Conversation(app.engine, DSL_EMAIL)
    await dsl.tap(f"dsl:ack:{concern_id}", token=None)
    assert "acknowledged C-2026-0001" in dsl.text
    await dsl.tap(f"dsl:note:{concern_id}", token=None)
    await dsl.say("Spoke to form tutor; food bank details shared")
    assert "Note added" in dsl.text
    await dsl.tap(f"dsl:action:{concern_id}", token=None)
    await dsl.tap("early_help")
    await dsl.say("")
    assert "reason" in dsl.text
    await dsl.say("Family agreed to early help assessment")
    await dsl.tap(f"dsl:close:{concern_id}", token=None)
    await dsl.tap("early_help")
    await dsl.say("Early help in place, attendance good")
    assert "is closed" in dsl.text

    async with app.db.transaction() as session:
        concern = await session.get(Concern, concern_id)
        assert concern is not None
        assert (concern.status, concern.outcome) == ("closed", "early_help")
        kinds = [e.kind for e in (await session.exec(select(ConcernEvent))).all()]
    assert kinds == ["created", "acknowledged", "note", "action", "closed"]
    told = [json.loads(o.payload)["reply"]["text"] for o in await outbox(app, "reporter_update")]
    assert len(told) == 2
    assert "picked up" in told[0] and "closed" in told[1]
    assert not any("Early help in place" in t or "form tutor" in t for t in told)
    updates = await outbox(app, "dsl_update")
    assert len(updates) == 4
    assert not any("food bank" in u.payload or "attendance good" in u.payload for u in updates)


async def test_view_details_for_dsl_is_audited(app: App) -> None:
    concern_id = await raised(app)
    deputy = Conversation(app.engine, DEPUTY_EMAIL)
    await deputy.tap(f"dsl:view:{concern_id}", token=None)
    assert "I haven't eaten since Friday" in deputy.everything
    assert "Jamie Testpupil" in deputy.everything
    async with app.db.transaction() as session:
        views = (await session.exec(select(Audit).where(Audit.action == "concern.view"))).all()
    assert [(v.actor, v.target, v.allowed) for v in views] == [(DEPUTY_EMAIL, "C-2026-0001", True)]


async def test_non_dsl_is_refused_and_audited(app: App) -> None:
    concern_id = await raised(app)
    other = Conversation(app.engine, "caretaker@school.example")
    for verb in ("view", "ack", "close"):
        await other.tap(f"dsl:{verb}:{concern_id}", token=None)
        assert "only members of the school's DSL team" in other.text
        assert "Jamie" not in other.everything
    await other.tap("go:dsl_open", token=None)
    assert "only members" in other.text
    async with app.db.transaction() as session:
        refused = (await session.exec(select(Audit).where(Audit.allowed == False))).all()  # noqa: E712
        concern = await session.get(Concern, concern_id)
    assert [r.action for r in refused] == ["dsl.view", "dsl.ack", "dsl.close", "dsl.list"]
    assert all(r.actor == "caretaker@school.example" for r in refused)
    assert concern is not None and concern.status == "new"


async def test_dsl_action_mid_concern_keeps_the_half_told_concern(app: App) -> None:
    concern_id = await raised(app)
    dsl = Conversation(app.engine, DSL_EMAIL)
    await dsl.tap("go:raise_concern", token=None)
    await dsl.tap("no")
    await dsl.tap("child")
    await dsl.tap(f"dsl:note:{concern_id}", token=None)
    await dsl.say("A note")
    assert "Note added" in dsl.text
    assert "full name" in dsl.last.text


async def test_open_concerns_lists_with_buttons(app: App) -> None:
    concern_id = await raised(app)
    dsl = Conversation(app.engine, DSL_EMAIL)
    await dsl.tap("go:dsl_open", token=None)
    assert f"dsl:ack:{concern_id}" in dsl.choice_ids()
    assert "Jamie" not in dsl.everything and "hungry" not in dsl.everything
    teacher = Conversation(app.engine, TEACHER_EMAIL)
    await teacher.tap("go:mine", token=None)
    assert "C-2026-0001" in teacher.everything
    assert "Waiting for the DSL" in teacher.everything


async def test_acknowledge_twice_is_harmless(app: App) -> None:
    concern_id = await raised(app)
    dsl = Conversation(app.engine, DSL_EMAIL)
    await dsl.tap(f"dsl:ack:{concern_id}", token=None)
    await dsl.tap(f"dsl:ack:{concern_id}", token=None)
    assert "already" in dsl.text
    assert len(await outbox(app, "reporter_update")) == 1


async def test_closed_meanwhile_and_notes_after_closing(app: App) -> None:
    concern_id = await raised(app)
    first, second = Conversation(app.engine, DSL_EMAIL), Conversation(app.engine, DEPUTY_EMAIL)
    await first.tap(f"dsl:close:{concern_id}", token=None)
    await first.tap("nfa")
    await second.tap(f"dsl:close:{concern_id}", token=None)
    await second.tap("monitor")
    await first.say("No further concerns after talking to parents")
    await second.say("Keep an eye on attendance")
    assert "closed by someone else" in second.text
    await second.tap(f"dsl:note:{concern_id}", token=None)
    await second.say("Attendance to be watched (added after closing)")
    assert "Note added" in second.text
    await second.tap(f"dsl:action:{concern_id}", token=None)
    assert "is closed" in second.text


async def status_of(app: App, concern_id: int) -> str:
    async with app.db.transaction() as session:
        concern = await session.get(Concern, concern_id)
    assert concern is not None
    return concern.status


async def test_typed_ack_acknowledges_the_one_new_concern(app: App) -> None:
    concern_id = await raised(app)
    dsl = Conversation(app.engine, DSL_EMAIL)
    await dsl.say("ack")
    assert "acknowledged C-2026-0001" in dsl.text
    assert await status_of(app, concern_id) == "acknowledged"
    assert len(await outbox(app, "reporter_update")) == 1
    await dsl.say("acknowledge it")
    assert "already" in dsl.text or "no open concern" in dsl.text.lower()
    assert len(await outbox(app, "reporter_update")) == 1


async def test_the_actions_keep_their_place_and_ids_after_each_step(app: App) -> None:
    concern_id = await raised(app)
    dsl = Conversation(app.engine, DSL_EMAIL)
    await dsl.tap("go:dsl_open", token=None)
    ids = [f"dsl:{verb}:{concern_id}" for verb in ("view", "ack", "note", "action", "close")]
    assert [c.id for c in dsl.replies[-1].choices] == ids
    await dsl.tap(ids[1], token=None)
    assert [c.id for c in dsl.last.choices] == ids, "after acknowledging, Add note is still the third"
    assert dsl.last.choices[1].label == "Acknowledged ✓"
    assert dsl.last.choices[2].label == "Add note"
    await dsl.tap(dsl.last.choices[1].id, token=None)
    assert "is already Picked up" in dsl.text
    await dsl.say("add a note")
    await dsl.say("Rang home, spoke to mum")
    assert "Note added" in dsl.text and [c.id for c in dsl.last.choices] == ids
    await dsl.say("view details")
    assert "Rang home" in dsl.everything and [c.id for c in dsl.last.choices] == ids


async def test_typed_actions_by_their_everyday_words(app: App) -> None:
    concern_id = await raised(app)
    dsl = Conversation(app.engine, DSL_EMAIL)
    await dsl.say("record an action")
    assert "Which action or referral" in dsl.text
    await dsl.tap("monitor")
    await dsl.say("Form tutor to check in daily")
    assert "Recorded on C-2026-0001" in dsl.text
    await dsl.say("close it with no further action")
    assert "reason" in dsl.text.lower() and "outcome" not in dsl.last.text.lower()
    await dsl.say("Parents spoke to, all fine")
    assert "is closed" in dsl.text
    async with app.db.transaction() as session:
        concern = await session.get(Concern, concern_id)
    assert concern is not None and (concern.status, concern.outcome) == ("closed", "nfa")
    assert dsl.last.choices[4].label == "Closed ✓"


async def test_typed_action_asks_which_when_several_fit(app: App) -> None:
    first = await raised(app)
    convo = await start(app)
    await tell_up_to_review(convo)
    await convo.tap("submit")
    dsl = Conversation(app.engine, DSL_EMAIL)
    await dsl.say("ack")
    assert "Which concern" in dsl.last.text
    assert [c.label.split(" · ")[0] for c in dsl.last.choices] == ["C-2026-0002", "C-2026-0001"]  # newest first
    await dsl.say("C-2026-0001")
    assert "acknowledged C-2026-0001" in dsl.text
    assert await status_of(app, first) == "acknowledged"
    await dsl.say("ack")  # only one is new now
    assert "acknowledged C-2026-0002" in dsl.text
    await dsl.say("add note C-2026-0001")
    assert "C-2026-0001's chronology" in dsl.last.text


async def test_typed_actions_are_for_the_dsl_team_only(app: App) -> None:
    concern_id = await raised(app)
    teacher = Conversation(app.engine, TEACHER_EMAIL)
    await teacher.say("ack")
    assert "acknowledged" not in teacher.text
    assert await status_of(app, concern_id) == "new"
    dsl = Conversation(app.engine, DSL_EMAIL)
    await dsl.tap("go:raise_concern", token=None)
    await dsl.tap("no")
    await dsl.tap("child")
    await dsl.say("ack")  # inside a question, typed words are the answer, never an action
    assert await status_of(app, concern_id) == "new"
