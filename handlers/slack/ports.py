"""What the Slack handler needs from the application, declared as Protocols that bot/ implements."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from dialogs.messages import Reply, UserRef

ROUTE = "/slack/events"


@dataclass(frozen=True, slots=True)
class SlackOptions:
    """How this deployment reaches Slack; the secrets never appear in a repr."""

    bot_token: str = field(default="", repr=False)
    signing_secret: str = field(default="", repr=False)
    app_token: str = field(default="", repr=False)
    api_url: str = "https://slack.com/api/"

    @property
    def socket_mode(self) -> bool:
        """True when SLACK_APP_TOKEN is set: events come over a WebSocket, not HTTP."""
        return bool(self.app_token)


@dataclass(frozen=True, slots=True)
class HomeView:
    """What someone's App Home shows: who to talk to today and their own concerns."""

    contacts: Reply
    mine: tuple[tuple[str, str], ...]


class EventLedger(Protocol):
    """Remembers which Slack event ids were processed, so Slack's repeats are dropped."""

    async def claim(self, event_id: str) -> bool:
        """Records an event id; returns False if it was already processed."""
        ...

    async def release(self, event_id: str) -> None:
        """Forgets an event id after a failed turn, so Slack's retry is processed."""
        ...


class Inbox(Protocol):
    """Stores a direct message durably before Slack is answered; it is processed just after."""

    async def accept(self, event_id: str, conversation_key: str, payload: dict[str, str]) -> bool:
        """Stores the event; returns False if it was accepted before (Slack's repeat)."""
        ...


class ReplyQueue(Protocol):
    """Queues replies that could not be posted at once, so the outbox delivers them later."""

    async def queue(self, user_id: str, replies: list[Reply]) -> bool:
        """Queues replies for someone's direct messages; False if they are not known."""
        ...


class HomeSource(Protocol):
    """Builds the App Home for a person."""

    async def home(self, user: UserRef) -> HomeView:
        """Returns today's contacts and the person's own concerns (reference and status only)."""
        ...


