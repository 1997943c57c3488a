"""A whole concern raised in personal chat; the alert in the DSL channel carries no narrative."""

from __future__ import annotations

from tests.handlers.teams.conftest import TEAM, Harness

NARRATIVE = "He showed me a video praising an attack and said he wanted to join them"
WORDS = "They are right and I will go with them"
PUPIL = "Jamie Testpupil"


async def raise_concern(teams: Harness, seen: str = NARRATIVE) -> None:
    """Raises a whole concern as the teacher, through the bot command and buttons."""
    replies = await teams.say("teacher", "Raise a concern")
    assert "immediate danger" in replies[-1].text
    await teams.tap("teacher", "no")
    await teams.tap("teacher", "child")
    await teams.say("teacher", PUPIL)
    await teams.say("teacher", "Year 9")
    await teams.tap("teacher", "radicalisation")
    await teams.tap("teacher", "none")
    await teams.say("teacher", seen)
    await teams.say("teacher", WORDS)
    await teams.say("teacher", "today 10:15")
    await teams.say("teacher", "IT room")
    await teams.say("teacher", "Listened and told the DSL in person")
    review = await teams.say("teacher", "Nobody else")
    assert any(PUPIL in c.text for c in review)
    receipt = await teams.tap("teacher", "submit")
    assert any("C-2026-0001" in c.text for c in receipt)


async def test_whole_concern_in_personal_chat(teams: Harness) -> None:
    greeting = await teams.say("teacher", "hello")
    assert "Hello" in greeting[-1].text
    assert teams.fake.typing(), "a typing indicator is sent while the bot works"
    await raise_concern(teams)
    assert await teams.drain() >= 1
    alerts = teams.fake.sent_to(TEAM)
    assert len(alerts) == 1
    alert = alerts[0]
    assert "C-2026-0001" in alert.text and "Year 9" in alert.text
    for secret in (NARRATIVE, WORDS, PUPIL, "IT room"):
        assert secret not in str(alert.body)
    assert [c for c, _ in alert.choices()] == [f"dsl:{v}:1" for v in ("view", "ack", "note", "action", "close")]
    personal = teams.fake.sent_to(teams.personal_id("teacher"))
    assert all(TEAM not in c.conversation for c in personal)
