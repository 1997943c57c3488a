"""A quick end-to-end pass through the engine on real storage."""

from bot.app import App
from tests.helpers import DSL_EMAIL, TEACHER_EMAIL, Conversation


async def test_concern_raised_and_acknowledged(app: App) -> None:
    teacher = Conversation(app.engine, TEACHER_EMAIL)
    await teacher.greet()
    await teacher.tap("go:raise_concern")
    await teacher.tap("no")
    await teacher.tap("child")
    await teacher.say("Jamie Testpupil")
    await teacher.say("Year 9")
    await teacher.say("Saw a worrying video on his phone")
    await teacher.tap("done")
    await teacher.tap("none")
    await teacher.tap("online_safety")
    await teacher.tap("done")
    assert "never view, copy, forward" in teacher.text.lower()
    await teacher.say("today 10:15")
    await teacher.say("IT room")
    await teacher.say("Listened")
    await teacher.say("Nobody")
    await teacher.tap("nobody")
    await teacher.tap("yes")
    assert teacher.last.facts
    await teacher.tap("submit")
    assert "C-2026-0001" in teacher.text
    dsl = Conversation(app.engine, DSL_EMAIL)
    await dsl.tap("dsl:ack:1", token=None)
    assert "acknowledged C-2026-0001" in dsl.text
