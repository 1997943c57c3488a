"""The DSL team in Slack: buttons on the alert, details only in a modal, follow-ups in a DM, the reporter told."""

from __future__ import annotations

from dialogs.alerts import ACTIONS
from dialogs.messages import Reply
from storage import concerns as store
from storage import outbox, people
from storage.outbox import OutboxKind, StaffDM
from tests.handlers.slack.fake_slack import dm
from tests.handlers.slack.harness import DSL_CHANNEL, NARRATIVE, PEOPLE, PUPIL, WORDS, Harness, raise_concern
from tests.helpers import TEACHER_EMAIL, outbox_due_now

ALEX_DM, SAM_DM, OLLY_DM, TEACHER_DM = (dm(PEOPLE[w][0]) for w in ("alex", "sam", "olly", "teacher"))


async def alert_id(slack: Harness) -> str:
    """Returns the channel:ts recorded when the alert was delivered."""
    async with slack.app.db.transaction() as session:
        row = await outbox.delivered_alert(session, 1, "slack")
    assert row is not None and row.platform_message_id
    return row.platform_message_id


async def audits(slack: Harness) -> list[tuple[str, str, bool]]:
    async with slack.app.db.transaction() as session:
        rows = await store.audit_rows(session, slack.app.school_id)
    return [(r.actor, r.action, r.allowed) for r in rows]


async def test_view_opens_a_modal_only_for_the_dsl_member(slack: Harness) -> None:
    await raise_concern(slack)
    await slack.drain()
    channel_before = len(slack.fake.posts(DSL_CHANNEL))
    calls = await slack.press("alex", "dsl:view:1")
    modals = [c for c in calls if c.method == "views.open"]
    assert len(modals) == 1
    shown = modals[0].text
    assert NARRATIVE in shown and WORDS in shown and PUPIL in shown
    assert modals[0].args["trigger_id"].startswith("trigger-")
    assert not [c for c in calls if c.method == "chat.postMessage"], "nothing else is posted for a view"
    assert len(slack.fake.posts(DSL_CHANNEL)) == channel_before
    assert ("alex.example@school.example", "concern.view", True) in await audits(slack)


async def test_someone_outside_the_dsl_team_is_refused_and_audited(slack: Harness) -> None:
    await raise_concern(slack)
    await slack.drain()
    for verb in ("view", "ack", "note", "close"):
        calls = await slack.press("olly", f"dsl:{verb}:1")
        assert not [c for c in calls if c.method == "views.open"]
        posts = [c for c in calls if c.method == "chat.postMessage"]
        assert posts and all(c.channel == OLLY_DM for c in posts)
        assert "only members of the school's DSL team" in posts[0].text
    seen_by_olly = "".join(c.text for c in slack.fake.calls if c.channel == OLLY_DM)
    assert NARRATIVE not in seen_by_olly and PUPIL not in seen_by_olly
    refused = [a for a in await audits(slack) if a[0] == "olly.outsider@school.example"]
    assert {a[1] for a in refused} == {"dsl.view", "dsl.ack", "dsl.note", "dsl.close"}
    assert not any(allowed for _, _, allowed in refused)
    await slack.drain()
    assert not slack.fake.of("chat.update"), "a refused press changes nothing"


async def test_acknowledge_note_action_close_with_the_reporter_told(slack: Harness) -> None:
    await raise_concern(slack)
    await slack.drain()
    channel, _, ts = (await alert_id(slack)).partition(":")
    assert channel == DSL_CHANNEL

    calls = await slack.press("alex", "dsl:ack:1")
    assert any("acknowledged C-2026-0001" in c.text for c in calls if c.channel == ALEX_DM)
    await slack.drain()
    update = slack.fake.of("chat.update")[-1]
    assert update.args["ts"] == ts and update.channel == DSL_CHANNEL and "Picked up by the DSL team" in update.text
    assert [c for c, _, _ in update.buttons()] == [f"dsl:{v}:1" for v in ACTIONS], "same place, same id"
    thread = slack.fake.posts(DSL_CHANNEL)[-1]
    assert thread.args["thread_ts"] == ts and "Acknowledged by Alex Example" in thread.text
    assert "picked up by the DSL team" in slack.fake.posts(TEACHER_DM)[-1].text

    calls = await slack.press("alex", "dsl:note:1")
    question = [c for c in calls if c.method == "chat.postMessage"]
    assert question[-1].channel == ALEX_DM and "Type the note" in question[-1].text
    assert [c for c in calls if c.method == "chat.postEphemeral" and c.channel == DSL_CHANNEL]
    done = await slack.say("alex", "Spoke to the family; they will meet the DSL tomorrow")
    assert "Note added to C-2026-0001" in done[0].text
    await slack.drain()
    assert "Note by Alex Example" in slack.fake.posts(DSL_CHANNEL)[-1].text
    assert not any("tomorrow" in c.text for c in slack.fake.calls if c.channel == DSL_CHANNEL)

    await slack.press("sam", "dsl:action:1")
    await slack.tap("sam", "police_prevent")
    done = await slack.say("sam", "Indicators of radicalisation; discussed with the local Prevent team")
    assert "Recorded on C-2026-0001" in done[0].text

    await slack.press("alex", "dsl:close:1")
    await slack.tap("alex", "channel")
    done = await slack.say("alex", "Channel panel accepted the referral")
    assert "C-2026-0001 is closed" in done[0].text
    await slack.drain()
    final = slack.fake.of("chat.update")[-1]
    assert "Closed" in final.text and [c for c, _, _ in final.buttons()] == [f"dsl:{v}:1" for v in ACTIONS]
    told = [c.text for c in slack.fake.posts(TEACHER_DM)]
    assert any("has been closed by the DSL team" in t for t in told)
    assert not any("Channel panel accepted" in t for t in told), "the reporter never gets the details"
    assert not any(c.channel == DSL_CHANNEL and "Channel panel accepted" in c.text for c in slack.fake.calls)


