"""Properties of POST /slack/events: any correctly signed body gets 2xx or 4xx, no traceback, no words logged.

Hypothesis generates event callbacks, url_verification, interactions (block_actions, view_submission,
shortcuts, message shortcuts and Slack's older kinds), slash commands, any JSON and any bytes, with fields
missing, null or of the wrong kind. One app (SQLite) serves every example of a test; see docs/testing.md.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from tests.handlers.edges import EDGE, JUNK, MARKER, acceptable, maybe, problems, words
from tests.handlers.slack.conftest import DSL_CHANNEL, PEOPLE, PUBLIC_CHANNEL, Harness, start
from tests.handlers.slack.fake_slack import TEAM, FakeSlack, dm
from tests.handlers.slack.test_malformed import acted, stored
from tests.helpers import FrozenClock

JSON, FORM = "application/json", "application/x-www-form-urlencoded"
Body = tuple[bytes, str]
USER_IDS = [p[0] for p in PEOPLE.values()] + ["UBOT", "UNOBODY1"]
USERS = st.sampled_from(USER_IDS)
TEAMS = st.sampled_from([TEAM, "T0OTHER", "E0GRID"])
CHANNELS = st.sampled_from([*(dm(u) for u in USER_IDS), DSL_CHANNEL, PUBLIC_CHANNEL, "C0UNKNOWN"])
TS = st.sampled_from(["1700000001.000100", "1700000002.000200", "1.2"]) | st.text(max_size=12)
EVENT_IDS = st.uuids().map(lambda u: f"Ev{u.hex[:12].upper()}")
CHOICES = st.sampled_from(["raise", "yes", "no", "cancel", "back", "go:raise_concern", "go:who", "go:dsl_open",
                           "dsl:view:1", "dsl:ack:1", "dsl:note:1", "dsl:close:1", "dsl:view:x", "dsl:"])


def obj(**fields: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
    """An object whose fields are each there or not."""
    return st.fixed_dictionaries({}, optional=fields)


def event() -> st.SearchStrategy[Any]:
    """The `event` of an event callback: messages, mentions, the App Home and others."""
    kinds = st.sampled_from(["message", "app_mention", "app_home_opened", "reaction_added", "member_joined_channel"])
    subtypes = st.sampled_from(["file_share", "message_changed", "bot_message", "thread_broadcast", "me_message"])
    file = obj(id=maybe(st.just("F0FILE")), name=words(8), mimetype=maybe(st.just("image/png")),
               url_private=st.just("https://files.slack.invalid/x.png"))
    return maybe(st.fixed_dictionaries({"type": maybe(kinds)}, optional={
        "channel_type": maybe(st.sampled_from(["im", "channel", "group", "mpim"])), "user": maybe(USERS),
        "channel": maybe(CHANNELS), "text": maybe(words()), "ts": maybe(TS), "event_ts": maybe(TS),
        "subtype": maybe(subtypes), "bot_id": maybe(st.just("B0BOT")), "files": maybe(st.lists(file, max_size=2)),
        "tab": maybe(st.sampled_from(["home", "messages"])), "thread_ts": maybe(TS), "team": maybe(TEAMS),
        "blocks": JUNK, "message": maybe(obj(text=maybe(words()), user=maybe(USERS))),
        "item": maybe(obj(channel=maybe(CHANNELS), ts=maybe(TS)))}))


def envelope() -> st.SearchStrategy[dict[str, Any]]:
    """An event_callback envelope around an event."""
    authorization = obj(team_id=maybe(TEAMS), user_id=maybe(USERS), enterprise_id=maybe(TEAMS), is_bot=JUNK)
    return st.fixed_dictionaries({"type": maybe(st.just("event_callback"))}, optional={
        "token": maybe(st.just("legacy")), "team_id": maybe(TEAMS), "api_app_id": maybe(st.just("A0PREVENT")),
        "event_id": maybe(EVENT_IDS), "event_time": maybe(st.integers()), "event": event(),
        "authorizations": maybe(st.lists(authorization, max_size=2)), "team": maybe(TEAMS),
        "enterprise_id": maybe(TEAMS), "is_ext_shared_channel": JUNK, "event_context": JUNK})


def url_verification() -> st.SearchStrategy[dict[str, Any]]:
    """Slack's one-off check of the request URL."""
    return st.fixed_dictionaries({"type": st.just("url_verification")},
                                 optional={"token": maybe(st.just("legacy")), "challenge": maybe(words())})


