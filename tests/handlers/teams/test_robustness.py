"""Repeats, malformed and unsigned requests, a Connector outage with the fallback, very long answers."""

from __future__ import annotations

import json
import logging
import socket
import time
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import col, func, select

from handlers.teams.cards import MAX_CARD_BYTES
from handlers.teams.connector import SendFailed, open_personal_chat
from handlers.teams.ports import BOT_TARGET
from storage.db import utcnow
from storage.models import Outbox, ProcessedEvent, Staff
from tests.handlers.teams.fake_connector import FakeConnector
from tests.handlers.teams.harness import PEOPLE, TEAM, TENANT, Harness, alert_id, raise_concern, start
from tests.helpers import FrozenClock, outbox_due_now


async def count(teams: Harness, model: type) -> int:
    async with teams.app.db.transaction() as session:
        return int((await session.exec(select(func.count()).select_from(model))).one())


async def test_a_repeated_activity_is_processed_once(teams: Harness) -> None:
    activity = teams.personal("teacher", text="Raise a concern")
    assert await teams.post(activity) == 200
    first = len(teams.fake.sent())
    assert await teams.post(activity) == 200
    assert len(teams.fake.sent()) == first, "Teams' retry of the same activity gets no second answer"
    answer = teams.personal("teacher", value={"choice": "no", "token": teams.token("teacher", "no")})
    assert await teams.post(answer) == 200
    assert await teams.post(answer) == 200
    assert "Who is the concern about?" in teams.fake.sent()[-1].text
    assert "That button is from an earlier message" not in "".join(c.text for c in teams.fake.sent())


@pytest.mark.parametrize("body", [
    b"this is not json",
    b"[1, 2, 3]",
    json.dumps({"type": "message", "text": "hi"}).encode(),
    json.dumps({"type": "message", "serviceUrl": "ftp://x", "channelId": "msteams", "from": {"id": "29:a"},
                "conversation": {"id": "a:1"}}).encode(),
    json.dumps({"type": "message", "serviceUrl": "http://127.0.0.1:9", "channelId": "msteams",
                "from": {"id": "29:a"}, "conversation": "a:1"}).encode(),
    json.dumps({"type": "message", "serviceUrl": "http://127.0.0.1:9", "channelId": "msteams",
                "from": {"id": "29:a"}, "conversation": {"id": "a:1"}, "value": [1]}).encode(),
])
async def test_a_malformed_activity_gets_400_and_changes_nothing(teams: Harness, body: bytes) -> None:
    calls, staff, events = len(teams.fake.calls), await count(teams, Staff), await count(teams, ProcessedEvent)
    status = await teams.post({}, headers={"Content-Type": "application/json"}, raw=body)
    assert status == 400
    assert len(teams.fake.calls) == calls
    assert (await count(teams, Staff), await count(teams, ProcessedEvent)) == (staff, events)


@pytest.fixture
async def authenticated(tmp_path: Path, clock: FrozenClock, fake: FakeConnector) -> AsyncIterator[Harness]:
    """The server with an app registration configured: requests must be signed."""
    env = {"MicrosoftAppId": "00000000-0000-0000-0000-000000000001", "MicrosoftAppPassword": "not-a-real-secret",
           "MicrosoftAppType": "MultiTenant", "MicrosoftAppTenantId": TENANT}
    async for harness in start(tmp_path, clock, fake, **env):
        yield harness


async def test_an_unsigned_request_gets_401_when_authentication_is_on(authenticated: Harness) -> None:
    staff = await count(authenticated, Staff)
    assert await authenticated.post(authenticated.personal("teacher", text="hello")) == 401
    forged = {"Authorization": "Bearer not-a-token"}
    assert await authenticated.post(authenticated.personal("teacher", text="hello"), headers=forged) == 401
    assert authenticated.fake.calls == []
    assert await count(authenticated, Staff) == staff
    assert not any("UNAUTHENTICATED" in p for p in await authenticated.platform.readiness())


