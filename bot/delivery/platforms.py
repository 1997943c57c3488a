"""What a chat platform (Slack, Teams) plugs into the server: routes, delivery, readiness."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from aiohttp import web

from bot.services.concerns import ConcernService
from bot.services.directory import SchoolDirectory
from bot.services.parts import SchoolParts
from bot.settings import Settings
from dialogs.engine import Engine
from dialogs.messages import Reply
from storage.clock import Clock
from storage.outbox import Destination, OutboxKind


class DeliveryError(Exception):
    """A send that failed; `retry_after` (seconds) when the platform said how long to wait; `rate_limited` on a 429."""

    def __init__(self, message: str, retry_after: float | None = None, rate_limited: bool = False) -> None:
        super().__init__(message)
        self.retry_after, self.rate_limited = retry_after, rate_limited


@dataclass(frozen=True, slots=True)
class OutboundMessage:
    """One outbox row, ready for a platform to send: what to send is worked out already.

    `replies` are what to post: for a message that shows a concern's alert (kind.shows_alert) and for
    an update of it, the alert drawn from the concern as it stands now; otherwise the row's replies.
    `thread` is an update's progress line (posted under the alert). `alert_message_id` is the platform
    id recorded when the concern's channel alert was delivered ("" if none), so an update can edit the
    alert in place and thread under it; `reference` is the concern's reference ("" when none).
    `unconfirmed_since` is when an earlier send of this row began that may have reached the platform
    (the process died, or the send failed, before the result was recorded): None when there was none.
    """

    outbox_id: int
    school_id: int
    kind: OutboxKind
    destination: Destination
    replies: tuple[Reply, ...]
    concern_id: int | None
    alert_message_id: str = ""
    thread: Reply | None = None
    reference: str = ""
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


class Alerts(Protocol):
    """Draws a concern's DSL alert as it stands when it is sent (bot.services.concerns.ConcernService)."""

    async def alert(self, concern_id: int) -> Reply | None:
        """Returns the alert (None if there is no such concern)."""
        ...


class Hosting(SchoolParts, Protocol):
    """What a platform's wiring takes from the application (bot.app.App is one)."""

    @property
    def settings(self) -> Settings: ...
    @property
    def directory(self) -> SchoolDirectory: ...
    @property
    def concerns(self) -> ConcernService: ...
    @property
    def engine(self) -> Engine: ...
    @property
    def clock(self) -> Clock: ...


def replies_of(payload: dict[str, object]) -> list[Reply]:
    """Returns the replies in a neutral outbox payload ("replies", else "reply")."""
    many = payload.get("replies")
    if isinstance(many, list) and many:
        return [Reply.from_json(r) for r in many if isinstance(r, dict)]
    one = payload.get("reply")
    return [Reply.from_json(one)] if isinstance(one, dict) else []
