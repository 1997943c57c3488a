"""Calls to the Bot Connector: send, update, look people up, open personal chats; failures mapped."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import aiohttp
from azure.core.exceptions import DeserializationError  # what msrest raises for an answer it cannot read
from botbuilder.core import BotAdapter, TurnContext
from botbuilder.core.teams import TeamsInfo
from botbuilder.integration.aiohttp import CloudAdapter
from botbuilder.schema import (
    Activity,
    ActivityTypes,
    Attachment,
    ChannelAccount,
    ConversationAccount,
    ConversationParameters,
    ConversationReference,
    Mention,
)
from msrest.exceptions import ClientException, HttpOperationError

from dialogs.messages import Reply
from handlers.teams.cards import CARD_CONTENT_TYPE, RenderedCard, render
from handlers.teams.ports import Member

log = logging.getLogger(__name__)
T = TypeVar("T")
TIMEOUT_SECONDS = 20
Reference = dict[str, object]


class SendFailed(Exception):
    """A call to the Bot Connector failed; `status` is the HTTP status when there was an answer."""

    def __init__(self, message: str, status: int | None = None, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.status, self.retry_after = status, retry_after

    @property
    def permanent(self) -> bool:
        """True for answers that a retry will not change (4xx other than 408 and 429)."""
        return self.status is not None and 400 <= self.status < 500 and self.status not in (408, 429)


def _retry_after(exc: BaseException) -> float | None:
    """Returns the Retry-After seconds of a failed answer, if it gave one."""
    response = getattr(exc, "response", None)
    value = getattr(response, "headers", {}).get("Retry-After") if response is not None else None
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def failure(exc: BaseException) -> SendFailed:
    """Turns a connector or network error into SendFailed, keeping the status and Retry-After."""
    response = getattr(exc, "response", None)
    status = getattr(response, "status_code", None)
    name = type(exc).__name__
    message = f"Bot Connector answered {status}" if status else f"Bot Connector unreachable ({name})"
    if isinstance(exc, DeserializationError):
        message = "the Bot Connector's answer was not JSON (a proxy's error page?)"
    return SendFailed(message, status if isinstance(status, int) else None, _retry_after(exc))


# DeserializationError: an answer that is not the connector's JSON (a proxy's error page), raised before the status
FAILURES = (ClientException, HttpOperationError, DeserializationError, aiohttp.ClientError, OSError,
            asyncio.TimeoutError)


def quiet(context: TurnContext) -> Any:
    """Returns the turn's connector client, with the SDK's own retries off (the outbox retries)."""
    client = context.turn_state.get(BotAdapter.BOT_CONNECTOR_CLIENT_KEY)
    if client is not None:
        client.config.retry_policy.retries = 0
        client.config.connection.timeout = TIMEOUT_SECONDS
    return client


def card_activity(card: RenderedCard) -> Activity:
    """Returns a message activity carrying one Adaptive Card."""
    return Activity(type=ActivityTypes.message, summary=card.summary,
                    attachments=[Attachment(content_type=CARD_CONTENT_TYPE, content=card.content)])


def text_activity(text: str, mentions: list[Member] | None = None) -> Activity:
    """Returns a plain message activity, with @mentions (their <at> tags already in the text)."""
    entities = [Mention(mentioned=ChannelAccount(id=m.user_id, name=m.name), text=f"<at>{escape(m.name)}</at>",
                        type="mention") for m in mentions or []]
    return Activity(type=ActivityTypes.message, text=text, entities=entities or None)


def activities_for(replies: list[Reply], heading: str = "") -> list[Activity]:
    """Renders replies as card activities (a long reply becomes several cards)."""
    out: list[Activity] = []
    for index, reply in enumerate(replies):
        out += [card_activity(card) for card in render(reply, heading=heading if index == 0 else "")]
    return out


def mention_text(text: str, members: list[Member]) -> str:
    """Returns the text with each member's <at> tag in front, names escaped."""
    tags = " ".join(f"<at>{escape(m.name)}</at>" for m in members)
    return f"{tags} {escape(text)}".strip()


