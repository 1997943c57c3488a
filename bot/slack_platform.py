"""Wires handlers/slack into the server: storage for it, outbox delivery, the DSL channel checks."""

from __future__ import annotations

import json
import logging
import re
from datetime import UTC
from typing import TYPE_CHECKING

from aiohttp import web

from bot.concerns import DSL_CHANNEL
from bot.inbox import DbInbox, Doorbell, InboxWorker
from bot.platform_store import ALERT_KINDS, PlatformStore
from bot.platforms import DeliveryError, OutboundMessage, replies_of
from dialogs.engine import Turn
from dialogs.messages import Inbound, Reply, UserRef
from dialogs.who import contacts_reply
from handlers.slack import HomeView, Message, SendFailed, SlackEndpoint, SlackOptions, SlackUser, Tag, escape, render
from storage import people
from storage.models import Staff

if TYPE_CHECKING:
    from bot.app import App
    from bot.platforms import Platform

log = logging.getLogger(__name__)
PLATFORM = "slack"

CHANNEL_ID = re.compile(r"^[CG][A-Z0-9]{6,}$")
LOOK_BACK_SECONDS = 30.0  # an unconfirmed send is looked for from this long before it began (clocks differ)
THREAD_PART = 100  # part numbers of an update's thread line, apart from a re-posted alert's parts 0, 1, …


class DbSlackStore(PlatformStore):
    """Implements the Slack handler's EventLedger and HomeSource over the database."""

    def __init__(self, app: App) -> None:
        super().__init__(app, PLATFORM)

    async def home(self, user: UserRef) -> HomeView:
        """Returns today's contacts and the person's own concerns (reference and status)."""
        app = self.app
        person = await app.directory.identify(user)
        turn = Turn(Inbound(user, f"{PLATFORM}:home:{user.user_id}"), person, {}, app.clock(), app.engine.services)
        mine = await app.concerns.mine(person)
        return HomeView(contacts_reply(turn), tuple((ref, app.words(f"status.{s}")) for ref, s in mine))

    async def staff(self, staff_id: int) -> Staff | None:
        """Returns a member of staff by id."""
        async with self.db.transaction() as session:
            return await people.staff_by_id(session, staff_id)

    async def link(self, staff_id: int, user_id: str) -> None:
        """Remembers a member of staff's Slack user id."""
        async with self.db.transaction() as session:
            staff = await people.staff_by_id(session, staff_id)
            if staff is not None and staff.slack_user_id != user_id:
                staff.slack_user_id = user_id
                session.add(staff)

    async def dm_channel(self, user_id: str) -> str:
        """Returns the remembered direct-message channel with a Slack user ("" if none yet)."""
        async with self.db.reading() as session:
            found = await people.conversation_ref(session, self.school_id, PLATFORM, f"dm:{user_id}")
        data = json.loads(found) if found else {}
        return str(data.get("channel", "")) if isinstance(data, dict) else ""

    async def remember_dm(self, user_id: str, channel: str) -> None:
        """Remembers the direct-message channel with a Slack user (it does not change)."""
        async with self.db.transaction() as session:
            await people.save_conversation_ref(session, self.school_id, PLATFORM, f"dm:{user_id}",
                                               json.dumps({"channel": channel}))

    async def forget_dm(self, user_id: str) -> None:
        """Forgets a remembered direct-message channel that Slack no longer accepts."""
        async with self.db.transaction() as session:
            await people.forget_conversation_ref(session, self.school_id, PLATFORM, f"dm:{user_id}")

    async def dsl_staff(self) -> list[Staff]:
        """Returns the DSL team (from the school file) as staff rows."""
        async with self.db.transaction() as session:
            rows = await people.list_staff(session, self.school_id, dsl_only=True)
        return [s for s in rows if self.app.directory.is_dsl(s.email)]

# Answers to a post in a remembered direct-message channel that mean it should be opened again.
STALE_DM = {"channel_not_found", "is_archived", "not_in_channel"}


