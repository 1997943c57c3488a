"""The Slack Web API calls the bot makes, with every failure turned into one SendFailed."""

from __future__ import annotations

import logging
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from handlers.slack.blocks import Message

QUIET = logging.getLogger("handlers.slack.sdk")
QUIET.setLevel(logging.WARNING)  # the SDK logs request bodies at DEBUG: they may hold concern text
PERMANENT = {"channel_not_found", "not_in_channel", "is_archived", "invalid_auth", "account_inactive",
             "token_revoked", "user_not_found", "users_not_found", "missing_scope", "invalid_blocks",
             "msg_too_long", "message_not_found", "cant_update_message", "user_disabled", "not_authed"}


class SendFailed(Exception):
    """A Slack call that failed; `retry_after` when Slack said how long to wait."""

    def __init__(self, message: str, retry_after: float | None = None, permanent: bool = False,
                 error: str = "") -> None:
        super().__init__(message)
        self.retry_after, self.permanent, self.error = retry_after, permanent, error

    @property
    def rate_limited(self) -> bool:
        """True when Slack answered 429: wait `retry_after`, and pace the sends after it."""
        return self.error == "ratelimited"


@dataclass(frozen=True, slots=True)
class SlackUser:
    """A Slack account as users.info describes it."""

    user_id: str
    email: str
    name: str
    is_bot: bool = False
    team: str = ""
    outsider: bool = False


API_TIMEOUT = 15  # seconds for one Web API call
OUTBOX_EVENT = "prevent_outbox"  # message metadata naming the outbox row (and part) a message was posted for
HISTORY_LIMIT = 200  # messages a page when looking for an unconfirmed send (Slack's advice: at most 200)
HISTORY_PAGES = 10


@dataclass(frozen=True, slots=True)
class Tag:
    """Names the outbox row a post belongs to, and the part number of its first message."""

    outbox: int
    first: int = 0


def _part(message: dict[str, Any], outbox: int, me: tuple[str, str]) -> int | None:
    """Returns the part number if the bot posted this message for that outbox row, else None."""
    user, bot = me
    if not ((user and message.get("user") == user) or (bot and message.get("bot_id") == bot)):
        return None
    metadata = message.get("metadata")
    if not isinstance(metadata, dict) or metadata.get("event_type") != OUTBOX_EVENT:
        return None
    payload = metadata.get("event_payload")
    if not isinstance(payload, dict) or payload.get("outbox") != outbox:
        return None
    part = payload.get("part", 0)
    return part if isinstance(part, int) else None


def make_client(token: str, base_url: str) -> AsyncWebClient:
    """Returns a Web API client for the bot token at SLACK_API_URL (default Slack's own)."""
    base = base_url if base_url.endswith("/") else base_url + "/"
    return AsyncWebClient(token=token, base_url=base, logger=QUIET, timeout=API_TIMEOUT)


async def call(method: str, pending: Awaitable[Any]) -> dict[str, Any]:
    """Awaits one Web API call and returns its data; raises SendFailed on any failure."""
    try:
        response = await pending
    except SlackApiError as exc:
        raise _failure(method, exc) from exc
    except (aiohttp.ClientError, TimeoutError, SlackClientError) as exc:
        raise SendFailed(f"{method}: network error ({type(exc).__name__})") from exc
    data = response.data
    return data if isinstance(data, dict) else {}


def _failure(method: str, exc: SlackApiError) -> SendFailed:
    """Describes a Slack error answer: 429 with Retry-After, 5xx, or an `error` code."""
    response = exc.response
    status = getattr(response, "status_code", None) or getattr(response, "status", None) or 0
    headers = getattr(response, "headers", {}) or {}
    data = getattr(response, "data", None)
    error = str(data.get("error", "")) if isinstance(data, dict) else ""
    if status == 429:
        wait = _seconds(headers.get("Retry-After") or headers.get("retry-after"))
        return SendFailed(f"{method}: rate limited by Slack (retry after {wait}s)", wait, error="ratelimited")
    if status >= 500:
        return SendFailed(f"{method}: Slack answered {status}", error=f"http_{status}")
    return SendFailed(f"{method}: Slack said {error or status}", permanent=error in PERMANENT, error=error)


def _seconds(value: object) -> float:
    try:
        return max(float(str(value)), 0.0)
    except ValueError:
        return 1.0