def escape(text: str) -> str:
    """Escapes text for a Teams message body, so names cannot add markup."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def as_reference(data: Reference) -> ConversationReference:
    """Rebuilds a stored reference."""
    reference: ConversationReference = ConversationReference().deserialize(data)
    return reference


def stored(reference: ConversationReference) -> Reference:
    """Returns a reference ready to store (new posts, not replies to an old message)."""
    reference.activity_id = None
    data: Reference = reference.serialize()
    return data


async def _run(adapter: CloudAdapter, app_id: str, reference: ConversationReference,
               work: Callable[[TurnContext, Any], Awaitable[T]]) -> T:
    """Runs `work` in a proactive turn on the stored conversation; connector errors become SendFailed."""
    results: list[T] = []

    async def callback(context: TurnContext) -> None:
        results.append(await work(context, quiet(context)))

    try:
        await adapter.continue_conversation(reference, callback, app_id)
    except FAILURES as exc:
        raise failure(exc) from exc
    return results[0]


async def send(adapter: CloudAdapter, app_id: str, reference: Reference, activities: list[Activity],
               conversation_id: str = "") -> list[str]:
    """Sends activities to a stored conversation (or a thread in it); returns their ids."""
    ref = as_reference(reference)
    target = conversation_id or ref.conversation.id

    async def work(context: TurnContext, client: Any) -> list[str]:
        ids = []
        for activity in activities:
            TurnContext.apply_conversation_reference(activity, ref)
            activity.conversation = ConversationAccount(id=target, is_group=ref.conversation.is_group,
                                                        conversation_type=ref.conversation.conversation_type,
                                                        tenant_id=ref.conversation.tenant_id)
            answer = await client.conversations.send_to_conversation(target, activity)
            ids.append(str(getattr(answer, "id", "") or ""))
        return ids

    return await _run(adapter, app_id, ref, work)


async def update(adapter: CloudAdapter, app_id: str, reference: Reference, activity_id: str,
                 activity: Activity) -> None:
    """Replaces a message the bot sent earlier (the alert card, updated in place)."""
    ref = as_reference(reference)

    async def work(context: TurnContext, client: Any) -> None:
        TurnContext.apply_conversation_reference(activity, ref)
        activity.id = activity_id
        await client.conversations.update_activity(ref.conversation.id, activity_id, activity)

    await _run(adapter, app_id, ref, work)


async def open_personal_chat(adapter: CloudAdapter, app_id: str, place: Reference, user_id: str) -> Reference:
    """Creates (or finds) the bot's personal chat with a user; returns its reference."""
    base = as_reference(place)
    tenant = base.conversation.tenant_id if base.conversation else None
    params = ConversationParameters(is_group=False, bot=base.bot, members=[ChannelAccount(id=user_id)],
                                    tenant_id=tenant, channel_data={"tenant": {"id": tenant}})

    async def work(context: TurnContext, client: Any) -> str:
        return str((await client.conversations.create_conversation(params)).id)

    # Not adapter.create_conversation: its client keeps the SDK's retries (seconds of back-off when Teams is away)
    found = await _run(adapter, app_id, base, work)
    conversation = ConversationAccount(id=found, conversation_type="personal", tenant_id=tenant)
    reference = ConversationReference(bot=base.bot, user=ChannelAccount(id=user_id), conversation=conversation,
                                      channel_id=base.channel_id or "msteams", service_url=base.service_url)
    return stored(reference)


def _member(account: Any) -> Member:
    """Returns a roster entry as a Member (email, else the user principal name)."""
    email = getattr(account, "email", None) or getattr(account, "user_principal_name", None) or ""
    return Member(str(account.id), str(getattr(account, "name", "") or ""), str(email).strip().lower())


async def member(context: TurnContext, user_id: str) -> Member:
    """Looks a user up in the roster of the current conversation or team."""
    quiet(context)
    if context.activity.channel_data is None:  # the Emulator sends none; TeamsInfo reads it as an object
        context.activity.channel_data = {}
    try:
        return _member(await TeamsInfo.get_member(context, user_id))
    except FAILURES as exc:
        raise failure(exc) from exc


async def team_members(context: TurnContext, team_id: str) -> list[Member]:
    """Returns every member of a team (paged)."""
    quiet(context)
    members: list[Member] = []
    token = None
    try:
        while True:
            page = await TeamsInfo.get_paged_team_members(context, team_id, token, 200)
            members += [_member(m) for m in page.members or []]
            token = page.continuation_token
            if not token:
                return members
    except FAILURES as exc:
        raise failure(exc) from exc


async def _teams_api(context: TurnContext, call: Callable[[Any], Any]) -> Any:
    """Runs a Teams API call (the SDK's Teams client is synchronous) in a thread, retries off."""
    client = await TeamsInfo.get_teams_connector_client(context)
    client.config.retry_policy.retries = 0
    client.config.connection.timeout = TIMEOUT_SECONDS
    try:
        return await asyncio.to_thread(call, client)
    except FAILURES as exc:
        raise failure(exc) from exc


async def team_name(context: TurnContext, team_id: str) -> str:
    """Returns a team's name."""
    details = await _teams_api(context, lambda client: client.teams.get_team_details(team_id))
    return str(getattr(details, "name", "") or "")


async def channel_id_named(context: TurnContext, team_id: str, name: str) -> str | None:
    """Returns the id of the team's channel with this name (General is the team id itself)."""
    if not name or name.strip().lower() == "general":
        return team_id
    result = await _teams_api(context, lambda client: client.teams.get_teams_channels(team_id))
    for channel in result.conversations or []:
        if (channel.name or "").strip().lower() == name.strip().lower():
            return str(channel.id)
    return None


class BotConnector:
    """The Bot Connector calls proactive messages need, in neutral terms: replies in, activity ids out.

    Implements ports.Connector; with handlers/teams/app.py, turns.py and installs.py, the modules that
    hold the Bot Framework SDK (docs/teams-sdk.md).
    """

    def __init__(self, adapter: CloudAdapter, app_id: str) -> None:
        self.adapter, self.app_id = adapter, app_id

    async def send(self, reference: Reference, replies: list[Reply], heading: str = "", thread: str = "",
                   mentions: list[Member] | None = None, mention_line: str = "") -> list[str]:
        """Sends replies as cards to a stored conversation (or a thread in it), an @mention line first if given."""
        activities = activities_for(replies, heading)
        if mention_line and activities:
            lead = text_activity(mention_text(mention_line, mentions or []), mentions)
            activities[0].text, activities[0].entities = lead.text, lead.entities
        return await send(self.adapter, self.app_id, reference, activities, thread)

    async def update(self, reference: Reference, activity_id: str, reply: Reply) -> None:
        """Replaces a card the bot sent earlier with this reply's first card."""
        await update(self.adapter, self.app_id, reference, activity_id, activities_for([reply])[0])

    async def open_personal_chat(self, place: Reference, user_id: str) -> Reference:
        """Creates (or finds) the bot's personal chat with a user, from a conversation it knows."""
        return await open_personal_chat(self.adapter, self.app_id, place, user_id)
