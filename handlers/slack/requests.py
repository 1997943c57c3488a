"""Checks a request to /slack/events before Bolt reads it: the signature first, then a body Bolt can parse."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl

from slack_sdk.signature import SignatureVerifier

from handlers.slack.blocks import ACTION_PREFIX

EVENTS = ("message", "app_mention", "app_home_opened")  # the events the listeners take (listeners.py)
COMMAND = "/concern"
SHORTCUTS = {"shortcut": "raise_concern", "message_action": "raise_concern_about_message"}  # kind: callback id
STALE_SECONDS = 5 * 60  # Slack's own limit: an older timestamp may be a replayed request
TIMESTAMP = re.compile(r"[0-9]{1,12}", re.ASCII)
SIGNATURE = re.compile(r"v0=[0-9a-f]{64}", re.ASCII)


class Unreadable(ValueError):
    """A signed body that is not a Slack payload (answered 400); the message says why, never the body itself."""


class Unaddressed(ValueError):
    """A Slack payload whose team, user or channel ids are not ids: acknowledged and dropped, never resent."""


class Unheard(ValueError):
    """A Slack payload no listener takes: acknowledged and dropped before Bolt (whose warning quotes parts of it)."""


class Signatures:
    """Checks Slack's v0 signature over the raw bytes (HMAC-SHA256 of version:timestamp:body), as Bolt would."""

    def __init__(self, secret: str) -> None:
        self._secret = secret.encode()
        self._verifier = SignatureVerifier(secret)  # its clock (the same Bolt uses) judges a stale timestamp

    def valid(self, body: bytes, headers: Mapping[str, str]) -> bool:
        """True when the request carries a fresh, correct signature; garbled headers are simply not valid."""
        stamp = headers.get("X-Slack-Request-Timestamp", "")
        signature = headers.get("X-Slack-Signature", "")
        if not TIMESTAMP.fullmatch(stamp) or not SIGNATURE.fullmatch(signature):
            return False
        if abs(self._verifier.clock.now() - int(stamp)) > STALE_SECONDS:
            return False
        digest = hmac.new(self._secret, b"v0:" + stamp.encode() + b":" + body, hashlib.sha256).hexdigest()
        return hmac.compare_digest(f"v0={digest}".encode(), signature.encode())


