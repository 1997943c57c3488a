"""Properties of POST /api/messages: any activity gets 2xx or 4xx, no traceback, no words logged.

Hypothesis generates activities (messages with text, card submits, files and mentions; installs; reactions;
invokes; typing) valid, valid but changed deep inside (a field removed, null, junk), loose, any JSON and any
bytes. One app (SQLite) serves every example of a test: in local mode as the other Teams tests run, and with
an app registration, each request carrying a token signed as the Bot Connector signs it. See docs/testing.md.
"""

from __future__ import annotations

import itertools
import json
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import assume, event, example, given
from sqlmodel import func, select

from storage.models import Audit, ConversationRef, DialogSession, Outbox, ProcessedEvent, Staff
from tests.handlers.edges import EDGE, MARKER, acceptable, problems
from tests.handlers.teams.edge_activities import CLOSED, CONNECTOR, FRESH, bodies
from tests.handlers.teams.fake_connector import FakeConnector
from tests.handlers.teams.fake_identity import FakeIdentity
from tests.handlers.teams.harness import APP_ID, BOT, TENANT, Harness, raise_concern, start
from tests.helpers import FrozenClock

ACTIVITY_NUMBERS = itertools.count(1)
# Deliberate alarms for the school's IT person, raised by well-formed activities about the DSL team.
ALARMS = ("the bot was removed from the DSL team", "refused to post concerns to the DSL team",
          "the DSL team has no channel")


@pytest.fixture
async def local(tmp_path: Path, clock: FrozenClock, fake: FakeConnector) -> AsyncIterator[Harness]:
    """One server with Teams in local mode, the bot in the DSL team and one concern raised, for every example."""
    async for harness in start(tmp_path, clock, fake):
        assert await harness.post(harness.install()) == 200
        await raise_concern(harness, seen=f"{MARKER} was seen")  # so the DSL buttons act on a real concern
        await harness.drain()
        yield harness




async def stored(teams: Harness) -> dict[str, int]:
    """Counts the rows an activity could have written."""
    counts = {}
    async with teams.app.db.transaction() as session:
        for table in (Staff, ProcessedEvent, DialogSession, ConversationRef, Audit, Outbox):
            counts[table.__name__] = int((await session.exec(select(func.count()).select_from(table))).one())
    return counts


def prepare(teams: Harness, body: Any) -> tuple[bytes, Any]:
    """Returns the bytes to send (the fake's address and fresh ids put in) and the JSON value they hold."""
    if isinstance(body, bytes):
        return body, None
    text = json.dumps(body).replace(CONNECTOR, teams.fake.url).replace(FRESH, f"act-{next(ACTIVITY_NUMBERS)}")
    value = json.loads(text)
    service = value.get("serviceUrl") if isinstance(value, dict) else None
    assume(not isinstance(service, str) or "://" not in service or service.startswith((teams.fake.url, CLOSED)))
    return text.encode(), value


def alarms_aside(found: list[str]) -> list[str]:
    """The problems, apart from the deliberate alarms about the DSL team (which carry no content)."""
    return [p for p in found if not (p.startswith("ERROR ") and any(alarm in p for alarm in ALARMS))]


async def answers_well(teams: Harness, caplog: pytest.LogCaptureFixture, body: Any,
                       token: FakeIdentity | None = None) -> None:
    """Posts one body and checks the properties every answer must have."""
    caplog.set_level(logging.INFO)
    caplog.clear()
    raw, value = prepare(teams, body)
    headers = {"Content-Type": "application/json"}
    if token is not None:
        service = value.get("serviceUrl") if isinstance(value, dict) else None
        headers["Authorization"] = f"Bearer {token.token(APP_ID, service if isinstance(service, str) else '')}"
    before, rows = len(teams.fake.calls), await stored(teams)
    async with teams.http.post(f"{teams.url}/api/messages", data=raw, headers=headers) as response:
        status, why = response.status, f" {(await response.text())[:60]}" if response.status == 400 else ""
    event(f"answered {status}{why}" + (", called the connector" if len(teams.fake.calls) > before else ""))
    invoke = isinstance(value, dict) and value.get("type") == "invoke"
    assert acceptable(status) or (invoke and status == 501), f"answered {status}"  # 501: an invoke not implemented
    assert alarms_aside(problems(caplog)) == []
    assert not [c for c in teams.fake.calls if "/files/" in c.path], "a file or picture was fetched"
    if status >= 400 and status != 501:
        assert len(teams.fake.calls) == before, "a refused request reached the connector"
        assert await stored(teams) == rows, "a refused request wrote something"


def unreachable(conversation: dict[str, Any], user: str = "29:teacher") -> dict[str, Any]:
    """A message naming a connector that cannot be reached, for an explicit example."""
    return {"type": "message", "id": FRESH, "channelId": "msteams", "serviceUrl": CLOSED, "from": {"id": user},
            "recipient": {"id": BOT}, "conversation": conversation, "text": f"<at>Prevent bot</at> {MARKER}",
            "channelData": {"tenant": {"id": TENANT}}}


def from_nobody(**fields: Any) -> dict[str, Any]:
    """A personal message from someone the bot must look up in the roster, for an explicit example."""
    return {"type": "message", "id": FRESH, "channelId": "msteams", "serviceUrl": CONNECTOR, "from": {"id": "29:x"},
            "recipient": {"id": BOT}, "conversation": {"id": "a:chat-29:x", "conversationType": "personal"},
            "text": MARKER, **fields}


@EDGE
@given(body=bodies())
@example(body=unreachable({"id": "19:group@thread.v2", "conversationType": "groupChat"}))  # redirect: a 500
@example(body=unreachable({"id": "a:chat-29:nobody", "conversationType": "personal"}, "29:nobody"))  # a 500
@example(body=from_nobody())  # no channelData (as the Emulator sends): the SDK's roster look-up failed, a 500
@example(body=from_nobody(channelData={"team": {"name": "x"}}))  # a team without an id: a 500
@example(body=from_nobody(channelData={"team": "x"}))  # a 500
@example(body=from_nobody(channelData=[]))  # a 500
@example(body=from_nobody(entities=[None]))  # the SDK read each entity's type: a 500
@example(body=from_nobody(entities=[{}]))  # a 500
@example(body=from_nobody(entities=[{"type": "mention"}]))  # the SDK read mentioned.id: a 500
@example(body=from_nobody(entities=[{"type": "mention", "mentioned": {"id": BOT}}]))  # and then its name: a 500
@example(body=from_nobody(attachments=[None]))  # a 500
@example(body=from_nobody(type="conversationUpdate", membersAdded=[None]))  # a 500
@example(body=from_nobody(conversation={"id": "a:chat\x1f", "conversationType": "personal"}))  # in a URL: a 500
async def test_any_activity_gets_2xx_or_4xx_and_logs_no_words(
        local: Harness, caplog: pytest.LogCaptureFixture, body: Any) -> None:
    await answers_well(local, caplog, body)


@EDGE
@given(body=bodies())
async def test_any_signed_activity_gets_2xx_or_4xx_and_logs_no_words(
        signed: Harness, identity: FakeIdentity, caplog: pytest.LogCaptureFixture, body: Any) -> None:
    await answers_well(signed, caplog, body, token=identity)
