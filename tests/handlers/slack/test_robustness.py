"""Repeats, signatures, rate limits, outages, a misconfigured DSL channel, hostile and very long text."""

from __future__ import annotations

import json
import logging
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import func, select

from bot.checks import run_doctor
from storage.db import utcnow
from storage.models import Audit, DialogSession, InboundEvent, Outbox, ProcessedEvent
from tests.handlers.slack.fake_slack import FakeSlack, dm
from tests.handlers.slack.harness import DSL_CHANNEL, PEOPLE, SECRET, Harness, raise_concern, sign, slack_school, start
from tests.helpers import FrozenClock, outbox_due_now

TEACHER, TEACHER_DM = PEOPLE["teacher"][0], dm(PEOPLE["teacher"][0])


async def count(slack: Harness, table: type) -> int:
    async with slack.app.db.transaction() as session:
        return int((await session.exec(select(func.count()).select_from(table))).one())


async def test_a_repeated_event_is_processed_once(slack: Harness) -> None:
    event = {"type": "message", "channel_type": "im", "channel": TEACHER_DM, "user": TEACHER,
             "text": "Raise a concern", "ts": "1700000002.000001"}
    body = slack.event_body(event, "Ev0REPEATED")
    assert await slack.post(body, "application/json") == 200
    first = len(slack.fake.posts(TEACHER_DM))
    headers = {**sign(body), "X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
    assert await slack.post(body, "application/json", headers) == 200
    assert await slack.post(body, "application/json") == 200
    assert len(slack.fake.posts(TEACHER_DM)) == first >= 1
    assert await count(slack, InboundEvent) == 1  # a direct message is accepted into the inbox once


@pytest.mark.parametrize("case", ["bad", "stale", "missing"])
async def test_bad_stale_or_missing_signatures_get_401_and_change_nothing(slack: Harness, case: str) -> None:
    event = {"type": "message", "channel_type": "im", "channel": TEACHER_DM, "user": TEACHER,
             "text": "Raise a concern", "ts": "1700000003.000001"}
    body = slack.event_body(event)
    headers = {"bad": sign(body, secret="not-the-secret"), "missing": {},
               "stale": sign(body, SECRET, timestamp=int(time.time()) - 6 * 60)}[case]
    before = len(slack.fake.calls)
    assert await slack.post(body, "application/json", headers) == 401
    assert slack.fake.calls[before:] == []
    assert await count(slack, ProcessedEvent) == 0
    assert await count(slack, InboundEvent) == 0
    assert await count(slack, DialogSession) == 0
    assert await count(slack, Audit) == 0


async def test_429_waits_as_told_then_succeeds(slack: Harness) -> None:
    await raise_concern(slack)
    slack.fake.fail("chat.postMessage", status=429, retry_after=7)
    assert await slack.drain() == 0
    async with slack.app.db.transaction() as session:
        row = (await session.exec(select(Outbox).where(Outbox.kind == "dsl_alert"))).one()
    assert "rate limited" in row.last_error and row.status == "pending"
    assert timedelta(seconds=5) < row.next_attempt_at - utcnow() <= timedelta(seconds=7)
    await outbox_due_now(slack.app)
    assert await slack.drain() == 1
    assert len(slack.fake.posts(DSL_CHANNEL)) == 1


async def test_500_and_errors_are_retried(slack: Harness) -> None:
    await raise_concern(slack)
    slack.fake.fail("chat.postMessage", status=500)
    slack.fake.fail("chat.postMessage", error="internal_error")
    assert await slack.drain() == 0
    await outbox_due_now(slack.app)
    assert await slack.drain() == 0
    await outbox_due_now(slack.app)
    assert await slack.drain() == 1
    assert len(slack.fake.posts(DSL_CHANNEL)) == 1


async def test_an_outage_falls_back_to_each_dsl_member_directly(
        slack: Harness, caplog: pytest.LogCaptureFixture) -> None:
    await raise_concern(slack)
    slack.fake.down = True
    assert await slack.drain() == 0
    await outbox_due_now(slack.app, created_minutes_ago=6)
    with caplog.at_level(logging.ERROR):
        assert await slack.drain() == 0
    assert any("undelivered" in r.getMessage() for r in caplog.records)
    slack.fake.down = False
    await outbox_due_now(slack.app)
    await slack.drain()
    assert len(slack.fake.posts(DSL_CHANNEL)) == 1, "the alert still reaches the channel once Slack is back"
    for who in ("alex", "sam"):
        direct = slack.fake.posts(dm(PEOPLE[who][0]))
        assert direct and "could not be reached" in direct[-1].text and "C-2026-0001" in direct[-1].text
    async with slack.app.db.transaction() as session:
        pending = (await session.exec(select(Outbox).where(Outbox.status == "pending"))).all()
    assert list(pending) == []


@pytest.mark.parametrize(("change", "says"), [({"is_private": False}, "PUBLIC"),
                                              ({"is_member": False}, "/invite"),
                                              ({"members": ["UALEX", "USAM", "UBOT", "UOLLY"]}, "1 member(s)")])
async def test_a_public_bot_less_or_shared_dsl_channel_is_refused(
        slack: Harness, change: dict[str, object], says: str, caplog: pytest.LogCaptureFixture) -> None:
    slack.fake.channels[DSL_CHANNEL].update(change)
    async with slack.http.get(f"{slack.url}/readyz") as response:
        assert response.status == 503
        problems = (await response.json())["problems"]
    assert any(says in p and "dsl-team" in p for p in problems)
    assert not any("Olly" in p or "olly" in p for p in problems), "readyz names nobody"
    assert any(says in p for p in await run_doctor(slack.app))
    with caplog.at_level(logging.ERROR):
        await slack.platform.start()
    assert any(says in r.getMessage() for r in caplog.records)
    await raise_concern(slack)
    assert await slack.drain() == 0
    assert slack.fake.posts(DSL_CHANNEL) == [], "no concern is posted in a public or bot-less channel"
    async with slack.app.db.transaction() as session:
        row = (await session.exec(select(Outbox).where(Outbox.kind == "dsl_alert"))).one()
    assert says in row.last_error
    await outbox_due_now(slack.app, created_minutes_ago=6)
    await slack.drain()
    await outbox_due_now(slack.app)
    await slack.drain()
    assert "C-2026-0001" in slack.fake.posts(dm(PEOPLE["alex"][0]))[-1].text, "the DSL team still hears"


async def test_a_private_channel_with_the_bot_is_ready(slack: Harness) -> None:
    async with slack.http.get(f"{slack.url}/readyz") as response:
        body = await response.json()
    assert [p for p in body["problems"] if p.startswith("Slack")] == []


async def test_mentions_and_links_in_a_concern_arrive_escaped(slack: Harness) -> None:
    hostile = "<!channel> <@UALEX> see <https://evil.example|the school website> & more"
    await raise_concern(slack, seen=hostile)
    await slack.drain()
    await slack.press("alex", "dsl:view:1")
    shown = [c for c in slack.fake.calls if "evil.example" in c.text]
    assert shown, "the text was shown to the reporter and in the details"
    for call in shown:
        for block in call.blocks:
            raw = json.dumps(block)
            assert "<!channel>" not in raw and "<@UALEX>" not in raw and "<https://evil" not in raw
        assert "&lt;!channel&gt; &lt;@UALEX&gt;" in call.text and "&amp; more" in call.text
        assert "<!channel>" not in str(call.args.get("text", ""))


async def test_a_10000_character_answer_stays_within_limits_and_is_whole(slack: Harness) -> None:
    long = " ".join(f"word{n:05d}" for n in range(1000))  # 10,000 characters, no line breaks
    assert len(long) >= 9999
    await raise_concern(slack, seen=long)
    review = [c for c in slack.fake.posts(TEACHER_DM) if "word00000" in c.text][-1]
    text = " ".join(b["text"]["text"] for b in review.blocks if b.get("text"))
    assert all(f"word{n:05d}" in text for n in range(1000)), "nothing is cut"
    await slack.drain()
    await slack.press("alex", "dsl:view:1")
    modal = slack.fake.of("views.open")[-1]
    sections = [b["text"]["text"] for b in modal.blocks if b.get("text")]
    assert all(len(s) <= 3000 for s in sections)
    assert all(f"word{n:05d}" in " ".join(sections) for n in range(1000))


async def test_a_reply_slack_refuses_goes_to_the_outbox_and_the_turn_is_not_repeated(slack: Harness) -> None:
    await slack.say("teacher", "Raise a concern")
    slack.fake.fail("chat.postMessage", status=429, retry_after=0)
    event = {"type": "message", "channel_type": "im", "channel": TEACHER_DM, "user": TEACHER, "text": "no",
             "ts": "1700000004.000001"}
    body = slack.event_body(event, "Ev0REFUSED")
    assert await slack.post(body, "application/json") == 200
    assert await slack.post(body, "application/json") == 200  # Slack's retry is still dropped
    await outbox_due_now(slack.app)
    await slack.drain()
    asked = [c for c in slack.fake.posts(TEACHER_DM) if "Who is the concern about" in c.text]
    assert len(asked) == 1, "the next question arrives once, through the outbox"


async def test_logs_never_hold_concern_text_or_tokens(slack: Harness, caplog: pytest.LogCaptureFixture) -> None:
    from tests.handlers.slack.fake_slack import TOKEN
    from tests.handlers.slack.harness import NARRATIVE, PUPIL, WORDS

    caplog.set_level(logging.DEBUG)
    await raise_concern(slack)
    await slack.drain()
    await slack.press("alex", "dsl:view:1")
    await slack.press("alex", "dsl:note:1")
    await slack.say("alex", "Met the family about Jamie Testpupil")
    await slack.drain()
    logged = caplog.text + "".join(str(r.args) for r in caplog.records)
    for secret in (NARRATIVE, WORDS, PUPIL, TOKEN, SECRET, "Met the family"):
        assert secret not in logged


async def test_the_dsl_channel_may_be_named(tmp_path: Path, clock: FrozenClock, fake: FakeSlack) -> None:
    async for slack in start(tmp_path, clock, fake, school=slack_school("#dsl-team")):
        assert [p for p in await slack.platform.readiness() if p.startswith("Slack")] == []
        await raise_concern(slack)
        await slack.drain()
        assert len(slack.fake.posts(DSL_CHANNEL)) == 1
        fake.channels[DSL_CHANNEL]["is_private"] = False
        assert any("PUBLIC" in p for p in await slack.platform.readiness())


async def test_a_failed_slack_call_after_a_shortcut_is_logged_not_a_500(
        slack: Harness, caplog: pytest.LogCaptureFixture) -> None:
    slack.fake.fail("conversations.open", status=500)
    payload = {"type": "shortcut", "callback_id": "raise_concern", "trigger_id": "t1",
               "user": {"id": TEACHER, "team_id": "T0SCHOOL"}}
    with caplog.at_level(logging.WARNING):
        assert await slack.interact(payload) == 200
    assert any("failed while handling a shortcut" in r.getMessage() for r in caplog.records)


async def test_a_missing_token_or_signing_secret_is_reported_not_a_crash(
        tmp_path: Path, clock: FrozenClock, fake: FakeSlack) -> None:
    async for slack in start(tmp_path, clock, fake, SLACK_BOT_TOKEN="", SLACK_SIGNING_SECRET=""):
        problems = await slack.platform.readiness()
        assert any("set SLACK_BOT_TOKEN" in p for p in problems)
        assert any("set SLACK_SIGNING_SECRET" in p for p in problems)
        body = slack.event_body({"type": "message", "channel_type": "im", "channel": TEACHER_DM, "user": TEACHER,
                                 "text": "hello", "ts": "1"})
        assert await slack.post(body, "application/json", sign(body, secret="")) == 401


async def test_an_event_that_failed_before_its_turn_is_processed_when_slack_retries(slack: Harness) -> None:
    event = {"type": "message", "channel_type": "im", "channel": TEACHER_DM, "user": TEACHER,
             "text": "Raise a concern", "ts": "1700000006.000001"}
    body = slack.event_body(event, "Ev0FAILEDFIRST")
    slack.fake.down = True
    assert await slack.post(body, "application/json") == 500
    assert await count(slack, ProcessedEvent) == 0, "the event id is forgotten, so Slack's retry is processed"
    assert await count(slack, InboundEvent) == 0
    slack.fake.down = False
    headers = {**sign(body), "X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_error"}
    assert await slack.post(body, "application/json", headers) == 200
    assert "immediate danger" in slack.fake.posts(TEACHER_DM)[-1].text


async def test_a_picture_sent_to_the_bot_is_never_fetched_and_the_person_is_told(slack: Harness) -> None:
    await slack.say("teacher", "Raise a concern")
    await slack.tap("teacher", "no")
    await slack.tap("teacher", "child")
    user = PEOPLE["teacher"][0]
    before = len(slack.fake.calls)
    shared = {"type": "message", "subtype": "file_share", "channel_type": "im", "channel": dm(user), "user": user,
              "text": "", "ts": f"{time.time():.6f}",
              "files": [{"id": "F0PICTURE", "name": "screenshot.png", "mimetype": "image/png",
                         "url_private": "https://files.slack.example/F0PICTURE/screenshot.png"}]}
    assert await slack.event(shared) == 200
    said = [c.text for c in slack.since(before) if c.method == "chat.postMessage" and c.channel == dm(user)]
    assert "don't open, keep or pass on files or pictures" in said[0] and "indecent image" in said[0]
    assert "Don't delete it, and don't ask the child to" in said[0] and "delete it from" not in said[0]
    assert "full name" in said[-1]  # and the question it was on is asked again
    assert all(not c.method.startswith("files.") and "F0PICTURE" not in json.dumps(c.args)
               for c in slack.since(before))  # never fetched, never passed on
    assert "Which year group" in (await slack.say("teacher", "Jamie Testpupil"))[-1].text  # the concern goes on