class SlackPlatform:
    """Slack, hosted in the shared aiohttp server (or over Socket Mode)."""

    name = PLATFORM

    def __init__(self, app: App) -> None:
        settings = app.settings
        self.app = app
        self.options = SlackOptions(settings.slack_bot_token.strip(), settings.slack_signing_secret.strip(),
                                    settings.slack_app_token.strip(), settings.slack_api_url.strip())
        self.store = DbSlackStore(app)
        self._found: dict[str, str] = {}  # DSL channel name -> id
        self._people: dict[str, SlackUser] = {}  # the DSL channel's members, as users.info said
        doorbell = Doorbell()
        self.endpoint = SlackEndpoint(self.options, app.engine, self.store, self.store, self.store, app.words,
                                      DbInbox(app.db, app.school_id, PLATFORM, doorbell))
        self.inbox_worker = InboxWorker(app.db, PLATFORM, self.endpoint.process, doorbell)
        self.api = self.endpoint.api

    def add_routes(self, web_app: web.Application) -> None:
        """Adds POST /slack/events."""
        self.endpoint.add_routes(web_app)

    # --- delivery -------------------------------------------------------------------------------

    async def deliver(self, message: OutboundMessage) -> str:
        """Sends one outbox message; raises DeliveryError so the outbox retries and falls back."""
        try:
            if message.kind == "dsl_update":
                return await self._update(message)
            if message.destination == DSL_CHANNEL:
                return await self._to_channel(message)
            if message.destination.startswith("staff:"):
                return await self._to_staff(message)
        except SendFailed as exc:
            raise DeliveryError(str(exc), exc.retry_after, rate_limited=exc.error == "ratelimited") from exc
        raise DeliveryError(f"unknown destination kind for outbox row {message.outbox_id}")

    async def _usable_channel(self) -> str:
        """Returns the DSL channel's id; raises DeliveryError (what to fix) if concerns may not go there."""
        channel, problem = await self.check_channel()
        if problem:
            raise DeliveryError(problem)
        return channel

    async def _to_channel(self, message: OutboundMessage) -> str:
        """Posts an alert in the DSL channel; an urgent one @mentions each DSL-team member."""
        channel = await self._usable_channel()
        replies = replies_of(message.payload)
        if message.kind in ALERT_KINDS:
            newest = await self.store.newest_alert(message.concern_id)
            replies = [newest] if newest is not None else replies  # a late alert shows today's status
        lead = await self._mentions() if message.kind == "dsl_urgent" else ""
        parts = [part for n, reply in enumerate(replies) for part in render(reply, lead if n == 0 else "")]
        ids = await self._post(channel, parts, message)
        return f"{channel}:{ids[0]}" if ids else ""

    async def _post(self, channel: str, parts: list[Message], message: OutboundMessage, thread_ts: str = "",
                    first: int = 0) -> list[str]:
        """Posts an outbox row's messages, each tagged with the row; parts Slack already has are not posted again."""
        found = await self._already_posted(channel, message, thread_ts)
        return await self.api.post(channel, parts, thread_ts, Tag(message.outbox_id, first), found)

    async def _already_posted(self, channel: str, message: OutboundMessage, thread_ts: str) -> dict[int, str]:
        """After a send of this row that may have reached Slack, returns the parts it posted (part -> ts).

        Looks in the conversation (or the thread) for the bot's own messages tagged with the row, from a
        little before that send began. If the look fails, SendFailed goes up and the row is retried later:
        nothing is posted while Slack cannot be checked. If Slack stays down, the outbox's usual rules apply
        (back-off; an alert past `fallback_after_minutes` also goes to each DSL member's DM, checked the same
        way); a token without `groups:history`/`im:history` keeps such a row waiting until the scopes are granted.
        """
        since = message.unconfirmed_since
        if since is None:
            return {}
        since = since if since.tzinfo is not None else since.replace(tzinfo=UTC)
        found = await self.api.tagged(channel, message.outbox_id, since.timestamp() - LOOK_BACK_SECONDS, thread_ts)
        if found:
            log.info("outbox row %s: %d message(s) already in Slack from a send cut short; not posted again",
                     message.outbox_id, len(found))
        return found

    async def _mentions(self) -> str:
        """Returns the urgent line with a mention of every DSL-team member Slack knows."""
        ids = []
        for staff in await self.store.dsl_staff():
            user_id = staff.slack_user_id or await self._lookup(staff)
            if user_id:
                ids.append(f"<@{user_id}>")
        return " ".join([*ids, self.app.words("slack.urgent_mention")])

    async def _lookup(self, staff: Staff) -> str:
        """Finds a member of staff's Slack id by email and remembers it."""
        if staff.id is None or "@" not in staff.email:
            return ""
        user_id = await self.api.lookup(staff.email)
        if user_id:
            await self.store.link(staff.id, user_id)
        return user_id

    async def _to_staff(self, message: OutboundMessage) -> str:
        """Sends to one member of staff's direct messages (opened if needed)."""
        staff_id = int(message.destination.split(":", 1)[1])
        staff = await self.store.staff(staff_id)
        user_id = (staff.slack_user_id or await self._lookup(staff)) if staff is not None else ""
        if not user_id:
            raise DeliveryError(f"staff {staff_id} has no Slack account with their school email address")
        channel = await self._dm(user_id)
        heading = self.app.words("slack.fallback_heading") if message.kind == "dsl_fallback" else ""
        parts = [part for n, reply in enumerate(replies_of(message.payload))
                 for part in render(reply, _bold(heading) if n == 0 and heading else "")]
        try:
            ids = await self._post(channel, parts, message)
        except SendFailed as exc:
            if exc.error in STALE_DM:
                await self.store.forget_dm(user_id)  # the retry opens the conversation afresh
            raise
        return f"{channel}:{ids[0]}" if ids else ""

    async def _dm(self, user_id: str) -> str:
        """Returns the direct-message channel with someone: remembered, else opened (conversations.open)."""
        channel = await self.store.dm_channel(user_id)
        if not channel:
            channel = await self.api.open_dm(user_id)
            if channel:
                await self.store.remember_dm(user_id, channel)
        return channel

    async def _update(self, message: OutboundMessage) -> str:
        """Updates the alert in place and threads the progress line under it."""
        alert = await self.store.newest_alert(message.concern_id) or Reply.from_json(
            message.payload["alert"])  # type: ignore[arg-type]
        thread = Reply.from_json(message.payload["thread"])  # type: ignore[arg-type]
        alert_id = message.alert_message_id
        if not alert_id:
            pending, alert_id = await self.store.alert_state(message.concern_id)
            if pending:
                raise DeliveryError("the alert is not in the DSL channel yet; the update waits for it", 5.0)
        channel = await self._usable_channel()
        where, _, ts = alert_id.partition(":")
        if not ts or where != channel:
            ids = await self._post(channel, render(alert), message)
            ts = ids[0] if ids else ""
        else:
            ts = await self._replace(channel, ts, alert, message)
        thread_ids = await self._post(channel, render(thread), message, thread_ts=ts, first=THREAD_PART)
        return f"{channel}:{thread_ids[0]}" if thread_ids else ""

    async def _replace(self, channel: str, ts: str, alert: Reply, message: OutboundMessage) -> str:
        """Edits the alert; if Slack no longer has it, posts its current state. Returns the alert's ts."""
        try:
            await self.api.update(channel, ts, render(alert)[0])
        except SendFailed as exc:
            if not exc.permanent:
                raise
            log.warning("alert could not be updated in place (%s); posting its current state", exc.error)
            ids = await self._post(channel, render(alert), message)
            return ids[0] if ids else ts
        return ts

    # --- readiness ------------------------------------------------------------------------------

    async def check_channel(self) -> tuple[str, str]:
        """Returns (channel id, "") when the DSL channel is private with the bot in it, else ("", what to fix)."""
        named = self.app.config.slack.dsl_channel.strip().lstrip("#")
        if not named:
            return "", "Slack: set dsl_channel under [slack] in the school file (the DSL team's private channel)"
        channel = named if CHANNEL_ID.match(named) else self._found.get(named) or await self._find(named)
        if not channel:
            return "", (f"Slack: the bot is not in a private channel named #{named}: make sure #{named} is private "
                        "and invite the bot there (/invite @prevent-duty-assistant); concerns are not posted "
                        "until then")
        try:
            info = await self.api.channel(channel)
        except SendFailed as exc:
            if exc.error not in ("channel_not_found", "not_in_channel"):
                raise
            self._found.pop(named, None)
            info = {"is_private": True, "is_member": False}
        problem = _channel_problem(named, info) or await self._outsiders(channel, f"#{info.get('name') or named}")
        return channel, problem

    async def _outsiders(self, channel: str, shown: str) -> str:
        """Says how many people in the channel are not in the school file's DSL team ("" when none)."""
        outsiders = []
        for user_id in await self.api.members(channel):
            user = self._people.get(user_id) or await self.api.user(user_id)
            self._people[user_id] = user
            if not user.is_bot and not (user.email and self.app.directory.is_dsl(user.email)):
                outsiders.append(user_id)
        if not outsiders:
            return ""
        return (f"Slack: the DSL channel {shown} has {len(outsiders)} member(s) who are not in the school file's "
                f"DSL team ({', '.join(outsiders)}), so concerns are not posted there. Remove them from the "
                "channel, or add them to dsl_team in the school file")

    async def _find(self, name: str) -> str:
        """Finds a private channel the bot is in by name (remembered until Slack no longer knows it)."""
        for found in await self.api.private_channels():
            if found.get("name") == name:
                self._found[name] = str(found.get("id", ""))
                return self._found[name]
        return ""

    async def readiness(self) -> list[str]:
        """Returns what stops Slack from working, each with what to fix."""
        problems = list(self.endpoint.problems)
        if self.app.config.school.platform != PLATFORM:
            problems.append(f"Slack: the school file says platform = '{self.app.config.school.platform}', so "
                            "concerns are not sent to Slack; set platform = \"slack\" under [school]")
        try:
            await self.api.whoami()
            _, problem = await self.check_channel()
        except SendFailed as exc:
            problem = f"Slack: the Web API call failed ({exc}); check SLACK_BOT_TOKEN and SLACK_API_URL"
        return [*problems, problem] if problem else problems

    async def start(self) -> None:
        """Connects Socket Mode if set, then says loudly what is wrong with the Slack set-up."""
        await self.endpoint.start()
        for problem in await self.readiness():
            log.error("%s", problem)

    async def stop(self) -> None:
        """Disconnects Socket Mode."""
        await self.endpoint.stop()


