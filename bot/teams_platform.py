"""Wires handlers/teams into the server. (Owned by the Teams work; a stub until it lands.)"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.app import App
    from bot.platforms import Platform


def teams_platform(app: App) -> Platform | None:
    """Returns the Teams platform when it is configured, else None."""
    return None