def as_json(value: st.SearchStrategy[Any]) -> st.SearchStrategy[Body]:
    """A JSON body, sent as application/json."""
    return st.builds(lambda v, ascii_: (json.dumps(v, ensure_ascii=ascii_).encode(), JSON), value, st.booleans())


def event_bodies() -> st.SearchStrategy[Body]:
    """Anything Slack's Events API could be sent, and anything at all."""
    raw = st.tuples(st.binary(max_size=64), st.sampled_from([JSON, FORM, "text/plain", ""]))
    return st.one_of(as_json(envelope()), as_json(envelope()), as_json(url_verification()), as_json(JUNK), raw)


def people() -> dict[str, st.SearchStrategy[Any]]:
    """The user, team and channel objects every interaction carries."""
    return {"user": maybe(obj(id=maybe(USERS), team_id=maybe(TEAMS), name=words(8), username=words(8))),
            "team": maybe(obj(id=maybe(TEAMS), domain=words(8))),
            "channel": maybe(obj(id=maybe(CHANNELS), name=words(8))),
            "trigger_id": maybe(st.just("trigger-1")), "api_app_id": maybe(st.just("A0PREVENT")),
            "enterprise": JUNK, "is_enterprise_install": JUNK}


def typed() -> st.SearchStrategy[Any]:
    """The state of inputs in a view or message: what someone typed."""
    field = obj(type=maybe(st.just("plain_text_input")), value=maybe(words()),
                selected_option=maybe(obj(value=maybe(words()))))
    return maybe(obj(values=maybe(st.dictionaries(st.text(max_size=4), st.dictionaries(st.text(max_size=4), field,
                                                                                        max_size=2), max_size=2))))


def button_value() -> st.SearchStrategy[Any]:
    """A button's value: the choice and prompt token the bot put there, or anything."""
    choice = obj(c=maybe(CHOICES | words()), t=maybe(st.text(max_size=12)))
    return maybe(st.builds(json.dumps, choice) | words())


def block_actions() -> st.SearchStrategy[dict[str, Any]]:
    """A button press (or any other block action)."""
    action = st.fixed_dictionaries({"action_id": maybe(st.sampled_from(["prevent:0", "prevent:3", "other"]))},
                                   optional={"block_id": maybe(st.sampled_from(["choices-0", "home-raise-0"])),
                                             "type": maybe(st.sampled_from(["button", "static_select"])),
                                             "value": button_value(), "action_ts": maybe(TS),
                                             "selected_option": maybe(obj(value=maybe(words())))})
    container = obj(type=maybe(st.sampled_from(["message", "view"])), channel_id=maybe(CHANNELS),
                    message_ts=maybe(TS))
    return st.fixed_dictionaries({"type": st.just("block_actions"), "actions": maybe(st.lists(action, max_size=2))},
                                 optional={**people(), "container": maybe(container), "state": typed(),
                                           "message": maybe(obj(text=maybe(words()), ts=maybe(TS))),
                                           "view": maybe(obj(id=maybe(st.just("V1")), state=typed()))})


def view_payloads() -> st.SearchStrategy[dict[str, Any]]:
    """A modal submitted or closed (the bot opens read-only ones only)."""
    view = st.fixed_dictionaries({"callback_id": maybe(st.sampled_from(["", "details", "other"]))},
                                 optional={"id": maybe(st.just("V1")), "type": maybe(st.just("modal")),
                                           "state": typed(), "private_metadata": maybe(words()),
                                           "team_id": maybe(TEAMS)})
    return st.fixed_dictionaries({"type": st.sampled_from(["view_submission", "view_closed"]), "view": maybe(view)},
                                 optional=people())


def shortcuts() -> st.SearchStrategy[dict[str, Any]]:
    """The global shortcut and the message shortcut (whose payload carries the message's text)."""
    callback = maybe(st.sampled_from(["raise_concern", "raise_concern_about_message", "other"]))
    message = maybe(obj(text=maybe(words()), ts=maybe(TS), user=maybe(USERS)))
    return st.fixed_dictionaries({"type": st.sampled_from(["shortcut", "message_action"]), "callback_id": callback},
                                 optional={**people(), "message": message, "message_ts": maybe(TS)})


