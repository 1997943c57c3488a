"""The platform registry: which chat platforms this deployment hosts, from its settings and school file."""

from __future__ import annotations

from bot.delivery.platforms import Hosting, Platform
from bot.delivery.slack import slack_platform
from bot.delivery.teams import teams_platform


def configured_platforms(app: Hosting) -> list[Platform]:
    """Returns the platforms whose settings are present."""
    found = [slack_platform(app), teams_platform(app)]
    return [p for p in found if p is not None]
