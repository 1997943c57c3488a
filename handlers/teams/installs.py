"""Where the bot is installed: personal chats, and the DSL team's channel (only DSL members in it)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from botbuilder.core import TurnContext
from botbuilder.schema import ChannelAccount, ConversationAccount, ConversationReference

import handlers.teams.connector as connector
from handlers.teams.connector import SendFailed
from handlers.teams.ports import DSL_TARGET, USER_PREFIX, TeamsOptions, TeamsStore

log = logging.getLogger(__name__)
Greet = Callable[[TurnContext, str], Awaitable[None]]


class Installs:
    """Learns conversation references from conversationUpdate and installationUpdate activities."""

    def __init__(self, store: TeamsStore, options: TeamsOptions, greet: Greet,
                 forget: Callable[[str], object] = lambda user: None) -> None:
        self.store, self.options, self.greet, self.forget = store, options, greet, forget
        self.problem = ""

    async def handle(self, context: TurnContext) -> None:
        """Stores the references this event teaches; greets a person who just installed the bot."""
        activity = context.activity
        bot_id = getattr(activity.recipient, "id", "")
        added = [str(m.id) for m in activity.members_added or []]
        removed = [str(m.id) for m in activity.members_removed or []]
        action = str(activity.action or "").lower()
        bot_added = bot_id in added or action.startswith("add")
        bot_removed = bot_id in removed or action.startswith("remove")
        if (activity.conversation.conversation_type or "personal") == "personal":
            user = activity.from_property.id
            if bot_removed:
                await self.store.forget_reference(USER_PREFIX + user)
                self.forget(user)
            elif bot_added:
                reference = connector.stored(TurnContext.get_conversation_reference(activity))
                await self.store.save_reference(USER_PREFIX + user, reference)
                if bot_id in added:
                    await self.greet(context, user)
            return
        data: dict[str, Any] = activity.channel_data if isinstance(activity.channel_data, dict) else {}
        team = data.get("team") if isinstance(data.get("team"), dict) else None
        if not team or not team.get("id"):
            return
        team_id = str(team["id"])
        if not await self._is_dsl_team(context, team_id, str(team.get("name") or "")):
            if bot_added:
                log.warning("the bot was added to a team that is not the DSL team named in the school file; "
                            "alerts never go there")
            return
        if bot_removed:
            await self.store.forget_reference(DSL_TARGET)
            self.problem = "the bot was removed from the DSL team: add it again (docs/teams.md)"
            log.error("the bot was removed from the DSL team; alerts go to DSL members directly until it is back")
            return
        await self._bind(context, team_id)

    async def _is_dsl_team(self, context: TurnContext, team_id: str, name: str) -> bool:
        """True when the team is the one the school file names (asking Teams for its name if needed)."""
        wanted = self.options.dsl_team_name.strip().casefold()
        if not wanted:
            return False
        if not name:
            try:
                name = await connector.team_name(context, team_id)
            except SendFailed as exc:
                log.warning("could not read the team's name: %s", exc)
                return False
        return name.strip().casefold() == wanted

    async def _bind(self, context: TurnContext, team_id: str) -> None:
        """Stores the DSL channel's reference, but only while every member is on the DSL team."""
        try:
            members = await connector.team_members(context, team_id)
            channel_id = await connector.channel_id_named(context, team_id, self.options.dsl_channel_name)
        except SendFailed as exc:
            log.warning("could not check the DSL team's members or channels: %s", exc)
            return
        bot_id = getattr(context.activity.recipient, "id", "")
        people = [m for m in members if m.user_id != bot_id]
        for member in people:
            await self.store.link_member(member)
        outsiders = [m for m in people if not await self.store.is_dsl_email(m.email)]
        if outsiders:
            await self.store.forget_reference(DSL_TARGET)
            self.problem = (f"the Teams DSL team has {len(outsiders)} member(s) who are not in the school file's "
                            "DSL team; remove them (or add them to dsl_team) and the bot will post there again")
            log.error("refused to post concerns to the DSL team: %s member(s) are not in the DSL team",
                      len(outsiders))
            return
        if channel_id is None:
            self.problem = f"the DSL team has no channel named '{self.options.dsl_channel_name}'"
            log.error("the DSL team has no channel with the configured name")
            return
        await self.store.save_reference(DSL_TARGET, self._channel_reference(context, channel_id))
        self.problem = ""
        log.info("DSL channel reference stored")

    def _channel_reference(self, context: TurnContext, channel_id: str) -> dict[str, object]:
        """Returns the reference that posts new messages in the DSL channel."""
        activity = context.activity
        tenant = getattr(activity.conversation, "tenant_id", None) or self.options.tenant_id or None
        conversation = ConversationAccount(id=channel_id, is_group=True, conversation_type="channel",
                                           tenant_id=tenant)
        bot = ChannelAccount(id=activity.recipient.id, name=getattr(activity.recipient, "name", None))
        reference = ConversationReference(bot=bot, conversation=conversation, channel_id=activity.channel_id,
                                          service_url=activity.service_url)
        return connector.stored(reference)

