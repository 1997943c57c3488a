"""Bolt listeners: DMs, buttons, /concern, shortcuts, mentions and the App Home."""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncApp

from dialogs.ports import Wording
from handlers.slack import payloads
from handlers.slack.api import SendFailed, SlackApi
from handlers.slack.blocks import ACTION_PREFIX, read_value
from handlers.slack.home import RAISE, home_view
from handlers.slack.payloads import nested_id, part, slack_id
from handlers.slack.ports import EventLedger, HomeSource, Inbox
from handlers.slack.requests import COMMAND, EVENTS, SHORTCUTS
from handlers.slack.talk import DSL_PREFIX, Conversations

log = logging.getLogger(__name__)
Ack = Callable[..., Awaitable[None]]
GLOBAL_SHORTCUT, MESSAGE_SHORTCUT = SHORTCUTS["shortcut"], SHORTCUTS["message_action"]
IGNORED_SUBTYPES = {"message_changed", "message_deleted", "bot_message", "channel_join", "message_replied"}


def _dropped(what: str) -> None:
    """Notes (without any content) an event or interaction acknowledged but dropped: its fields are not valid."""
    log.info("dropped a Slack %s without a valid team, user or channel id (or with text or files of the wrong kind)",
             what)


def _ignored(event: dict[str, Any]) -> bool:
    """True for messages that are not someone typing in their DM with the bot."""
    subtype = event.get("subtype")
    return (event.get("channel_type") != "im" or bool(event.get("bot_id"))
            or (isinstance(subtype, str) and subtype in IGNORED_SUBTYPES))


