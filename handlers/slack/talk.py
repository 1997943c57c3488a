"""Runs conversations in direct messages: identity by email, the dialog engine, replies as Block Kit."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field

from dialogs.engine import Engine
from dialogs.messages import Inbound, Reply, UserRef
from dialogs.ports import Wording
from handlers.slack.api import SendFailed, SlackApi
from handlers.slack.blocks import modal, render
from handlers.slack.ports import ReplyQueue

log = logging.getLogger(__name__)
PLATFORM = "slack"
IDENTITY_SECONDS = 300.0
DSL_PREFIX = "dsl:"


@dataclass(slots=True)
class Identities:
    """Who a Slack user is, by the email Slack holds for them (users.info), cached a few minutes."""

    api: SlackApi
    _cache: dict[str, tuple[float, UserRef | None]] = field(default_factory=dict)

    async def ref(self, team: str, user_id: str) -> UserRef | None:
        """Returns the person behind a Slack user; None for bots, people from other organisations, no email."""
        key = f"{team}:{user_id}"
        cached = self._cache.get(key)
        if cached is not None and time.monotonic() - cached[0] < IDENTITY_SECONDS:
            return cached[1]
        user = await self.api.user(user_id)
        elsewhere = bool(user.team and team and user.team != team)  # Slack Connect: another organisation
        trusted = not (user.is_bot or user.outsider or elsewhere) and bool(user.email)
        ref = UserRef(PLATFORM, team, user_id, user.email, user.name or None) if trusted else None
        self._cache[key] = (time.monotonic(), ref)
        return ref


@dataclass(slots=True)
class Conversations:
    """Turns Slack events into engine turns and posts the replies, only ever in direct messages."""

    engine: Engine
    api: SlackApi
    words: Wording
    later: ReplyQueue
    identities: Identities = field(init=False)

    def __post_init__(self) -> None:
        self.identities = Identities(self.api)

    async def _who(self, team: str, user_id: str, channel: str) -> UserRef | None:
        """Returns the person, or tells them kindly (in their DM) that Slack could not say who they are."""
        try:
            ref = await self.identities.ref(team, user_id)
        except SendFailed as exc:
            log.warning("users.info failed: %s", exc)
            ref = None
        if ref is None and channel:
            await self.api.post(channel, render(Reply(self.words("slack.unknown_user"))))
        return ref

    async def post(self, channel: str, replies: list[Reply], user_id: str = "") -> None:
        """Posts replies in a direct message, in order; what Slack refuses now goes to the outbox.

        The turn has already happened, so Slack must not send the event again: the replies are
        queued rather than the event failed.
        """
        for n, reply in enumerate(replies):
            try:
                await self.api.post(channel, render(reply))
            except SendFailed as exc:
                if not user_id or not await self.later.queue(user_id, replies[n:]):
                    raise
                log.warning("replies queued for later delivery: %s", exc)
                return

    async def message(self, team: str, user_id: str, channel: str, text: str, files: int = 0) -> None:
        """Handles free text typed in a direct message (and says so if files came with it)."""
        ref = await self._who(team, user_id, channel)
        if ref is None:
            return
        replies = await self.engine.handle(Inbound(ref, key(team, channel), text=text, files=files))
        await self.post(channel, replies, user_id)

    async def press(self, team: str, user_id: str, channel: str, choice: str, token: str | None) -> None:
        """Handles a button pressed in a direct message."""
        ref = await self._who(team, user_id, channel)
        if ref is None:
            return
        replies = await self.engine.handle(Inbound(ref, key(team, channel), choice=choice, prompt_token=token))
        await self.post(channel, replies, user_id)

    async def start(self, team: str, user_id: str, params: dict[str, str] | None = None) -> None:
        """Starts (or carries on) raising a concern in the person's direct messages."""
        channel = await self.api.open_dm(user_id)
        ref = await self._who(team, user_id, channel)
        if ref is None:
            return
        replies = await self.engine.start(Inbound(ref, key(team, channel)), "raise_concern", params)
        await self.post(channel, replies, user_id)

    async def greet(self, team: str, user_id: str) -> None:
        """Opens the person's direct messages with the bot's greeting (or their half-told dialog)."""
        channel = await self.api.open_dm(user_id)
        ref = await self._who(team, user_id, channel)
        if ref is None:
            return
        await self.post(channel, await self.engine.greet(Inbound(ref, key(team, channel))), user_id)

    async def dsl(self, team: str, user_id: str, choice: str, trigger_id: str, where: str) -> None:
        """Carries out a DSL button: details in a modal for the presser only, questions in their DM."""
        channel = await self.api.open_dm(user_id)
        ref = await self._who(team, user_id, channel)
        if ref is None:
            return
        replies = await self.engine.handle(Inbound(ref, key(team, channel), choice=choice))
        verb = choice[len(DSL_PREFIX):].split(":", 1)[0]
        if verb == "view" and replies and replies[0].facts:
            details, replies = replies[0], replies[1:]
            title = self.words("slack.details_title")
            view = modal(title, details, self.words("slack.details_overflow"), self.words("slack.close"))
            await self.api.open_view(trigger_id, view)
            replies = replies if len(replies) > 1 else []  # a half-told dialog's question comes back; no menu
        await self.post(channel, replies, user_id)
        if where and where != channel and any(r.expects != "nothing" for r in replies):
            await self.api.ephemeral(where, user_id, self.words("slack.dsl_in_dm"))


def key(team: str, channel: str) -> str:
    """Returns the engine's conversation key for a Slack direct message."""
    return f"{PLATFORM}:{team}:{channel}"