class SlackApi:
    """The Web API methods the bot uses."""

    def __init__(self, client: AsyncWebClient) -> None:
        self.client = client
        self._self: tuple[str, str] | None = None

    async def post(self, channel: str, messages: list[Message], thread_ts: str = "", tag: Tag | None = None,
                   skip: dict[int, str] | None = None) -> list[str]:
        """Posts messages in order, each tagged with its part (`tag`'s first part on); returns their timestamps.

        Parts in `skip` (part -> ts, found already posted) are not posted again; their ts is returned.
        """
        sent: list[str] = []
        for n, message in enumerate(messages):
            part = (tag.first + n) if tag else n
            if skip and part in skip:
                sent.append(skip[part])
                continue
            extra: dict[str, Any] = {"thread_ts": thread_ts} if thread_ts else {}
            if tag is not None:
                extra["metadata"] = {"event_type": OUTBOX_EVENT, "event_payload": {"outbox": tag.outbox, "part": part}}
            data = await call("chat.postMessage", self.client.chat_postMessage(
                channel=channel, text=message.text, blocks=message.blocks, unfurl_links=False,
                unfurl_media=False, **extra))
            sent.append(str(data.get("ts", "")))
        return sent

    async def tagged(self, channel: str, outbox: int, oldest: float, thread_ts: str = "") -> dict[int, str]:
        """Finds the bot's own messages since `oldest` tagged with an outbox row: part -> ts.

        Only each message's author, metadata and ts are looked at; nothing read is kept or logged.
        Reads the channel's history (or the thread under `thread_ts`), HISTORY_PAGES pages at most;
        raises SendFailed if that is not enough to see back to `oldest`.
        """
        me = await self._me()
        found: dict[int, str] = {}
        cursor = ""
        for _ in range(HISTORY_PAGES):
            data = await self._history(channel, oldest, thread_ts, cursor)
            for message in data.get("messages") or []:
                part = _part(message, outbox, me) if isinstance(message, dict) else None
                if part is not None:
                    found.setdefault(part, str(message.get("ts", "")))
            cursor = str((data.get("response_metadata") or {}).get("next_cursor") or "")
            if not cursor or not data.get("has_more", True):
                return found
        raise SendFailed(f"conversations.history: more than {HISTORY_PAGES * HISTORY_LIMIT} messages since "
                         "the send began; not checked", permanent=True)

    async def _history(self, channel: str, oldest: float, thread_ts: str, cursor: str) -> dict[str, Any]:
        """Returns one page of a conversation (or a thread) since `oldest`, with message metadata."""
        common: dict[str, Any] = {"channel": channel, "oldest": f"{oldest:.6f}", "inclusive": True,
                                  "limit": HISTORY_LIMIT, "include_all_metadata": True, "cursor": cursor or None}
        if thread_ts:
            try:
                return await call("conversations.replies", self.client.conversations_replies(ts=thread_ts, **common))
            except SendFailed as exc:
                if exc.error == "thread_not_found":
                    return {}
                raise
        return await call("conversations.history", self.client.conversations_history(**common))

    async def _me(self) -> tuple[str, str]:
        """Returns the bot's own (user id, bot id), asked once (auth.test)."""
        if self._self is None:
            data = await self.whoami()
            self._self = (str(data.get("user_id") or ""), str(data.get("bot_id") or ""))
        return self._self

    async def update(self, channel: str, ts: str, message: Message) -> None:
        """Replaces a message in place."""
        await call("chat.update", self.client.chat_update(channel=channel, ts=ts, text=message.text,
                                                          blocks=message.blocks))

    async def ephemeral(self, channel: str, user: str, text: str) -> None:
        """Shows a short note only to one person in a channel."""
        await call("chat.postEphemeral", self.client.chat_postEphemeral(channel=channel, user=user, text=text))

    async def open_dm(self, user: str) -> str:
        """Opens (or finds) the direct message channel with someone; returns its id."""
        data = await call("conversations.open", self.client.conversations_open(users=user))
        channel = data.get("channel")
        return str(channel.get("id", "")) if isinstance(channel, dict) else ""

    async def user(self, user: str) -> SlackUser:
        """Returns someone's email and name from users.info."""
        data = await call("users.info", self.client.users_info(user=user))
        info = data.get("user") or {}
        profile = info.get("profile") or {}
        name = str(profile.get("real_name") or info.get("real_name") or info.get("name") or "")
        is_bot = bool(info.get("is_bot")) or bool(info.get("deleted"))
        outsider = bool(info.get("is_stranger")) or bool(info.get("is_ultra_restricted"))
        return SlackUser(user, str(profile.get("email") or "").strip().lower(), name, is_bot,
                         str(info.get("team_id") or ""), outsider)

    async def lookup(self, email: str) -> str:
        """Returns the Slack user id for an email ("" if nobody has it)."""
        try:
            data = await call("users.lookupByEmail", self.client.users_lookupByEmail(email=email))
        except SendFailed as exc:
            if exc.error == "users_not_found":
                return ""
            raise
        return str((data.get("user") or {}).get("id", ""))

    async def channel(self, channel: str) -> dict[str, Any]:
        """Returns conversations.info for a channel."""
        data = await call("conversations.info", self.client.conversations_info(channel=channel))
        info = data.get("channel")
        return info if isinstance(info, dict) else {}

    async def members(self, channel: str) -> list[str]:
        """Lists the user ids in a channel."""
        found: list[str] = []
        cursor = ""
        for _ in range(50):
            data = await call("conversations.members", self.client.conversations_members(
                channel=channel, limit=200, cursor=cursor or None))
            found += [str(m) for m in data.get("members") or []]
            cursor = str((data.get("response_metadata") or {}).get("next_cursor") or "")
            if not cursor:
                break
        return found

    async def private_channels(self) -> list[dict[str, Any]]:
        """Lists the private channels the bot is in (to find the DSL channel by name)."""
        found: list[dict[str, Any]] = []
        cursor = ""
        for _ in range(50):
            data = await call("conversations.list", self.client.conversations_list(
                types="private_channel", exclude_archived=True, limit=200, cursor=cursor or None))
            found += [c for c in data.get("channels") or [] if isinstance(c, dict)]
            cursor = str((data.get("response_metadata") or {}).get("next_cursor") or "")
            if not cursor:
                break
        return found

    async def whoami(self) -> dict[str, Any]:
        """Checks the token (auth.test)."""
        return await call("auth.test", self.client.auth_test())

    async def open_view(self, trigger_id: str, view: dict[str, Any]) -> None:
        """Opens a modal."""
        await call("views.open", self.client.views_open(trigger_id=trigger_id, view=view))

    async def publish_home(self, user: str, view: dict[str, Any]) -> None:
        """Publishes someone's App Home tab."""
        await call("views.publish", self.client.views_publish(user_id=user, view=view))

    async def permalink(self, channel: str, ts: str) -> str:
        """Returns a message's link, without its query string ("" when Slack will not say)."""
        try:
            data = await call("chat.getPermalink", self.client.chat_getPermalink(channel=channel, message_ts=ts))
        except SendFailed:
            return ""
        return str(data.get("permalink", "")).split("?", 1)[0]