def _channel_problem(named: str, info: dict[str, object]) -> str:
    """Says what is wrong with the DSL channel ("" when it is private and the bot is in it)."""
    shown = f"#{info.get('name') or named}"
    if info.get("is_im") or info.get("is_mpim"):
        return f"Slack: {shown} is a direct message, not a channel: name the DSL team's private channel"
    if info.get("is_archived"):
        return f"Slack: the DSL channel {shown} is archived: unarchive it or name another private channel"
    if not info.get("is_private"):
        return (f"Slack: the DSL channel {shown} is PUBLIC, so concerns are not posted there. Make it private "
                "(channel settings → Change to a private channel) or name a private channel in dsl_channel")
    if not info.get("is_member"):
        return (f"Slack: the bot is not a member of the DSL channel {shown}, so concerns cannot be posted there. "
                f"In {shown} type: /invite @prevent-duty-assistant")
    return ""


def _bold(text: str) -> str:
    """Returns trusted wording in bold for a message's first line."""
    return f"*{escape(text)}*"


def slack_platform(app: App) -> Platform | None:
    """Returns the Slack platform when SLACK_BOT_TOKEN is set or the school file says platform = "slack"."""
    if app.settings.slack_bot_token or app.config.school.platform == PLATFORM:
        return SlackPlatform(app)
    return None
