"""Wires handlers/slack into the server. (Owned by the Slack work; a stub until it lands.)"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.app import App
    from bot.platforms import Platform


def slack_platform(app: App) -> Platform | None:
    """Returns the Slack platform when SLACK_BOT_TOKEN is set, else None."""
    return None
