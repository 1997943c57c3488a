"""Proactive posts in Slack's terms: DSL channel alerts (the team mentioned), direct messages, alerts
updated in place with the progress threaded under them, and the checks that the DSL channel is safe.

Everything Slack-shaped lives here: mention syntax, channel ids, `channel:ts` message ids, error codes
and conversations.info's flags. The application says what to send and to whom (a staff id); the
staff records and remembered direct-message channels come in through the Protocols in ports.py.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from dialogs.messages import Reply
from dialogs.ports import Wording
from handlers.slack.api import SendFailed, SlackApi, SlackUser, Tag
from handlers.slack.blocks import Message, escape, render
from handlers.slack.ports import DirectChannels, Recipient, SlackPeople

log = logging.getLogger(__name__)
CHANNEL_ID = re.compile(r"^[CG][A-Z0-9]{6,}$")
# Answers to a post in a remembered direct-message channel that mean it should be opened again.
STALE_DM = {"channel_not_found", "is_archived", "not_in_channel"}
GONE = ("channel_not_found", "not_in_channel")  # conversations.info about a channel the bot cannot see
INVITE = "/invite @prevent-duty-assistant"
LOOK_BACK_SECONDS = 30.0  # an unconfirmed send is looked for from this long before it began (clocks differ)
THREAD_PART = 100  # part numbers of an update's thread line, apart from a re-posted alert's parts 0, 1, …


@dataclass(frozen=True, slots=True)
class OutboxRow:
    """The outbox row a send is for, and when (Unix time) an earlier send of it began that may have posted."""

    outbox_id: int
    unconfirmed_since: float | None = None


class SlackOutbound:
    """Sends the outbox's messages to Slack; every failure is a SendFailed (what to fix, or when to retry)."""

    def __init__(self, api: SlackApi, people: SlackPeople, dms: DirectChannels, words: Wording,
                 dsl_channel: str) -> None:
        self.api, self.people, self.dms, self.words = api, people, dms, words
        self.dsl_channel = dsl_channel.strip().lstrip("#")
        self._found: dict[str, str] = {}  # DSL channel name -> id
        self._users: dict[str, SlackUser] = {}  # the DSL channel's members, as users.info said

    # --- sending ------------------------------------------------------------------------------------

    async def to_channel(self, row: OutboxRow, replies: tuple[Reply, ...], mention_team: bool = False) -> str:
        """Posts in the DSL channel (an urgent alert @mentions each DSL-team member); returns 'channel:ts'."""
        channel = await self._usable_channel()
        lead = await self._mentions() if mention_team else ""
        parts = [part for n, reply in enumerate(replies) for part in render(reply, lead if n == 0 else "")]
        ids = await self._post(channel, parts, row)
        return f"{channel}:{ids[0]}" if ids else ""

    async def to_person(self, row: OutboxRow, staff_id: int, replies: tuple[Reply, ...], heading: str = "") -> str:
        """Sends to one member of staff's direct messages (opened if needed); returns 'channel:ts'."""
        found = await self.people.recipient(staff_id)
        user_id = await self._slack_id(found) if found is not None else ""
        if not user_id:
            raise SendFailed(f"staff {staff_id} has no Slack account with their school email address")
        channel = await self._dm(user_id)
        parts = [part for n, reply in enumerate(replies)
                 for part in render(reply, _bold(heading) if n == 0 and heading else "")]
        try:
            ids = await self._post(channel, parts, row)
        except SendFailed as exc:
            if exc.error in STALE_DM:
                await self.dms.forget_dm(user_id)  # the retry opens the conversation afresh
            raise
        return f"{channel}:{ids[0]}" if ids else ""

    async def update_alert(self, row: OutboxRow, alert_id: str, alert: Reply, thread: Reply) -> str:
        """Updates the alert in place (posting it if it is not there) and threads the progress line under it."""
        channel = await self._usable_channel()
        where, _, ts = alert_id.partition(":")
        if not ts or where != channel:
            ids = await self._post(channel, render(alert), row)
            ts = ids[0] if ids else ""
        else:
            ts = await self._replace(row, channel, ts, alert)
        thread_ids = await self._post(channel, render(thread), row, thread_ts=ts, first=THREAD_PART)
        return f"{channel}:{thread_ids[0]}" if thread_ids else ""

    async def _replace(self, row: OutboxRow, channel: str, ts: str, alert: Reply) -> str:
        """Edits the alert; if Slack no longer has it, posts its current state. Returns the alert's ts."""
        try:
            await self.api.update(channel, ts, render(alert)[0])
        except SendFailed as exc:
            if not exc.permanent:
                raise
            log.warning("alert could not be updated in place (%s); posting its current state", exc.error)
            ids = await self._post(channel, render(alert), row)
            return ids[0] if ids else ts
        return ts

    async def _post(self, channel: str, parts: list[Message], row: OutboxRow, thread_ts: str = "",
                    first: int = 0) -> list[str]:
        """Posts an outbox row's messages, each tagged with the row; parts Slack already has are not posted again."""
        found = await self._already_posted(channel, row, thread_ts)
        return await self.api.post(channel, parts, thread_ts, Tag(row.outbox_id, first), found)

    async def _already_posted(self, channel: str, row: OutboxRow, thread_ts: str) -> dict[int, str]:
        """After a send of this row that may have reached Slack, returns the parts it posted (part -> ts).

        Looks in the conversation (or the thread) for the bot's own messages tagged with the row, from a
        little before that send began. While Slack cannot be asked (it is away, or rate-limits), SendFailed
        goes up and the row is retried later: nothing is posted blindly. If the check can never succeed (a
        token without `groups:history`/`im:history`, or too many messages to read), the row is posted
        anyway, with a warning: a repeated alert is better than one that never reaches the DSL team.
        """
        if row.unconfirmed_since is None:
            return {}
        try:
            found = await self.api.tagged(channel, row.outbox_id, row.unconfirmed_since - LOOK_BACK_SECONDS,
                                          thread_ts)
        except SendFailed as exc:
            if not exc.permanent:
                raise
            log.warning("outbox row %s: Slack could not be checked for a send cut short (%s); posting it, "
                        "so it may show twice", row.outbox_id, exc.error or exc)
            return {}
        if found:
            log.info("outbox row %s: %d message(s) already in Slack from a send cut short; not posted again",
                     row.outbox_id, len(found))
        return found

    async def _mentions(self) -> str:
        """Returns the urgent line with a mention of every DSL-team member Slack knows."""
        ids = [f"<@{user_id}>" for member in await self.people.dsl_team() if (user_id := await self._slack_id(member))]
        return " ".join([*ids, self.words("slack.urgent_mention")])

    async def _slack_id(self, member: Recipient) -> str:
        """Returns a member of staff's Slack id: known, else found by email (and remembered)."""
        if member.slack_id or "@" not in member.email:
            return member.slack_id
        user_id = await self.api.lookup(member.email)
        if user_id:
            await self.people.link(member.staff_id, user_id)
        return user_id

    async def _dm(self, user_id: str) -> str:
        """Returns the direct-message channel with someone: remembered, else opened (conversations.open)."""
        channel = await self.dms.dm_channel(user_id)
        if not channel:
            channel = await self.api.open_dm(user_id)
            if channel:
                await self.dms.remember_dm(user_id, channel)
        return channel

    # --- the DSL channel ------------------------------------------------------------------------------

    async def _usable_channel(self) -> str:
        """Returns the DSL channel's id; raises SendFailed (what to fix) if concerns may not go there."""
        channel, problem = await self.check_channel()
        if problem:
            raise SendFailed(problem)
        return channel

    async def check_channel(self) -> tuple[str, str]:
        """Returns (channel id, "") when the DSL channel is private with the bot in it, else ("", what to fix)."""
        named = self.dsl_channel
        if not named:
            return "", "Slack: set dsl_channel under [slack] in the school file (the DSL team's private channel)"
        channel = named if CHANNEL_ID.match(named) else self._found.get(named) or await self._find(named)
        if not channel:
            return "", (f"Slack: the bot is not in a private channel named #{named}: make sure #{named} is private "
                        f"and invite the bot there ({INVITE}); concerns are not posted until then")
        try:
            info = await self.api.channel(channel)
        except SendFailed as exc:
            if exc.error not in GONE:
                raise
            self._found.pop(named, None)
            info = {"is_private": True, "is_member": False}
        problem = _channel_problem(named, info) or await self._outsiders(channel, f"#{info.get('name') or named}")
        return channel, problem

    async def _outsiders(self, channel: str, shown: str) -> str:
        """Says how many people in the channel are not in the school file's DSL team ("" when none)."""
        outsiders = []
        for user_id in await self.api.members(channel):
            user = self._users.get(user_id) or await self.api.user(user_id)
            self._users[user_id] = user
            if not user.is_bot and not (user.email and self.people.is_dsl(user.email)):
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

    async def problems(self) -> list[str]:
        """Returns what stops posting concerns: the token, then the DSL channel (each with what to fix)."""
        try:
            await self.api.whoami()
            _, problem = await self.check_channel()
        except SendFailed as exc:
            problem = f"Slack: the Web API call failed ({exc}); check SLACK_BOT_TOKEN and SLACK_API_URL"
        return [problem] if problem else []


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
                f"In {shown} type: {INVITE}")
    return ""


def _bold(text: str) -> str:
    """Returns trusted wording in bold for a message's first line."""
    return f"*{escape(text)}*"
