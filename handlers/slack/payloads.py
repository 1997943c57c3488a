"""Reads ids and text out of Slack payloads; a field of the wrong shape reads as missing, never as "None"."""

from __future__ import annotations

import re
from typing import Any

ID = re.compile(r"[A-Z0-9]{2,40}", re.ASCII)  # U…/W… users, T… teams, C…/G…/D… channels, E… organisations
TS = re.compile(r"[0-9]{1,12}\.[0-9]{1,12}", re.ASCII)


def slack_id(value: object) -> str:
    """Returns a Slack id, or "" for anything else (null, a number, an object, "None", lower case)."""
    return value if isinstance(value, str) and ID.fullmatch(value) else ""


def part(body: dict[str, Any], key: str) -> dict[str, Any]:
    """Returns a nested object of a payload, or {} when it is missing or not an object."""
    value = body.get(key)
    return value if isinstance(value, dict) else {}


def nested_id(body: dict[str, Any], key: str) -> str:
    """Returns the id of a nested object such as `user` or `channel` in an interaction ({"id": …})."""
    return slack_id(part(body, key).get("id"))


def team(body: dict[str, Any]) -> str:
    """Returns the workspace id of any Slack payload ("" when none is readable)."""
    found = body.get("team_id") or body.get("team") or part(body, "user").get("team_id")
    return slack_id(found.get("id") if isinstance(found, dict) else found)


def text(value: object) -> str | None:
    """Returns message text: "" when there is none, None when it is not text at all."""
    if value is None:
        return ""
    return value if isinstance(value, str) else None


def timestamp(value: object) -> str:
    """Returns a message timestamp such as 1700000000.000100, or ""."""
    return value if isinstance(value, str) and TS.fullmatch(value) else ""


def event_id(body: dict[str, Any]) -> str | None:
    """Returns the event id ("" when there is none), or None when it is present but not a string."""
    value = body.get("event_id")
    if value is None or value == "":
        return ""
    return value if isinstance(value, str) else None


def count(value: object) -> int | None:
    """Returns how many files came with a message (0 when none), None when `files` is not a list."""
    if value is None:
        return 0
    return len(value) if isinstance(value, list) else None
