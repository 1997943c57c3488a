"""What a chat platform (Slack, Teams) plugs into the server: routes, delivery, readiness."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from aiohttp import web

from dialogs.messages import Reply

if TYPE_CHECKING:
    from bot.app import App


class DeliveryError(Exception):
    """A send that failed; `retry_after` (seconds) when the platform said how long to wait; `rate_limited` on a 429."""

    def __init__(self, message: str, retry_after: float | None = None, rate_limited: bool = False) -> None:
        super().__init__(message)
        self.retry_after, self.rate_limited = retry_after, rate_limited


@dataclass(frozen=True, slots=True)
class OutboundMessage:
    """One outbox row, ready for a platform to send.

    `destination` is "dsl" (the DSL channel) or "staff:<id>" (that person's direct messages).
    `payload` is neutral: {"reply": Reply JSON} or, for kind "dsl_update",
    {"alert": Reply JSON of the alert as it now stands, "thread": Reply JSON of the progress line}.
    `alert_message_id` is the platform id recorded when the concern's alert was delivered
    ("" if none), so an update can edit the alert in place and thread under it.
    `unconfirmed_since` is when an earlier send of this row began that may have reached the platform
    (the process died, or the send failed, before the result was recorded): None when there was none.
    """

    outbox_id: int
    school_id: int
    kind: str
    destination: str
    payload: dict[str, object]
    concern_id: int | None
    alert_message_id: str = ""
    unconfirmed_since: datetime | None = None


class Platform(Protocol):
    """A chat platform the server hosts."""

    name: str

    def add_routes(self, web_app: web.Application) -> None:
        """Adds this platform's HTTP endpoints."""
        ...

    async def deliver(self, message: OutboundMessage) -> str:
        """Sends one outbox message; returns the platform's id for it; raises DeliveryError."""
        ...

    async def readiness(self) -> list[str]:
        """Returns what is wrong (empty when ready), each with what to fix."""
        ...

    async def start(self) -> None:
        """Starts background work (Socket Mode, token checks)."""
        ...

    async def stop(self) -> None:
        """Stops background work."""
        ...


def replies_of(payload: dict[str, object]) -> list[Reply]:
    """Returns the replies in a neutral outbox payload ("replies", else "reply")."""
    many = payload.get("replies")
    if isinstance(many, list) and many:
        return [Reply.from_json(r) for r in many if isinstance(r, dict)]
    one = payload.get("reply")
    return [Reply.from_json(one)] if isinstance(one, dict) else []


def configured_platforms(app: App) -> list[Platform]:
    """Returns the platforms whose settings are present."""
    from bot.slack_platform import slack_platform
    from bot.teams_platform import teams_platform

    found = [slack_platform(app), teams_platform(app)]
    return [p for p in found if p is not None]
