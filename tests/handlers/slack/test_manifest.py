"""The Slack app manifest: least-privilege scopes, events, interactivity, /concern, both shortcuts, App Home."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from typer.testing import CliRunner

from bot.cli import cli
from bot.cli.slack import MANIFEST, ManifestError, manifest_for
from handlers.slack.listeners import GLOBAL_SHORTCUT, MESSAGE_SHORTCUT
from handlers.slack.requests import COMMAND

SCOPES = ["app_mentions:read", "chat:write", "commands", "groups:history", "groups:read", "im:history", "im:write",
          "users:read", "users:read.email"]


def _list_after(text: str, key: str) -> list[str]:
    """Returns the YAML list items directly under `key:` (comments dropped)."""
    lines = text.split(f"{key}:", 1)[1].splitlines()[1:]
    items = []
    for line in lines:
        match = re.match(r"^\s+- ([^#\s]+)", line)
        if not match:
            break
        items.append(match.group(1))
    return items


def test_manifest_has_least_privilege_scopes_and_the_events() -> None:
    text = MANIFEST.read_text(encoding="utf-8")
    assert _list_after(text, "    bot") == SCOPES
    # groups:history is only for looking up the bot's own unconfirmed posts after a crash: no public channel is
    # ever read, and no channel message is delivered to the bot (no message.channels or message.groups event)
    assert "channels:history" not in text and "mpim:history" not in text, "the bot never reads public channels"
    assert _list_after(text, "bot_events") == ["app_home_opened", "app_mention", "message.im"]
    assert f"callback_id: {GLOBAL_SHORTCUT}\n" in text and f"callback_id: {MESSAGE_SHORTCUT}\n" in text
    assert "type: global" in text and "type: message" in text
    assert f"command: {COMMAND}\n" in text and "home_tab_enabled: true" in text
    assert "is_enabled: true" in text and "display_name: prevent-duty-assistant" in text


def test_url_fills_every_request_url() -> None:
    text = manifest_for("https://bot.school.example/")
    assert "HOST" not in text
    assert text.count("https://bot.school.example/slack/events") == 3


@pytest.mark.parametrize("bad", ["http://bot.school.example", "bot.school.example", "https://x.example/?a=1"])
def test_a_url_that_slack_cannot_call_is_refused(bad: str) -> None:
    with pytest.raises(ManifestError):
        manifest_for(bad)


def test_socket_mode_manifest_has_no_urls() -> None:
    text = manifest_for("", socket_mode=True)
    assert "HOST" not in text and "request_url" not in text and "socket_mode_enabled: true" in text


def test_cli_prints_the_manifest() -> None:
    result = CliRunner().invoke(cli, ["manifest", "slack", "--url", "https://bot.school.example"])
    assert result.exit_code == 0
    assert "request_url: https://bot.school.example/slack/events" in result.output
    refused = CliRunner().invoke(cli, ["manifest", "slack", "--url", "http://insecure.example"])
    assert refused.exit_code == 2


# --- Slack's limits: every manifest the CLI prints validates, and the limits are checked one by one ---------

SCHEMA = Path(__file__).parent / "schemas" / "slack-app-manifest.v1.limits.json"
PRINTED = {"http": ["--url", "https://bot.school.example"],
           "http-with-a-path": ["--url", "https://www.school.example/prevent-bot/"],
           "socket-mode": ["--socket-mode"]}


def printed(args: list[str]) -> dict[str, Any]:
    """Runs `prevent-bot manifest slack ARGS` and reads the YAML it prints."""
    result = CliRunner().invoke(cli, ["manifest", "slack", *args])
    assert result.exit_code == 0, result.output
    manifest = yaml.safe_load(result.output)
    assert isinstance(manifest, dict)
    return manifest


def schema_errors(manifest: dict[str, Any]) -> list[str]:
    """Validates against the limits schema (draft-07) kept beside these tests."""
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return [f"{'/'.join(map(str, e.path))}: {e.message}" for e in cls(schema).iter_errors(manifest)]


def _length(label: str, text: str, low: int, high: int) -> list[str]:
    """Says when a text's length is outside low..high."""
    return [] if low <= len(text) <= high else [f"{label}: {len(text)} characters (Slack allows {low}-{high})"]


def limit_errors(manifest: dict[str, Any]) -> list[str]:
    """Checks, one by one, the limits Slack enforces when the manifest is pasted in."""
    shown, features = manifest["display_information"], manifest["features"]
    errors = _length("app name", shown["name"], 1, 35)
    errors += _length("short description", shown["description"], 1, 139)  # "under 140"
    errors += _length("long description", shown["long_description"], 175, 4000)  # the docs say 174, the schema 175
    bot_name = features["bot_user"]["display_name"]
    errors += [] if re.fullmatch(r"[a-z0-9._-]{1,80}", bot_name) else [f"bot display name {bot_name!r}"]
    for shortcut in features["shortcuts"]:
        errors += _length(f"shortcut name {shortcut['name']!r}", shortcut["name"], 1, 24)
        errors += _length(f"shortcut {shortcut['name']!r} description", shortcut["description"], 1, 150)
        errors += _length(f"callback_id {shortcut['callback_id']!r}", shortcut["callback_id"], 1, 255)
    for command in features["slash_commands"]:
        errors += _length(f"command {command['command']!r}", command["command"], 2, 32)
        errors += _length(f"command {command['command']!r} description", command["description"], 1, 2000)
    return errors


@pytest.mark.parametrize("variant", list(PRINTED))
def test_every_printed_manifest_is_within_slacks_limits(variant: str) -> None:
    manifest = printed(PRINTED[variant])
    assert schema_errors(manifest) == []
    assert limit_errors(manifest) == []
    shortcuts = {s["callback_id"]: s["name"] for s in manifest["features"]["shortcuts"]}
    assert shortcuts == {GLOBAL_SHORTCUT: "Raise a concern", MESSAGE_SHORTCUT: "Report this message"}
    assert [c["command"] for c in manifest["features"]["slash_commands"]] == [COMMAND]
    settings = manifest["settings"]
    assert settings["socket_mode_enabled"] is (variant == "socket-mode")
    urls = [settings["event_subscriptions"].get("request_url"), settings["interactivity"].get("request_url"),
            manifest["features"]["slash_commands"][0].get("url")]
    assert len(set(urls)) == 1 and (urls[0] is None) is (variant == "socket-mode")


def test_the_checks_refuse_what_slack_refuses() -> None:
    manifest = printed(PRINTED["http"])
    manifest["features"]["shortcuts"][0]["name"] = "Raise a safeguarding concern"  # 28: Slack refused it
    manifest["display_information"]["description"] = "x" * 141
    manifest["display_information"]["long_description"] = "x" * 174
    assert len(schema_errors(manifest)) == 3
    assert len(limit_errors(manifest)) == 3
    manifest["display_information"]["description"] = "x" * 140  # Slack's schema allows 140; its docs say under 140
    assert len(limit_errors(manifest)) == 3
