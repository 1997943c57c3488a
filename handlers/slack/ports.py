"""What the Slack handler needs from the application, declared as Protocols that bot/ implements."""

from __future__ import annotations

from contextlib import AbstractContextManager
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

    def arrival(self) -> AbstractContextManager[None]:
        """Counts a request from its arrival to its answer (the turns give way to a burst of them)."""
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


@dataclass(frozen=True, slots=True)
class Recipient:
    """A member of staff the bot may message: their staff id, school email and Slack id ("" if not known yet)."""

    staff_id: int
    email: str
    slack_id: str = ""


class SlackPeople(Protocol):
    """The staff the bot posts to and mentions, from the school's records."""

    async def recipient(self, staff_id: int) -> Recipient | None:
        """Returns a member of staff by id (None if there is no such person)."""
        ...

    async def dsl_team(self) -> list[Recipient]:
        """Returns the DSL team (only people the school file names)."""
        ...

    async def link(self, staff_id: int, user_id: str) -> None:
        """Remembers a member of staff's Slack user id, once found by their email."""
        ...

    def is_dsl(self, email: str) -> bool:
        """True only for people named in the school file's DSL team."""
        ...


class DirectChannels(Protocol):
    """The direct-message channel with each Slack user, remembered once opened."""

    async def dm_channel(self, user_id: str) -> str:
        """Returns the remembered channel ("" if none yet)."""
        ...

    async def remember_dm(self, user_id: str, channel: str) -> None:
        """Remembers the channel (it does not change)."""
        ...

    async def forget_dm(self, user_id: str) -> None:
        """Forgets a channel Slack no longer accepts."""
        ...
