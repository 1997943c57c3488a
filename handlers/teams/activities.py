"""Checks an activity's JSON before the Bot Framework SDK reads it: what it cannot read is refused (400)."""

from __future__ import annotations

import re
from typing import Any

MAX_TEXT = 100_000
LISTS = ("entities", "attachments", "membersAdded", "membersRemoved", "reactionsAdded", "reactionsRemoved")
# Teams ids ("29:1Xa…", "19:…@thread.tacv2;messageid=…", "a:1p…", an Emulator's "…|livechat") and connector
# URLs are visible ASCII; the SDK puts them in URL paths, so a space or control character is refused here.
ID = re.compile(r"[\x21-\x7e]{1,1000}", re.ASCII)


def _is_text(value: object, limit: int = 1_000) -> bool:
    return isinstance(value, str) and 0 < len(value) <= limit


def _is_id(value: object, limit: int = 1_000) -> bool:
    return isinstance(value, str) and len(value) <= limit and bool(ID.fullmatch(value))


def _has_id(value: object) -> bool:
    return isinstance(value, dict) and _is_id(value.get("id"))


def activity_problem(body: Any) -> str:
    """Returns why a request body is not a usable activity ("" when it is)."""
    if not isinstance(body, dict):
        return "not a JSON object"
    return (_addressing_problem(body) or _content_problem(body) or _lists_problem(body)
            or _channel_data_problem(body.get("channelData")))


def _addressing_problem(body: dict[str, Any]) -> str:
    """Returns what is missing of the type, connector, conversation, sender, recipient and channel."""
    if not _is_text(body.get("type"), 50):
        return "no type"
    service = body.get("serviceUrl")
    if not _is_id(service) or not str(service).startswith(("https://", "http://")):
        return "no serviceUrl"
    for key, problem in (("conversation", "no conversation id"), ("from", "no sender"), ("recipient", "no recipient")):
        if not _has_id(body.get(key)):
            return problem
    tenant = body["conversation"].get("tenantId")
    if tenant is not None and not _is_id(tenant):
        return "bad tenantId"
    if not _is_id(body.get("channelId"), 50):
        return "no channelId"
    if body.get("id") is not None and not _is_id(body.get("id"), 300):
        return "bad id"
    return ""


def _content_problem(body: dict[str, Any]) -> str:
    """Returns what is wrong with the text or a card's submitted value."""
    text = body.get("text")
    if text is not None and not isinstance(text, str):
        return "text is not a string"
    if isinstance(text, str) and len(text) > MAX_TEXT:
        return "text too long"
    if body.get("value") is not None and not isinstance(body["value"], dict | str):
        return "value is not an object"
    return ""


def _lists_problem(body: dict[str, Any]) -> str:
    """Returns the first list (entities, attachments, members…) that is not a list of objects."""
    for key in LISTS:
        items = body.get(key)
        if items is not None and not (isinstance(items, list) and all(isinstance(i, dict) for i in items)):
            return f"{key} is not a list of objects"
    return ""


def _channel_data_problem(data: object) -> str:
    """Returns why channelData is unusable ("" when absent or usable): the SDK reads its team's id."""
    if data is None:
        return ""
    if not isinstance(data, dict):
        return "channelData is not an object"
    for key in ("team", "tenant"):
        if data.get(key) is not None and not _has_id(data[key]):
            return f"channelData.{key} has no id"
    return ""
