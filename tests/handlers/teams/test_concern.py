"""A whole concern raised in personal chat; the alert in the DSL channel carries no narrative."""

from __future__ import annotations

from tests.handlers.teams.harness import NARRATIVE, PUPIL, TEAM, WORDS, Harness, raise_concern


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
