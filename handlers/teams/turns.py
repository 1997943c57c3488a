"""One turn in Teams: personal chat runs the dialogs; channels only redirect and carry DSL buttons."""

from __future__ import annotations

import hashlib
import logging
from typing import Any

from botbuilder.core import TurnContext
from botbuilder.schema import Activity, ActivityTypes

import handlers.teams.connector as connector
from dialogs.engine import Engine
from dialogs.intents import normalise
from dialogs.messages import Inbound, Reply, UserRef
from handlers.teams.cards import render
from handlers.teams.connector import SendFailed
from handlers.teams.installs import Installs
from handlers.teams.messenger import Messenger, activities_for
from handlers.teams.ports import BOT_TARGET, USER_PREFIX, Member, ReplyQueue, TeamsOptions, TeamsStore, Wording

log = logging.getLogger(__name__)
FILE_ATTACHMENT = "application/vnd.microsoft.teams.file"  # .download.info and the other file kinds
START_COMMANDS = {"raise a concern": "raise_concern", "raise a safeguarding concern": "raise_concern"}
MAX_CACHE = 5_000


def activity_key(activity: Activity) -> str:
    """Returns the key under which an activity is claimed (hashed when long)."""
    key = f"{activity.channel_id}:{activity.conversation.id}:{activity.id}"
    return key if len(key) <= 200 else "sha256:" + hashlib.sha256(key.encode()).hexdigest()


def tenant_of(activity: Activity) -> str:
    """Returns the tenant id of an activity (conversation first, then channel data)."""
    tenant = getattr(activity.conversation, "tenant_id", None)
    data = activity.channel_data if isinstance(activity.channel_data, dict) else {}
    from_data = data.get("tenant") if isinstance(data.get("tenant"), dict) else {}
    return str(tenant or (from_data or {}).get("id") or "")


