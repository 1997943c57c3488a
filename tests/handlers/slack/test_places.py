"""Where staff reach the bot: /concern, the shortcuts, a channel mention, the App Home."""

from __future__ import annotations

import json
from datetime import datetime
from urllib.parse import urlencode

from tests.handlers.slack.fake_slack import TEAM, dm
from tests.handlers.slack.harness import PEOPLE, PUBLIC_CHANNEL, Harness, raise_concern
from tests.helpers import LONDON, FrozenClock

TEACHER, TEACHER_DM = PEOPLE["teacher"][0], dm(PEOPLE["teacher"][0])


async def command(slack: Harness, channel: str = PUBLIC_CHANNEL) -> tuple[int, str]:
    body = urlencode({"command": "/concern", "text": "", "team_id": TEAM, "user_id": TEACHER,
                      "channel_id": channel, "trigger_id": "trigger-cmd", "response_url": "https://x.invalid"})
    async with slack.http.post(f"{slack.url}/slack/events", data=body.encode(), headers={
            "Content-Type": "application/x-www-form-urlencoded", **_sign(body.encode())}) as response:
        return response.status, await response.text()


def _sign(body: bytes) -> dict[str, str]:
    from tests.handlers.slack.harness import sign

    return sign(body)


async def test_slash_command_starts_a_concern_in_the_dm(slack: Harness) -> None:
    status, answer = await command(slack)
    assert status == 200 and "direct message" in answer
    dm_posts = slack.fake.posts(TEACHER_DM)
    assert dm_posts and "immediate danger" in dm_posts[-1].text
    assert not slack.fake.posts(PUBLIC_CHANNEL), "nothing is posted in the channel the command came from"


async def test_slash_command_keeps_a_half_told_concern(slack: Harness) -> None:
    await slack.say("teacher", "Raise a concern")
    await slack.tap("teacher", "no")
    await command(slack)
    assert "who is the concern about" in slack.fake.posts(TEACHER_DM)[-1].text.lower()


async def test_global_shortcut_starts_a_concern(slack: Harness) -> None:
    payload = {"type": "shortcut", "callback_id": "raise_concern", "trigger_id": "t1",
               "user": {"id": TEACHER, "team_id": TEAM}}
    assert await slack.interact(payload) == 200
    assert "immediate danger" in slack.fake.posts(TEACHER_DM)[-1].text


async def test_message_shortcut_records_a_link_to_the_message(slack: Harness) -> None:
    payload = {"type": "message_action", "callback_id": "raise_concern_about_message", "trigger_id": "t2",
               "user": {"id": TEACHER, "team_id": TEAM}, "channel": {"id": PUBLIC_CHANNEL},
               "message": {"ts": "1699999999.000100", "text": "something worrying", "user": "UOTHER"},
               "message_ts": "1699999999.000100"}
    assert await slack.interact(payload) == 200
    assert "immediate danger" in slack.fake.posts(TEACHER_DM)[-1].text
    link = f"https://school.slack.com/archives/{PUBLIC_CHANNEL}/p1699999999000100"
    await raise_concern_from_here(slack)
    review = slack.fake.posts(TEACHER_DM)
    assert any(link in c.text for c in review)
    assert not any("something worrying" in c.text for c in slack.fake.calls), "the message text is never copied"


async def raise_concern_from_here(slack: Harness) -> None:
    """Carries on the shortcut's concern to the review."""
    await slack.tap("teacher", "no")
    await slack.tap("teacher", "child")
    await slack.say("teacher", "Jamie Testpupil")
    await slack.say("teacher", "Year 9")
    await slack.say("teacher", "Shared a post praising an attack")
    await slack.tap("teacher", "done")
    await slack.tap("teacher", "none")  # the child said nothing
    await slack.tap("teacher", "radicalisation")
    await slack.tap("teacher", "done")
    await slack.tap("teacher", "none")  # no indicators
    await slack.say("teacher", "today 10:15")
    await slack.say("teacher", "Slack")
    await slack.say("teacher", "Nothing yet")
    await slack.say("teacher", "Nobody else")
    await slack.tap("teacher", "nobody")
    await slack.tap("teacher", "not_applicable")


async def test_channel_mention_moves_to_a_dm(slack: Harness) -> None:
    event = {"type": "app_mention", "channel": PUBLIC_CHANNEL, "user": TEACHER,
             "text": "<@UBOT> I'm worried about Jamie Testpupil", "ts": "1700000001.000001"}
    assert await slack.event(event) == 200
    in_channel = [c for c in slack.fake.calls if c.channel == PUBLIC_CHANNEL]
    assert [c.method for c in in_channel] == ["chat.postEphemeral"]
    assert in_channel[0].args["user"] == TEACHER and "direct message" in in_channel[0].text
    assert "Jamie" not in in_channel[0].text
    assert slack.fake.posts(TEACHER_DM), "the conversation carries on in the DM"
    assert not any("Jamie" in c.text for c in slack.fake.calls), "what was said in the channel is not used"


async def test_channel_messages_are_never_read(slack: Harness) -> None:
    event = {"type": "message", "channel_type": "channel", "channel": PUBLIC_CHANNEL, "user": TEACHER,
             "text": "Raise a concern", "ts": "1700000001.000002"}
    before = len(slack.fake.calls)
    assert await slack.event(event) == 200
    assert [c.method for c in slack.fake.calls[before:]] in ([], ["auth.test"]), "only Bolt's own token check"


