"""Malformed requests: the signature is checked first (401), a body that cannot be read gets 400, never a 500."""

from __future__ import annotations

import json
import logging
from typing import Any
from urllib.parse import urlencode

import pytest

from tests.handlers.slack.fake_slack import TEAM, dm
from tests.handlers.slack.harness import PEOPLE, PUBLIC_CHANNEL, Harness, acted, sign, stored

TEACHER, TEACHER_DM = PEOPLE["teacher"][0], dm(PEOPLE["teacher"][0])
JSON, FORM = "application/json", "application/x-www-form-urlencoded"
MALFORMED = [
    (b'{"type": ', JSON),
    (b"[1]", JSON),
    (b"payload=%7B", FORM),
    (b"payload=%5B1%5D", FORM),  # payload=[1]
    (b"payload=null", FORM),
    (b"\xff\xfe{}", JSON),  # not UTF-8
    (b'"just a string"', JSON),
    (b'{"type": "event_callback", "event_id": "Ev0BAD", "event": "message"}', JSON),
    (b'{"type": "event_callback", "event_id": "Ev0BAD", "event": {"type": 5}}', JSON),
    (b'{"type": "event_callback", "event_id": "Ev0BAD", "event": {"text": "no type"}}', JSON),
    (b'{"type": "event_callback", "event_id": 5, "event": {"type": "message"}}', JSON),
    (b'{"type": "event_callback", "event": {"type": "message", "subtype": ["x"], "channel_type": "im"}}', JSON),
    (b'{"type": "event_callback", "event": {"type": "message", "channel_type": ["im"]}}', JSON),
    (b'payload=%7B%22type%22%3A5%7D', FORM),  # {"type": 5}
    (b"command=%2Fconcern&text=payload&user_id=UTEACHER&team_id=T0SCHOOL", FORM),  # Bolt would read it as {}
    *[(urlencode({"payload": json.dumps(p)}).encode(), FORM) for p in [
        {"type": "block_actions", "actions": "x"},
        {"type": "block_actions", "actions": [5]},
        {"type": "block_actions", "actions": []},
        {"type": "block_actions", "actions": [{"action_id": 5, "block_id": "b"}]},
        {"type": "shortcut", "callback_id": 5},
        {"type": "view_submission", "view": "x"},
        {"type": "view_closed", "view": {"callback_id": None}},
        {"type": "block_suggestion", "action_id": 5},
    ]],
]
UNADDRESSED = [  # readable, but Bolt cannot read their ids: acknowledged (so Slack does not resend them) and dropped
    b'{"type": "event_callback", "team_id": "T0SCHOOL", "authorizations": 5, "event": {"type": "message"}}',
    b'{"type": "event_callback", "team_id": "T0SCHOOL", "authorizations": [5], "event": {"type": "message"}}',
    b'{"type": "event_callback", "team": 5, "event": {"type": "message"}}',
    b'{"type": "event_callback", "enterprise": 5, "event": {"type": "message"}}',
    b'{"type": "event_callback", "team_id": "T0SCHOOL", "event": {"type": "app_mention", "channel": 5}}',
    b'{"type": "event_callback", "team_id": "T0SCHOOL", "event": {"type": "message", "user": [1]}}',
]


def no_errors(caplog: pytest.LogCaptureFixture) -> list[str]:
    """Every ERROR record, and every record carrying a traceback."""
    return [f"{r.name}: {r.getMessage()}" for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]


@pytest.mark.parametrize(("body", "content_type"), MALFORMED)
@pytest.mark.parametrize("signed", [True, False], ids=["signed", "badly-signed"])
async def test_a_malformed_body_gets_400_when_signed_401_when_not_and_never_a_traceback(
        slack: Harness, caplog: pytest.LogCaptureFixture, body: bytes, content_type: str, signed: bool) -> None:
    caplog.set_level(logging.DEBUG)
    before, rows = len(slack.fake.calls), await stored(slack)
    headers = sign(body) if signed else sign(body, secret="not-the-secret")
    assert await slack.post(body, content_type, headers) == (400 if signed else 401)
    assert slack.since(before) == [], "nothing reaches Slack's Web API"
    assert await stored(slack) == rows, "nothing is written"
    assert no_errors(caplog) == []


@pytest.mark.parametrize("body", UNADDRESSED)
async def test_a_payload_whose_ids_bolt_cannot_read_is_acknowledged_and_dropped(
        slack: Harness, caplog: pytest.LogCaptureFixture, body: bytes) -> None:
    before, rows = len(slack.fake.calls), await stored(slack)
    assert await slack.post(body, JSON) == 200
    assert await slack.post(body, JSON, sign(body, secret="not-the-secret")) == 401
    assert slack.since(before) == []
    assert await stored(slack) == rows
    assert no_errors(caplog) == []


@pytest.mark.parametrize("headers", [{"X-Slack-Request-Timestamp": "soon", "X-Slack-Signature": "v0=abc"},
                                     {"X-Slack-Request-Timestamp": "1", "X-Slack-Signature": "v0=é"},
                                     {"X-Slack-Request-Timestamp": "9" * 40, "X-Slack-Signature": "v0=1"}],
                         ids=["timestamp-not-a-number", "signature-not-ascii", "timestamp-huge"])
async def test_garbled_signature_headers_get_401_not_500(
        slack: Harness, caplog: pytest.LogCaptureFixture, headers: dict[str, str]) -> None:
    body = b'{"type": "url_verification", "challenge": "c"}'
    assert await slack.post(body, JSON, headers) == 401
    assert no_errors(caplog) == []


