"""Properties of POST /slack/events: any correctly signed body gets 2xx or 4xx, no traceback, no words logged.

Hypothesis generates event callbacks, url_verification, interactions (buttons, shortcuts, message shortcuts,
modals and Slack's older kinds) and slash commands: valid, valid but changed deep inside (a field removed,
null, junk), loose, any JSON and any bytes. One app (SQLite) serves every example of a test: see docs/testing.md.
"""

from __future__ import annotations

import itertools
import json
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from hypothesis import event, example, given

from tests.handlers.edges import EDGE, MARKER, acceptable, problems
from tests.handlers.slack.edge_bodies import FORM, FRESH, JSON, Body, command_bodies, event_bodies, interaction_bodies
from tests.handlers.slack.fake_slack import TEAM, FakeSlack
from tests.handlers.slack.harness import Harness, acted, raise_concern, start, stored
from tests.helpers import FrozenClock

EVENT_NUMBERS = itertools.count(1)


@pytest.fixture
async def edge(tmp_path: Path, clock: FrozenClock, fake: FakeSlack) -> AsyncIterator[Harness]:
    """One server with Slack on, on SQLite, for every example of a test function."""
    async for harness in start(tmp_path, clock, fake):
        yield harness


@pytest.fixture
async def alerted(edge: Harness) -> Harness:
    """The same with one concern raised (what was seen holds the marker) and its alert in the DSL channel."""
    await raise_concern(edge, seen=f"{MARKER} was seen")
    await edge.drain()
    return edge


async def answers_well(slack: Harness, caplog: pytest.LogCaptureFixture, body: Body) -> None:
    """Posts one correctly signed body and checks the properties every answer must have."""
    caplog.set_level(logging.INFO)
    caplog.clear()
    before, rows = len(slack.fake.calls), await stored(slack)
    raw, content_type = body
    status = await slack.post(raw.replace(FRESH.encode(), f"Ev{next(EVENT_NUMBERS):010d}".encode()), content_type)
    event(f"answered {status}{why(caplog)}" + (", called Slack" if acted(slack, before) else ""))  # in the statistics
    assert acceptable(status), f"answered {status}"
    assert problems(caplog) == []
    if status >= 400:
        assert acted(slack, before) == [], "a refused request reaches Slack's Web API"
        assert await stored(slack) == rows, "a refused request wrote something"


def why(caplog: pytest.LogCaptureFixture) -> str:
    """Why the body was refused or dropped, as the handler logged it (without content)."""
    notes = [r.getMessage().rsplit(": ", 1)[-1] for r in caplog.records if r.name == "handlers.slack.app"]
    return f" ({notes[0][:70]})" if notes else ""


def form(payload: dict[str, Any]) -> Body:
    """An interaction body for an explicit example."""
    return urlencode({"payload": json.dumps(payload)}).encode(), FORM


def event_body(event: dict[str, Any]) -> Body:
    """An event callback for an explicit example."""
    return json.dumps({"type": "event_callback", "team_id": TEAM, "event_id": FRESH, "event": event}).encode(), JSON


@EDGE
@given(body=event_bodies())
@example(body=event_body({"type": "app_home_opened", "user": "UNOBODY1", "tab": "home"}))  # user_not_found: a 500
async def test_any_signed_events_body_gets_2xx_or_4xx_and_logs_no_words(
        edge: Harness, caplog: pytest.LogCaptureFixture, body: Body) -> None:
    await answers_well(edge, caplog, body)


@EDGE
@given(body=interaction_bodies())
@example(body=form({"type": "view_submission", "view": {"callback_id": ""}}))  # Bolt read view.type: a 500
@example(body=form({"type": "workflow_step_edit", "callback_id": "x"}))  # Bolt read workflow_step: a 500
@example(body=form({"type": "interactive_message", "callback_id": "x"}))  # Bolt read actions[0]: a 500
@example(body=form({"type": "block_suggestion", "action_id": "prevent:0", "value": MARKER}))  # value logged
@example(body=form({"type": "dialog_submission", "callback_id": "x", "submission": {"a": MARKER}}))  # logged
async def test_any_signed_interaction_gets_2xx_or_4xx_and_logs_no_words(
        alerted: Harness, caplog: pytest.LogCaptureFixture, body: Body) -> None:
    await answers_well(alerted, caplog, body)


@EDGE
@given(body=command_bodies())
@example(body=(urlencode({"command": f"/{MARKER}", "user_id": "UTEACHER"}).encode(), FORM))  # Bolt quoted it
async def test_any_signed_command_gets_2xx_or_4xx_and_logs_no_words(
        edge: Harness, caplog: pytest.LogCaptureFixture, body: Body) -> None:
    await answers_well(edge, caplog, body)