def older_kinds() -> st.SearchStrategy[dict[str, Any]]:
    """Kinds the bot never asks for but Slack defines: suggestions, legacy dialogs and attachment buttons."""
    kinds = st.sampled_from(["block_suggestion", "dialog_suggestion", "dialog_submission", "dialog_cancellation",
                             "interactive_message", "workflow_step_edit"])
    return st.fixed_dictionaries({"type": kinds}, optional={
        **people(), "action_id": maybe(st.just("prevent:0")), "block_id": maybe(st.just("b")),
        "value": maybe(words()), "callback_id": maybe(st.just("raise_concern")),
        "submission": maybe(st.dictionaries(st.text(max_size=4), words(), max_size=2)),
        "actions": maybe(st.lists(obj(name=words(8), value=maybe(words()), type=st.just("button")), max_size=2))})


def as_form(payload: st.SearchStrategy[Any]) -> st.SearchStrategy[Body]:
    """An interaction body: payload=<JSON>, form-encoded (sometimes with other fields beside it)."""
    extra = st.dictionaries(st.sampled_from(["token", "x"]), st.text(max_size=8), max_size=1)
    return st.builds(lambda p, e: (urlencode({**e, "payload": json.dumps(p)}).encode(), FORM), payload, extra)


def interaction_bodies() -> st.SearchStrategy[Body]:
    """Anything Slack's interactivity could send, and payloads that are not JSON objects."""
    broken = st.builds(lambda t: (urlencode({"payload": t}).encode(), FORM), st.text(max_size=20) | words())
    return st.one_of(as_form(block_actions()), as_form(block_actions()), as_form(view_payloads()),
                     as_form(shortcuts()), as_form(older_kinds()), as_form(JUNK), broken)


def command_bodies() -> st.SearchStrategy[Body]:
    """Slash commands: all strings, any of them missing."""
    fields = obj(command=st.sampled_from(["/concern", "/other", ""]) | st.text(max_size=8), text=words(),
                 user_id=USERS | st.text(max_size=8), team_id=TEAMS | st.text(max_size=8),
                 channel_id=CHANNELS | st.text(max_size=8), trigger_id=st.just("trigger-cmd"),
                 user_name=words(8), enterprise_id=TEAMS | st.text(max_size=4))
    return st.builds(lambda f: (urlencode(f).encode(), FORM), fields)


@pytest.fixture
async def edge(tmp_path: Path, clock: FrozenClock, fake: FakeSlack) -> AsyncIterator[Harness]:
    """One server with Slack on, on SQLite, for every example of a test function."""
    async for harness in start(tmp_path, clock, fake):
        yield harness


async def answers_well(slack: Harness, caplog: pytest.LogCaptureFixture, body: Body) -> None:
    """Posts one correctly signed body and checks the properties every answer must have."""
    caplog.set_level(logging.INFO)
    caplog.clear()
    before, rows = len(slack.fake.calls), await stored(slack)
    status = await slack.post(*body)
    assert acceptable(status), f"answered {status}"
    assert problems(caplog) == []
    if status >= 400:
        assert acted(slack, before) == [], "a refused request reaches Slack's Web API"
        assert await stored(slack) == rows, "a refused request wrote something"


@EDGE
@given(body=event_bodies())
async def test_any_signed_events_body_gets_2xx_or_4xx_and_logs_no_words(
        edge: Harness, caplog: pytest.LogCaptureFixture, body: Body) -> None:
    await answers_well(edge, caplog, body)


def form(payload: dict[str, Any]) -> Body:
    """An interaction body for an explicit example."""
    return urlencode({"payload": json.dumps(payload)}).encode(), FORM


@EDGE
@given(body=interaction_bodies())
@example(body=form({"type": "view_submission", "view": {"callback_id": ""}}))  # Bolt read view.type: a 500
@example(body=form({"type": "workflow_step_edit", "callback_id": "x"}))  # Bolt read workflow_step: a 500
@example(body=form({"type": "interactive_message", "callback_id": "x"}))  # Bolt read actions[0]: a 500
@example(body=form({"type": "block_suggestion", "action_id": "prevent:0", "value": MARKER}))  # value logged
@example(body=form({"type": "dialog_submission", "callback_id": "x", "submission": {"a": MARKER}}))  # logged
async def test_any_signed_interaction_gets_2xx_or_4xx_and_logs_no_words(
        edge: Harness, caplog: pytest.LogCaptureFixture, body: Body) -> None:
    await answers_well(edge, caplog, body)


@EDGE
@given(body=command_bodies())
async def test_any_signed_command_gets_2xx_or_4xx_and_logs_no_words(
        edge: Harness, caplog: pytest.LogCaptureFixture, body: Body) -> None:
    await answers_well(edge, caplog, body)