async def test_local_mode_is_reported_as_not_ready(teams: Harness) -> None:
    problems = await teams.platform.readiness()
    assert any("UNAUTHENTICATED" in p for p in problems)
    async with teams.http.get(f"{teams.url}/readyz") as response:
        assert response.status == 503


async def test_an_outage_falls_back_to_each_dsl_member_directly(
        teams: Harness, caplog: pytest.LogCaptureFixture) -> None:
    await raise_concern(teams)
    teams.fake.down = True
    assert await teams.drain() == 0
    await outbox_due_now(teams.app, created_minutes_ago=6)
    with caplog.at_level(logging.ERROR):
        assert await teams.drain() == 0
    assert any("undelivered" in r.getMessage() for r in caplog.records)
    teams.fake.down = False
    await outbox_due_now(teams.app)
    await teams.drain()
    assert len(teams.fake.sent_to(TEAM)) == 1, "the alert still reaches the channel once it is back"
    for who in ("alex", "sam"):
        direct = teams.to_person(who)
        assert direct and "could not be reached" in direct[-1].text and "C-2026-0001" in direct[-1].text
    async with teams.app.db.transaction() as session:
        pending = (await session.exec(select(Outbox).where(Outbox.status == "pending"))).all()
    assert list(pending) == []


async def test_429_waits_as_told_then_succeeds(teams: Harness) -> None:
    await raise_concern(teams)
    teams.fake.fail_next, teams.fake.retry_after = [429], "7"
    assert await teams.drain() == 0
    async with teams.app.db.transaction() as session:
        row = (await session.exec(select(Outbox).where(Outbox.kind == "dsl_alert"))).one()
    assert "429" in row.last_error
    assert timedelta(seconds=5) < row.next_attempt_at - utcnow() <= timedelta(seconds=7)
    await outbox_due_now(teams.app)
    assert await teams.drain() == 1
    assert len(teams.fake.sent_to(TEAM)) == 1


async def test_a_10000_character_answer_stays_within_card_limits_and_is_whole(teams: Harness) -> None:
    answer = " ".join(f"word{i:05d}" for i in range(1000)) + "!"
    assert len(answer) == 10_000
    await raise_concern(teams, seen=answer)
    review = [c for c in teams.to_person("teacher") if "Please check your concern" in c.text]
    for call in teams.fake.sent():
        for card in call.cards:
            assert len(json.dumps(card).encode()) <= MAX_CARD_BYTES
    await teams.drain()
    details = await teams.press("alex", "dsl:view:1", await alert_id(teams))
    assert answer in "".join(c.text for c in details), "the details view holds every character"
    assert review, "the review was shown"
    async with teams.app.db.transaction() as session:
        rows = (await session.exec(select(Outbox).where(col(Outbox.destination) == "dsl"))).all()
    assert all(answer[:50] not in r.payload for r in rows)


async def test_a_decision_made_during_an_outage_waits_for_the_alert_and_shows_on_it(teams: Harness) -> None:
    await raise_concern(teams)
    teams.fake.down = True
    assert await teams.drain() == 0
    teams.fake.down = False
    await teams.say("alex", "hello")
    await teams.tap("alex", "go:dsl_open")
    acknowledged = await teams.tap("alex", "dsl:ack:1", token="")
    assert any("acknowledged C-2026-0001" in c.text for c in acknowledged)
    teams.fake.down = True
    await outbox_due_now(teams.app)
    assert await teams.drain() == 0
    teams.fake.down = False
    await outbox_due_now(teams.app)
    await teams.drain()
    await outbox_due_now(teams.app)
    await teams.drain()
    channel = teams.fake.sent_to(TEAM)
    cards = [c for c in channel if c.conversation == TEAM]
    assert len(cards) == 1, "one alert card in the channel, never a second"
    assert "Picked up by the DSL team" in cards[0].text
    assert any("Acknowledged by Alex Example" in c.text for c in channel)