async def test_app_home_shows_contacts_a_button_and_own_concerns(slack: Harness) -> None:
    await raise_concern(slack)
    assert await slack.event({"type": "app_home_opened", "user": TEACHER, "tab": "home", "channel": "DX"}) == 200
    home = slack.fake.of("views.publish")[-1]
    assert home.args["user_id"] == TEACHER
    assert "C-2026-0001" in home.text and "Alex Example" in home.text and "999" in home.text
    assert "Jamie" not in home.text and "praising" not in home.text
    [(choice, _, action_id)] = home.buttons()
    assert choice == "go:raise_concern"
    payload = {"type": "block_actions", "user": {"id": TEACHER, "team_id": TEAM}, "trigger_id": "t3",
               "view": {"type": "home"}, "container": {"type": "view"},
               "actions": [{"type": "button", "action_id": action_id, "value": json.dumps({"c": choice, "t": ""})}]}
    assert await slack.interact(payload) == 200
    assert "immediate danger" in slack.fake.posts(TEACHER_DM)[-1].text


async def test_app_home_out_of_hours_names_nobody_on_duty(slack: Harness, clock: FrozenClock) -> None:
    clock.now = datetime(2026, 11, 28, 11, 0, tzinfo=LONDON)  # Saturday
    assert await slack.event({"type": "app_home_opened", "user": TEACHER, "tab": "home", "channel": "DX"}) == 200
    home = slack.fake.of("views.publish")[-1]
    assert "Nobody on the DSL team is on duty now — it is outside school hours" in home.text
    assert "999" in home.text and "0117 496 0004" in home.text and "Alex Example" not in home.text


async def test_an_urgent_alert_mentions_each_dsl_member(slack: Harness) -> None:
    from tests.handlers.slack.harness import DSL_CHANNEL

    await slack.say("teacher", "Raise a concern")
    sent = await slack.tap("teacher", "yes")
    assert any("Call 999 now" in c.text for c in sent)
    sent = await slack.tap("teacher", "child")  # who it is about: the alert goes now, to the DSL team
    assert any("urgent alert to the DSL team" in c.text for c in sent)
    await slack.drain()
    urgent = slack.fake.posts(DSL_CHANNEL)[-1]
    lead = urgent.blocks[0]["text"]["text"]
    assert "<@UALEX>" in lead and "<@USAM>" in lead and "URGENT" in lead
    assert "<@UALEX>" in urgent.args["text"], "the notification itself mentions them, so phones ring"
    assert "<@UOLLY>" not in urgent.text and "<@UTEACHER>" not in urgent.text
    for who in ("alex", "sam"):
        assert any("URGENT" in c.text for c in slack.fake.posts(dm(PEOPLE[who][0]))), "each is also told directly"


async def test_someone_slack_cannot_identify_is_told_and_nothing_happens(slack: Harness) -> None:
    slack.fake.users[TEACHER]["email"] = ""
    sent = await slack.say("teacher", "Raise a concern")
    assert len(sent) == 1 and "couldn't check who you are" in sent[0].text
    from sqlmodel import func, select

    from storage.models import DialogSession
    async with slack.app.db.transaction() as session:
        assert (await session.exec(select(func.count()).select_from(DialogSession))).one() == 0


async def test_someone_from_another_organisation_is_not_taken_for_staff(slack: Harness) -> None:
    slack.fake.users["UOUTSIDE"] = {"name": "Ext Ernal", "email": "alex.example@school.example",
                                    "team_id": "T0ELSEWHERE", "is_stranger": True}
    from tests.handlers.slack.harness import DSL_CHANNEL, SECRETS, raise_concern

    await raise_concern(slack)
    await slack.drain()
    payload = {"type": "block_actions", "user": {"id": "UOUTSIDE", "team_id": "T0ELSEWHERE"}, "trigger_id": "t9",
               "channel": {"id": DSL_CHANNEL}, "actions": [{"type": "button", "action_id": "prevent:0",
                                                            "value": json.dumps({"c": "dsl:view:1", "t": ""})}]}
    before = len(slack.fake.calls)
    assert await slack.interact(payload) == 200
    calls = slack.fake.calls[before:]
    assert not [c for c in calls if c.method == "views.open"], "a matching email elsewhere is not the DSL"
    assert not any(secret in c.text for c in calls for secret in SECRETS)


async def test_a_tap_on_an_old_button_is_refused_kindly(slack: Harness) -> None:
    await slack.say("teacher", "Raise a concern")
    old_token, _ = slack.button("teacher", "no")
    await slack.tap("teacher", "no")
    again = await slack.tap("teacher", "no", token=old_token)
    assert any("from an earlier message" in c.text for c in again)
    assert "who is the concern about" in again[-1].text.lower(), "the current question is asked again"


async def test_slacks_url_verification_is_answered(slack: Harness) -> None:
    body = json.dumps({"token": "legacy", "challenge": "challenge-123", "type": "url_verification"}).encode()
    from tests.handlers.slack.harness import sign

    async with slack.http.post(f"{slack.url}/slack/events", data=body,
                               headers={"Content-Type": "application/json", **sign(body)}) as response:
        assert response.status == 200 and "challenge-123" in await response.text()