class TeamsTurns:
    """Handles each activity the adapter passes in."""

    def __init__(self, engine: Engine, store: TeamsStore, queue: ReplyQueue, words: Wording,
                 options: TeamsOptions, messenger: Messenger) -> None:
        self.engine, self.store, self.queue, self.words = engine, store, queue, words
        self.options, self.messenger = options, messenger
        self._people: dict[str, Member] = {}
        self._chats: dict[str, tuple[str, str]] = {}
        self.installs = Installs(store, options, self.greet_personal, lambda user: self._chats.pop(user, None))
        self._bot_place: tuple[str, str, str] | None = None

    async def on_turn(self, context: TurnContext) -> None:
        """Claims the activity (repeats are dropped), then handles it; a failure frees the claim."""
        activity = context.activity
        if self.options.tenant_id and tenant_of(activity) != self.options.tenant_id:
            log.warning("ignored a Teams activity from another tenant")
            return
        key = activity_key(activity) if activity.id else ""
        if key and not await self.store.claim(key):
            log.info("repeated Teams activity ignored")
            return
        try:
            connector.quiet(context)
            await self._remember_bot(activity)
            await self._dispatch(context)
        except BaseException:
            if key:
                await self.store.release(key)
            raise

    async def _dispatch(self, context: TurnContext) -> None:
        """Sends each kind of activity to its handler; anything else is ignored."""
        activity = context.activity
        if activity.type == ActivityTypes.message:
            kind = activity.conversation.conversation_type or "personal"
            value = activity.value if isinstance(activity.value, dict) else None
            if kind == "personal":
                await self._personal(context, value)
            elif value is not None and isinstance(value.get("choice"), str):
                await self._channel_press(context, value)
            else:
                await self._channel_mention(context)
        elif activity.type in (ActivityTypes.conversation_update, ActivityTypes.installation_update):
            await self.installs.handle(context)

    async def _remember_bot(self, activity: Activity) -> None:
        """Keeps where the bot was last reached, so personal chats can be opened proactively."""
        place = (activity.service_url or "", tenant_of(activity), getattr(activity.recipient, "id", "") or "")
        if place == self._bot_place or not all(place):
            return
        reference = TurnContext.get_conversation_reference(activity)
        reference.conversation.tenant_id = place[1]
        await self.store.save_reference(BOT_TARGET, connector.stored(reference))
        self._bot_place = place

    # --- who is talking ---------------------------------------------------------------------------

    async def who(self, context: TurnContext, user_id: str) -> Member | None:
        """Returns the person's Teams identity with their email, or None if it cannot be found."""
        name = str(getattr(context.activity.from_property, "name", "") or "")
        if user_id in self._people:
            return self._people[user_id]
        email = await self.store.known_email(user_id)
        found = Member(user_id, name, email) if email else None
        if found is None:
            try:
                found = await connector.member(context, user_id)
            except SendFailed as exc:
                log.warning("could not look up a Teams user in the roster: %s", exc)
                return None
            if not found.email:
                return None
            await self.store.link_member(found)
        if len(self._people) >= MAX_CACHE:
            self._people.clear()
            self._chats.clear()
        self._people[user_id] = found
        return found

    def inbound(self, context: TurnContext, member: Member, value: dict[str, Any] | None = None,
                text: str | None = None) -> Inbound:
        """Returns the neutral message; the conversation is always the person's personal chat."""
        tenant = tenant_of(context.activity)
        user = UserRef("teams", tenant, member.user_id, member.email, member.name or None)
        key = f"teams:{tenant}:user:{member.user_id}"
        if value is not None and isinstance(value.get("choice"), str):
            token = value.get("token")
            return Inbound(user, key, choice=value["choice"][:200],
                           prompt_token=str(token) if isinstance(token, str) and token else None)
        return Inbound(user, key, text=text or "", files=sent_files(context.activity))

    # --- personal chat ----------------------------------------------------------------------------

    async def _personal(self, context: TurnContext, value: dict[str, Any] | None) -> None:
        """Runs the dialogs for a message in personal chat, answering in the same chat."""
        activity = context.activity
        user_id = activity.from_property.id
        place = (activity.conversation.id, activity.service_url or "")
        if self._chats.get(user_id) != place:
            await self.store.save_reference(USER_PREFIX + user_id,
                                            connector.stored(TurnContext.get_conversation_reference(activity)))
            self._chats[user_id] = place
        await self._typing(context)
        member = await self.who(context, user_id)
        if member is None:
            await self._send_here(context, [Reply(self.words("teams.unknown_user"))])
            return
        text = without_bot_mention(activity)
        inbound = self.inbound(context, member, value, text)
        command = START_COMMANDS.get(normalise(text or ""))
        replies = await (self.engine.start(inbound, command) if command and value is None
                         else self.engine.handle(inbound))
        await self._reply_personal(context, user_id, replies)

    async def _typing(self, context: TurnContext) -> None:
        """Shows the typing indicator (a failure here is not worth failing the turn)."""
        try:
            await context.send_activity(Activity(type=ActivityTypes.typing))
        except connector.FAILURES as exc:
            log.info("typing indicator not sent: %s", connector.failure(exc))

    async def _send_here(self, context: TurnContext, replies: list[Reply]) -> bool:
        """Replies in the conversation the activity came from; False when Teams cannot take it now."""
        return await _send(context, activities_for(replies))

    async def _reply_personal(self, context: TurnContext, user_id: str, replies: list[Reply]) -> None:
        """Answers in personal chat; if Teams cannot take it now, the outbox delivers it later."""
        if not await self._send_here(context, replies):
            log.warning("reply queued for the outbox")
            await self.queue.queue(user_id, replies)

    async def greet_personal(self, context: TurnContext, user_id: str) -> None:
        """Greets someone in their personal chat (the bot was just installed for them)."""
        member = await self.who(context, user_id)
        if member is not None:
            await self._send_here(context, await self.engine.greet(self.inbound(context, member)))

    # --- channels ---------------------------------------------------------------------------------

    async def to_personal(self, user_id: str, replies: list[Reply]) -> bool:
        """Sends replies to someone's personal chat (never the channel); queues them if Teams fails."""
        try:
            await self.messenger.to_person(user_id, replies)
            return True
        except SendFailed as exc:
            log.warning("personal message not sent (%s); queued for the outbox", exc)
            return await self.queue.queue(user_id, replies)

    async def _channel_press(self, context: TurnContext, value: dict[str, Any]) -> None:
        """A DSL button in the channel: the answer (details included) goes to the presser's personal chat."""
        user_id = context.activity.from_property.id
        member = await self.who(context, user_id)
        if member is None:
            await self._send_here(context, [Reply(self.words("teams.unknown_user"))])
            return
        replies = await self.engine.handle(self.inbound(context, member, value))
        if not await self.to_personal(user_id, replies):
            await self._send_here(context, [Reply(self.words("teams.open_personal_chat"))])

    async def _channel_mention(self, context: TurnContext) -> None:
        """A mention in a channel or group chat: a short reply moving to personal chat; text ignored."""
        reply = Reply(self.words("teams.channel_redirect"))
        activities = [connector.card_activity(card) for card in render(reply)]
        if self.options.app_id:
            link = f"https://teams.microsoft.com/l/chat/0/0?users=28:{self.options.app_id}"
            content = activities[-1].attachments[0].content
            content["actions"] = [{"type": "Action.OpenUrl", "title": self.words("teams.open_chat"), "url": link}]
        await _send(context, activities)  # if it is lost, the personal chat below still greets them
        user_id = context.activity.from_property.id
        member = await self.who(context, user_id)
        if member is not None:
            await self.to_personal(user_id, await self.engine.greet(self.inbound(context, member)))


async def _send(context: TurnContext, activities: list[Activity]) -> bool:
    """Sends activities to the conversation in hand; a connector that fails is logged (no content), False."""
    try:
        await context.send_activities(activities)
    except connector.FAILURES as exc:
        log.warning("reply not sent: %s", connector.failure(exc))
        return False
    return True


def without_bot_mention(activity: Activity) -> str:
    """Returns the text without the tags of mentions of the bot (the SDK's own version trips on odd entities)."""
    text = activity.text or ""
    bot = getattr(activity.recipient, "id", None)
    for entity in activity.entities or []:
        extra = getattr(entity, "additional_properties", None) or {}
        mentioned, tag = extra.get("mentioned"), extra.get("text")
        if (str(getattr(entity, "type", "")).lower() == "mention" and isinstance(mentioned, dict)
                and mentioned.get("id") == bot and isinstance(tag, str) and tag):
            text = text.replace(tag, "")
    return text


def sent_files(activity: Activity) -> int:
    """Counts the files and pictures a person sent (not the HTML copy Teams adds, nor cards): never fetched."""
    return sum(1 for attachment in activity.attachments or []
               if str(attachment.content_type or "").startswith(("image/", "video/", "audio/", FILE_ATTACHMENT)))