async def test_a_decision_made_during_an_outage_waits_for_the_alert_and_shows_on_it(slack: Harness) -> None:
    await raise_concern(slack)
    slack.fake.down = True
    assert await slack.drain() == 0
    slack.fake.down = False
    await slack.press("alex", "dsl:ack:1")  # e.g. from the list of open concerns
    await outbox_due_now(slack.app)
    await slack.drain()
    await outbox_due_now(slack.app)
    await slack.drain()
    alerts = [c for c in slack.fake.posts(DSL_CHANNEL) if "thread_ts" not in c.args]
    assert len(alerts) == 1, "one alert, not a second one for the update"
    assert "Picked up by the DSL team" in alerts[0].text, "a late alert shows the concern's current status"
    thread = [c for c in slack.fake.posts(DSL_CHANNEL) if "thread_ts" in c.args]
    assert len(thread) == 1 and "Acknowledged by Alex Example" in thread[0].text
    assert thread[0].args["thread_ts"] == (await alert_id(slack)).partition(":")[2]


async def test_a_deleted_alert_is_posted_again_with_progress_under_the_new_one(slack: Harness) -> None:
    await raise_concern(slack)
    await slack.drain()
    slack.fake.fail("chat.update", error="message_not_found")
    await slack.press("alex", "dsl:ack:1")
    await slack.drain()
    alerts = [c for c in slack.fake.posts(DSL_CHANNEL) if "thread_ts" not in c.args]
    assert len(alerts) == 2 and "Picked up by the DSL team" in alerts[-1].text
    thread = slack.fake.posts(DSL_CHANNEL)[-1]
    assert thread.args["thread_ts"] == alerts[-1].result["ts"], "progress goes under the alert that exists"


async def test_the_reporters_dm_is_opened_once_and_opened_again_if_slack_no_longer_knows_it(slack: Harness) -> None:
    teacher = PEOPLE["teacher"][0]

    def opened() -> int:
        return sum(1 for c in slack.fake.of("conversations.open") if c.args.get("users") == teacher and not c.failed)

    await raise_concern(slack)
    await slack.drain()
    await slack.press("alex", "dsl:ack:1")
    await slack.drain()
    assert "picked up by the DSL team" in slack.fake.posts(TEACHER_DM)[-1].text
    assert opened() == 1

    async with slack.app.db.transaction() as session:
        reporter = await people.staff_by_email(session, slack.app.school_id, TEACHER_EMAIL)
        assert reporter is not None and reporter.id is not None
        for text in ("A first reminder", "A second reminder"):
            await outbox.enqueue(session, slack.app.school_id, "slack", StaffDM(reporter.id),
                                 OutboxKind.REPORTER_UPDATE, {"reply": Reply(text).to_json()})
    slack.fake.fail("chat.postMessage", error="channel_not_found")  # e.g. the workspace was migrated
    await slack.drain()
    await outbox_due_now(slack.app)  # the retry, without waiting for its backoff
    await slack.drain()
    told = [c.text for c in slack.fake.posts(TEACHER_DM)]
    assert "A first reminder" in told[-2] and "A second reminder" in told[-1]
    assert opened() == 2  # remembered, then opened afresh once Slack refused the remembered channel


async def test_typed_ack_in_a_dm_acknowledges_the_alert(slack: Harness) -> None:
    await raise_concern(slack)
    await slack.drain()
    posts = await slack.say("alex", "ack")
    assert posts and "acknowledged C-2026-0001" in posts[0].text
    assert [found for found, _, _ in posts[0].buttons()] == [f"dsl:{v}:1" for v in
                                                            ("view", "ack", "note", "action", "close")]
    async with slack.app.db.transaction() as session:
        concern = await store.get(session, slack.app.school_id, 1)
    assert concern is not None and concern.status == "acknowledged"
    await slack.drain()
    told = "".join(c.text for c in slack.fake.posts(TEACHER_DM))
    assert "picked up by the DSL team" in told