def read_body(raw: bytes, content_type: str) -> str:
    """Returns the body as text once it is known to parse, as Bolt parses it, into a payload Bolt can route."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Unreadable("the body is not UTF-8") from exc
    if content_type == "application/json" or text.startswith("{"):
        _check(text, "the JSON body")
        return text
    fields = dict(parse_qsl(text, keep_blank_values=True))
    if "payload" in text:  # as Bolt reads a form: the word anywhere sends it looking for a payload field
        if "payload" not in fields:  # so Bolt would read "/concern payload" as nothing; Slack shows the 400
            raise Unreadable("a form with the word payload but no payload field, which Bolt reads as empty")
        _check(fields["payload"], "the form's payload")
    elif fields.get("command") != COMMAND and fields.get("ssl_check") != "1":  # ssl_check: answered by Bolt
        raise Unheard("a form no listener takes")
    return text  # a slash command is all strings


def _check(text: str, what: str) -> None:
    """Checks JSON text: an object (else Unreadable) whose ids Bolt can read (else Unaddressed)."""
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise Unreadable(f"{what} is not JSON") from exc
    if not isinstance(data, dict):
        raise Unreadable(f"{what} is not a JSON object")
    if problem := routing_problem(data):
        raise Unreadable(f"{what} has {problem}")
    if problem := unheard(data):
        raise Unheard(f"{what} is {problem}")
    if problem := ids_problem(data):
        raise Unaddressed(f"{what} has {problem}")


Kinds = dict[str, tuple[type, ...]]
NONE = type(None)
TEXT, MAYBE_TEXT, ID_OR_OBJECT = (str,), (str, NONE), (dict, str, NONE)
# What Bolt reads to route a payload to a listener, and the ids it reads on the way (internals.extract_*).
ROUTING: Kinds = {"type": TEXT, "event": (dict,), "actions": (list,), "view": (dict,), "callback_id": TEXT,
                  "action_id": TEXT, "block_id": TEXT, "event_id": TEXT, "command": TEXT}
EVENT_ROUTING: Kinds = {"type": TEXT, "subtype": MAYBE_TEXT, "channel_type": MAYBE_TEXT, "bot_id": MAYBE_TEXT}
VIEW_ROUTING: Kinds = {"callback_id": TEXT, "id": MAYBE_TEXT, "type": MAYBE_TEXT}
ACTION_ROUTING: Kinds = {"action_id": TEXT, "block_id": TEXT, "type": MAYBE_TEXT}
IDS: Kinds = {"user": ID_OR_OBJECT, "team": ID_OR_OBJECT, "enterprise": ID_OR_OBJECT, "channel": ID_OR_OBJECT,
              "team_id": MAYBE_TEXT, "enterprise_id": MAYBE_TEXT, "user_id": MAYBE_TEXT, "channel_id": MAYBE_TEXT,
              "authorizations": (list, NONE)}
EVENT_IDS: Kinds = {"user": ID_OR_OBJECT, "team": ID_OR_OBJECT, "enterprise": ID_OR_OBJECT,
                    "channel": ID_OR_OBJECT, "item": (dict, NONE)}
VIEW_IDS: Kinds = {"team_id": MAYBE_TEXT, "app_installed_team_id": MAYBE_TEXT}


def routing_problem(data: dict[str, Any]) -> str:
    """Names what Bolt could not route by ("" when nothing): a field of the wrong kind, an event without a type."""
    if problem := _wrong(data, ROUTING, EVENT_ROUTING, VIEW_ROUTING):
        return problem
    if isinstance(data.get("event"), dict) and "type" not in data["event"]:
        return "an `event` without a `type`"
    actions = data.get("actions", [{}])
    if not actions or not all(isinstance(a, dict) and not _fields(a, ACTION_ROUTING, "actions[].") for a in actions):
        return "`actions` that are not a list of actions"
    return ""


def unheard(data: dict[str, Any]) -> str:
    """Names what no listener takes ("" when one does): Slack's own check, and the events, actions and shortcuts."""
    kind = data.get("type")
    if kind == "url_verification":
        return ""  # answered by Bolt itself
    if kind == "event_callback":
        event = data.get("event")
        return "" if isinstance(event, dict) and event.get("type") in EVENTS else "an event no listener takes"
    if kind == "block_actions":
        action_id = (data.get("actions") or [{}])[0].get("action_id")  # Bolt routes by the first action only
        ours = isinstance(action_id, str) and action_id.startswith(f"{ACTION_PREFIX}:")
        return "" if ours else "an action no listener takes"
    if kind in SHORTCUTS:
        return "" if data.get("callback_id") == SHORTCUTS[kind] else "a shortcut no listener takes"
    return "a kind of payload no listener takes"


def ids_problem(data: dict[str, Any]) -> str:
    """Names an id field Bolt would fail to read ("" when none)."""
    if problem := _wrong(data, IDS, EVENT_IDS, VIEW_IDS):
        return problem
    authorizations = data.get("authorizations") or [{}]
    if not isinstance(authorizations[0], dict) or _fields(authorizations[0], IDS, ""):
        return "`authorizations` that are not a list of objects with ids"
    return ""


def _wrong(data: dict[str, Any], top: Kinds, event: Kinds, view: Kinds) -> str:
    """Names the first field of the wrong kind in the payload, its event or its view ("" when none)."""
    parts = (("", data, top), ("event.", data.get("event"), event), ("view.", data.get("view"), view))
    for prefix, part, kinds in parts:
        if isinstance(part, dict) and (problem := _fields(part, kinds, prefix)):
            return problem
    return ""


def _fields(part: dict[str, Any], kinds: Kinds, prefix: str) -> str:
    """Names the first field present with a value of the wrong kind ("" when all are right)."""
    for key, allowed in kinds.items():
        if key in part and not isinstance(part[key], allowed):
            return f"a `{prefix}{key}` of the wrong kind"
    return ""
