"""Slack: a help question in the middle of a concern is answered, then the question is asked again."""

from __future__ import annotations

from tests.handlers.slack.harness import PUPIL, Harness


async def test_a_question_mid_concern_is_answered_and_the_concern_carries_on(slack: Harness) -> None:
    await slack.say("teacher", "I need to speak to someone about a kid")
    await slack.say("teacher", "nah")
    await slack.tap("teacher", "child")
    await slack.say("teacher", PUPIL)
    await slack.say("teacher", "Year 9")
    replies = await slack.say("teacher", "what are signs of radicalisation?")
    assert "Signs to notice" in replies[0].text
    assert "Tell me what you saw or heard" in replies[-1].text  # back to the question under way
    replies = await slack.say("teacher", "He said he wants to join a group that attacks people")
    assert "Anything to add?" in replies[-1].text
