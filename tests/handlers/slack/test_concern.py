"""A whole concern raised in a DM; the alert in the private DSL channel carries no narrative."""

from __future__ import annotations

from tests.handlers.slack.fake_slack import dm
from tests.handlers.slack.harness import DSL_CHANNEL, PEOPLE, SECRETS, Harness, raise_concern


async def test_whole_concern_in_a_dm(slack: Harness) -> None:
    greeting = await slack.say("teacher", "hello")
    assert "Hello" in greeting[-1].text
    await raise_concern(slack)
    assert await slack.drain() >= 1
    alerts = slack.fake.posts(DSL_CHANNEL)
    assert len(alerts) == 1
    alert = alerts[0]
    assert "C-2026-0001" in alert.text and "Year 9" in alert.text and "Terry Teacher" in alert.text
    for secret in SECRETS:
        assert secret not in alert.text
    assert [c for c, _, _ in alert.buttons()] == [f"dsl:{v}:1" for v in ("view", "ack", "note", "action", "close")]


async def test_concern_text_goes_only_to_the_reporters_dm(slack: Harness) -> None:
    await raise_concern(slack)
    await slack.drain()
    await slack.press("alex", "dsl:view:1")
    await slack.press("alex", "dsl:ack:1")
    await slack.press("sam", "dsl:note:1")
    await slack.say("sam", "Phoned the family")
    await slack.press("alex", "dsl:close:1")
    await slack.tap("alex", "channel")
    await slack.say("alex", "Referred to the Channel panel")
    await slack.press("olly", "dsl:view:1")
    await slack.event({"type": "app_home_opened", "user": PEOPLE["teacher"][0], "tab": "home"})
    await slack.drain()
    reporter_dm = dm(PEOPLE["teacher"][0])
    for call in slack.fake.calls:
        if any(secret in call.text for secret in SECRETS):
            assert (call.method == "chat.postMessage" and call.channel == reporter_dm) or \
                call.method == "views.open", f"concern text in {call.method} to {call.channel}"
    assert slack.fake.of("views.open"), "the DSL member saw the details"