class Listeners:
    """Registers every listener on a Bolt app; each does its work before Slack is answered."""

    def __init__(self, talk: Conversations, api: SlackApi, ledger: EventLedger, homes: HomeSource,
                 words: Wording, inbox: Inbox | None = None) -> None:
        self.talk, self.api, self.ledger, self.homes, self.words = talk, api, ledger, homes, words
        self.inbox = inbox

    def register(self, bolt: AsyncApp) -> None:
        """Adds the listeners to the Bolt app."""
        for name, listener in zip(EVENTS, (self.on_message, self.on_mention, self.on_home), strict=True):
            bolt.event(name)(listener)
        bolt.action(re.compile(f"^{ACTION_PREFIX}:"))(self.on_button)
        bolt.command(COMMAND)(self.on_command)
        bolt.shortcut(GLOBAL_SHORTCUT)(self.on_global_shortcut)
        bolt.shortcut(MESSAGE_SHORTCUT)(self.on_message_shortcut)

    async def _once(self, body: dict[str, Any], work: Callable[[], Awaitable[None]]) -> None:
        """Runs an event's work once per event_id; a failure forgets the id so Slack's retry is processed.

        A Slack answer that a retry cannot change (an unknown user, say) ends the event instead.
        """
        event_id = payloads.event_id(body) or ""
        if event_id and not await self.ledger.claim(event_id):
            log.info("dropped a repeated Slack event")
            return
        try:
            await work()
        except BaseException as exc:
            if isinstance(exc, SendFailed) and exc.permanent:
                log.warning("a Slack event was dropped: %s", exc)
                return
            if event_id:
                await self.ledger.release(event_id)
            raise

    async def _safely(self, what: str, work: Awaitable[None]) -> None:
        """Runs an acknowledged interaction's work; Slack does not resend those, so a failure is logged."""
        try:
            await work
        except SendFailed as exc:
            log.warning("a Slack call failed while handling a %s: %s", what, exc)

    async def on_message(self, body: dict[str, Any], event: dict[str, Any]) -> None:
        """Free text in a direct message runs the conversation; nothing is read anywhere else."""
        if _ignored(event):
            return
        team, user, channel = payloads.team(body), slack_id(event.get("user")), slack_id(event.get("channel"))
        text, event_id = payloads.text(event.get("text")), payloads.event_id(body)
        files = payloads.count(event.get("files"))  # counted, never fetched
        if not (team and user and channel) or text is None or event_id is None or files is None:
            _dropped("message")
            return
        if self.inbox is not None and event_id:
            # Stored durably, then Slack is answered at once; the turn runs just after (bot/delivery/inbox.py).
            payload = {"team": team, "user": user, "channel": channel, "text": text, "files": str(files)}
            if not await self.inbox.accept(event_id, f"slack:{team}:{channel}", payload):
                log.info("dropped a repeated Slack event")
            return
        await self._once(body, lambda: self.talk.message(team, user, channel, text, files))

    async def process(self, payload: dict[str, str]) -> None:
        """Runs the turn for a direct message taken from the inbox."""
        await self.talk.message(payload["team"], payload["user"], payload["channel"], payload["text"],
                                int(payload.get("files") or 0))

    async def on_mention(self, body: dict[str, Any], event: dict[str, Any]) -> None:
        """A mention in a channel gets a short reply there and the conversation moves to a DM."""
        if event.get("bot_id"):
            return
        team, user, channel = payloads.team(body), slack_id(event.get("user")), slack_id(event.get("channel"))
        if not (team and user and channel) or payloads.event_id(body) is None:
            _dropped("mention")
            return

        async def work() -> None:
            await self.api.ephemeral(channel, user, self.words("slack.channel_redirect"))
            await self.talk.greet(team, user)

        await self._once(body, work)

    async def on_home(self, body: dict[str, Any], event: dict[str, Any]) -> None:
        """Publishes the App Home when someone opens it."""
        if event.get("tab") not in (None, "home"):
            return
        team, user = payloads.team(body), slack_id(event.get("user"))
        if not (team and user) or payloads.event_id(body) is None:
            _dropped("App Home event")
            return

        async def work() -> None:
            ref = await self.talk.identities.ref(team, user)
            if ref is None:
                return
            home = await self.homes.home(ref)
            await self.api.publish_home(user, home_view(self.words, home))

        await self._once(body, work)

    async def on_button(self, ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        """A button: DSL buttons anywhere, dialog buttons in a DM, "Raise a concern" on the Home tab."""
        await ack()
        value = action.get("value")
        choice, token = read_value(value if isinstance(value, str) else "")
        team, user, channel = payloads.team(body), nested_id(body, "user"), nested_id(body, "channel")
        if not (team and user) or (body.get("channel") is not None and not channel):
            _dropped("button press")
            return
        if not choice:
            return
        trigger = body.get("trigger_id")
        if choice.startswith(DSL_PREFIX):
            await self._safely("button", self.talk.dsl(team, user, choice, trigger if isinstance(trigger, str) else "",
                                                       channel))
        elif choice == RAISE and not channel:
            await self._safely("button", self.talk.start(team, user))
        elif channel.startswith("D"):
            await self._safely("button", self.talk.press(team, user, channel, choice, token))
        else:
            log.warning("ignored a button outside a direct message")

    async def on_command(self, ack: Ack, body: dict[str, Any], command: dict[str, Any]) -> None:
        """/concern: says where to go (only to the person) and starts the concern in their DM."""
        team, user = payloads.team(body), slack_id(command.get("user_id"))
        if not (team and user):
            await ack()
            _dropped("command")
            return
        await ack(text=self.words("slack.moved_to_dm"))
        await self._safely("command", self.talk.start(team, user))

    async def on_global_shortcut(self, ack: Ack, body: dict[str, Any]) -> None:
        """The global shortcut starts a concern in the person's DM."""
        await ack()
        team, user = payloads.team(body), nested_id(body, "user")
        if not (team and user):
            _dropped("shortcut")
            return
        await self._safely("shortcut", self.talk.start(team, user))

    async def on_message_shortcut(self, ack: Ack, body: dict[str, Any]) -> None:
        """The message shortcut starts a concern with a link to the message (never its text)."""
        await ack()
        team, user, channel = payloads.team(body), nested_id(body, "user"), nested_id(body, "channel")
        if not (team and user and channel):
            _dropped("message shortcut")
            return
        ts = payloads.timestamp(part(body, "message").get("ts"))
        link = await self.api.permalink(channel, ts) if ts else ""
        await self._safely("shortcut", self.talk.start(team, user, {"link": link} if link else None))