async def test_a_well_formed_signed_request_still_reaches_bolt(slack: Harness) -> None:
    body = json.dumps({"type": "url_verification", "token": "t", "challenge": "abc123"}).encode()
    async with slack.http.post(f"{slack.url}/slack/events", data=body,
                               headers={"Content-Type": JSON, **sign(body)}) as response:
        assert response.status == 200 and "abc123" in await response.text()


def _message(**fields: Any) -> dict[str, Any]:
    event: dict[str, Any] = {"type": "message", "channel_type": "im", "channel": TEACHER_DM, "user": TEACHER,
                             "text": "hello", "ts": "1700000001.000001"}
    event.update(fields)
    return {k: v for k, v in event.items() if v is not ...}


BAD_EVENTS = {
    "user-null": _message(user=None),
    "user-number": _message(user=5),
    "user-object": _message(user={"id": TEACHER}),
    "user-empty": _message(user=""),
    "user-not-an-id": _message(user="None"),
    "user-missing": _message(user=...),
    "channel-missing": _message(channel=...),
    "channel-null": _message(channel=None),
    "channel-number": _message(channel=12),
    "text-object": _message(text={"a": 1}),
    "files-number": _message(files=5),
    "mention-user-null": {"type": "app_mention", "channel": PUBLIC_CHANNEL, "user": None, "text": "<@UBOT> hi",
                          "ts": "1700000001.000002"},
    "mention-channel-missing": {"type": "app_mention", "user": TEACHER, "text": "<@UBOT> hi",
                                "ts": "1700000001.000003"},
    "home-user-null": {"type": "app_home_opened", "user": None, "channel": TEACHER_DM, "tab": "home"},
    "home-user-number": {"type": "app_home_opened", "user": 7, "channel": TEACHER_DM, "tab": "home"},
}


@pytest.mark.parametrize("name", list(BAD_EVENTS))
async def test_an_event_without_a_valid_user_or_channel_is_acknowledged_and_dropped(
        slack: Harness, caplog: pytest.LogCaptureFixture, name: str) -> None:
    before, rows = len(slack.fake.calls), await stored(slack)
    assert await slack.event(BAD_EVENTS[name]) == 200
    assert acted(slack, before) == [], "no users.info, no DM, no call at all"
    assert await stored(slack) == rows, "nothing stored"
    assert no_errors(caplog) == []


def _button(user: Any = ..., channel: Any = ...) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "type": "block_actions", "api_app_id": "A0PREVENT", "trigger_id": "trigger-x",
        "user": {"id": TEACHER, "team_id": TEAM} if user is ... else user,
        "channel": {"id": TEACHER_DM} if channel is ... else channel,
        "actions": [{"type": "button", "action_id": "prevent:0", "block_id": "b",
                     "value": json.dumps({"c": "raise", "t": ""}), "action_ts": "1"}]}
    return payload


BAD_INTERACTIONS = {
    "button-user-null": _button(user=None),
    "button-user-string": _button(user=TEACHER),
    "button-user-id-null": _button(user={"id": None, "team_id": TEAM}),
    "button-channel-string": _button(channel=TEACHER_DM),
    "button-channel-id-number": _button(channel={"id": 5}),
    "shortcut-user-null": {"type": "shortcut", "callback_id": "raise_concern", "trigger_id": "t", "user": None},
    "shortcut-user-id-number": {"type": "shortcut", "callback_id": "raise_concern", "trigger_id": "t",
                                "user": {"id": 5}},
    "message-shortcut-user-missing": {"type": "message_action", "callback_id": "raise_concern_about_message",
                                      "trigger_id": "t", "channel": {"id": PUBLIC_CHANNEL},
                                      "message": {"ts": "1699999999.000100"}},
    "message-shortcut-channel-bad": {"type": "message_action", "callback_id": "raise_concern_about_message",
                                     "trigger_id": "t", "user": {"id": TEACHER, "team_id": TEAM},
                                     "channel": {"id": ["C1"]}, "message": {"ts": "1699999999.000100"}},
}


@pytest.mark.parametrize("name", list(BAD_INTERACTIONS))
async def test_an_interaction_without_a_valid_user_or_channel_is_acknowledged_and_dropped(
        slack: Harness, caplog: pytest.LogCaptureFixture, name: str) -> None:
    before, rows = len(slack.fake.calls), await stored(slack)
    assert await slack.interact(BAD_INTERACTIONS[name]) == 200
    assert acted(slack, before) == []
    assert await stored(slack) == rows
    assert no_errors(caplog) == []


@pytest.mark.parametrize("user", ["", "None", "u-lower"])
async def test_a_command_without_a_valid_user_is_acknowledged_and_dropped(
        slack: Harness, caplog: pytest.LogCaptureFixture, user: str) -> None:
    fields = {"command": "/concern", "text": "", "team_id": TEAM, "channel_id": PUBLIC_CHANNEL,
              "trigger_id": "trigger-cmd", "response_url": "https://x.invalid"}
    body = urlencode({**fields, "user_id": user} if user else fields).encode()
    before, rows = len(slack.fake.calls), await stored(slack)
    assert await slack.post(body, FORM) == 200
    assert acted(slack, before) == []
    assert await stored(slack) == rows
    assert no_errors(caplog) == []
