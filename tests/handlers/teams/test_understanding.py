"""Teams: a help question in the middle of a concern is answered, then the question is asked again."""

from __future__ import annotations

from tests.handlers.teams.harness import PUPIL, Harness


async def test_a_question_mid_concern_is_answered_and_the_concern_carries_on(teams: Harness) -> None:
    await teams.say("teacher", "I'm worried about a pupil")
    await teams.say("teacher", "no not right now i dont think")
    await teams.tap("teacher", "child")
    await teams.say("teacher", PUPIL)
    await teams.say("teacher", "Year 9")
    replies = await teams.say("teacher", "what's Channel")
    assert "What is Channel?" in replies[0].text
    assert "Tell me what you saw or heard" in replies[-1].text  # back to the question under way
    replies = await teams.say("teacher", "He said he wants to join a group that attacks people")
    assert "Anything to add?" in replies[-1].text
