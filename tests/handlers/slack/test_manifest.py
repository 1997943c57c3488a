"""The Slack app manifest: least-privilege scopes, events, interactivity, /concern, both shortcuts, App Home."""

from __future__ import annotations

import re

import pytest
from typer.testing import CliRunner

from bot.cli import cli
from bot.cli_slack import MANIFEST, ManifestError, manifest_for
from handlers.slack.listeners import COMMAND, GLOBAL_SHORTCUT, MESSAGE_SHORTCUT

SCOPES = ["app_mentions:read", "chat:write", "commands", "groups:read", "im:history", "im:write", "users:read",
          "users:read.email"]


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
    assert "channels:history" not in text and "groups:history" not in text, "the bot never reads channels"
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