async def test_an_incomplete_app_registration_is_refused_and_reported(
        tmp_path: Path, clock: FrozenClock, fake: FakeConnector) -> None:
    async for teams in start(tmp_path, clock, fake, MicrosoftAppId="00000000-0000-0000-0000-000000000002"):
        problems = " ".join(await teams.platform.readiness())
        assert "MicrosoftAppPassword must be set" in problems and "MicrosoftAppTenantId must be set" in problems
        assert await teams.post(teams.personal("teacher", text="hello")) == 503
        assert teams.fake.calls == []


async def test_odd_but_valid_messages_get_a_kind_answer(teams: Harness) -> None:
    odd = [teams.personal("teacher"),
           teams.personal("teacher", value="not an object"),
           teams.personal("teacher", value={"choice": 42}),
           teams.personal("teacher", attachments=[{"contentType": "image/png", "contentUrl": "https://x.example/a"}]),
           teams.personal("teacher", type="messageReaction"),
           teams.channel("teacher", type="invoke", name="adaptiveCard/action")]
    for activity in odd:
        assert await teams.post(activity) in (200, 501)
    assert all(c.method != "GET" or "x.example" not in c.path for c in teams.fake.calls)
    no_recipient = teams.personal("teacher", text="hi")
    del no_recipient["recipient"]
    assert await teams.post(no_recipient) == 400


async def test_a_picture_sent_to_the_bot_is_never_fetched_and_the_person_is_told(teams: Harness) -> None:
    picture = [{"contentType": "image/png", "contentUrl": "https://files.teams.example/picture.png"},
               {"contentType": "text/html", "content": "<p>look</p>"}]
    said = [c.text for c in await teams.post_and_read(teams.personal("teacher", text="look", attachments=picture))]
    assert "don't open, keep or pass on files or pictures" in said[0] and "indecent image" in said[0]
    assert "Don't delete it, and don't ask the child to" in said[0] and "delete it from" not in said[0]
    assert all("files.teams.example" not in c.path for c in teams.fake.calls)  # never fetched
    plain = [c.text for c in await teams.post_and_read(teams.personal("teacher", text="hello",
                                                                      attachments=picture[1:]))]
    assert not any("pictures" in text for text in plain)  # Teams' own HTML copy of a message is not a file


async def test_a_connector_answer_that_is_not_json_is_a_failed_send_not_a_500(
        teams: Harness, caplog: pytest.LogCaptureFixture) -> None:
    await teams.say("teacher", "hello")  # known from now on: no roster look-up
    teams.fake.pages_next = 2  # the typing indicator and the reply get a proxy's error page
    assert await teams.post(teams.personal("teacher", text="who do I talk to?")) == 200
    assert [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info] == []
    async with teams.app.db.transaction() as session:
        queued = (await session.exec(select(Outbox).where(Outbox.status == "pending"))).all()
    assert queued, "the reply waits in the outbox"
    await outbox_due_now(teams.app)
    await teams.drain()
    assert "020 7946 0101" in " ".join(c.text for c in teams.to_person("teacher")[-3:])


async def test_opening_a_personal_chat_when_the_connector_is_unreachable_fails_at_once(teams: Harness) -> None:
    with socket.socket() as closed:  # a port nothing listens on
        closed.bind(("127.0.0.1", 0))
        nowhere = f"http://127.0.0.1:{closed.getsockname()[1]}"
    place = {**(await teams.platform.store.reference(BOT_TARGET) or {}), "serviceUrl": nowhere}
    started = time.monotonic()
    with pytest.raises(SendFailed):
        await open_personal_chat(teams.platform.endpoint.adapter, "", place, PEOPLE["olly"][0])
    assert time.monotonic() - started < 2, "the outbox retries; the SDK's own back-off held the turn for 5 s"
