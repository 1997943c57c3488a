"""Proactive messages in neutral terms: replies to a person or the DSL channel, cards updated in place.

Implements ports.TeamsMessenger, the Protocol bot/ sends through. It knows where to send (the stored
conversation references) and leaves how to the Connector (connector.BotConnector over the Bot
Framework SDK), so this module imports no SDK.
"""

from __future__ import annotations

import logging

from dialogs.messages import Reply
from handlers.teams.connector import SendFailed, activities_for
from handlers.teams.ports import BOT_TARGET, DSL_TARGET, USER_PREFIX, Connector, Member, TeamsStore

log = logging.getLogger(__name__)
__all__ = ["Messenger", "activities_for"]  # activities_for: turns.py renders replies to the turn in hand with it


class Messenger:
    """Sends to stored conversations; every failure is raised as SendFailed for the outbox to retry."""

    def __init__(self, connector: Connector, store: TeamsStore) -> None:
        self.connector, self.store = connector, store

    async def dsl_reference(self) -> dict[str, object]:
        """Returns the DSL channel's reference, or raises SendFailed saying what to fix."""
        reference = await self.store.reference(DSL_TARGET)
        if reference is None:
            raise SendFailed("the bot has not been added to the DSL team's channel yet (see docs/teams.md)")
        return reference

    async def dsl_channel_known(self) -> bool:
        """True once the bot has been added to the DSL team (the channel's reference is stored)."""
        return await self.store.reference(DSL_TARGET) is not None

    async def personal_reference(self, user_id: str) -> dict[str, object]:
        """Returns the person's personal chat, opening one (and storing it) when needed."""
        reference = await self.store.reference(USER_PREFIX + user_id)
        if reference is not None:
            return reference
        place = await self.store.reference(BOT_TARGET) or await self.store.reference(DSL_TARGET)
        if place is None:
            raise SendFailed("no Teams conversation is known yet, so a personal chat cannot be opened")
        reference = await self.connector.open_personal_chat(place, user_id)
        await self.store.save_reference(USER_PREFIX + user_id, reference)
        return reference

    async def to_person(self, user_id: str, replies: list[Reply], heading: str = "") -> list[str]:
        """Sends replies to someone's personal chat; returns the activity ids."""
        reference = await self.personal_reference(user_id)
        return await self.connector.send(reference, replies, heading)

    async def forget_person(self, user_id: str) -> None:
        """Forgets someone's personal chat that Teams refused for good, so the next send opens a new one."""
        await self.store.forget_reference(USER_PREFIX + user_id)

    async def to_dsl(self, replies: list[Reply], mentions: list[Member] | None = None,
                     mention_line: str = "") -> list[str]:
        """Posts replies in the DSL channel, with an @mention line first when asked; returns the ids."""
        reference = await self.dsl_reference()
        return await self.connector.send(reference, replies, mentions=mentions, mention_line=mention_line)

    async def update_dsl_card(self, activity_id: str, reply: Reply) -> None:
        """Replaces the alert card in the DSL channel with its current state."""
        await self.connector.update(await self.dsl_reference(), activity_id, reply)

    async def dsl_thread(self, activity_id: str, replies: list[Reply]) -> list[str]:
        """Replies in the alert's thread in the DSL channel (a new post when there is no alert)."""
        reference = await self.dsl_reference()
        conversation = reference.get("conversation")
        channel = str(conversation.get("id", "")) if isinstance(conversation, dict) else ""
        thread = f"{channel.split(';')[0]};messageid={activity_id}" if activity_id and channel else ""
        return await self.connector.send(reference, replies, thread=thread)
