"""Proactive messages in neutral terms: replies to a person or the DSL channel, cards updated in place."""

from __future__ import annotations

import logging

from botbuilder.integration.aiohttp import CloudAdapter
from botbuilder.schema import Activity

from dialogs.messages import Reply
from handlers.teams import connector
from handlers.teams.cards import render
from handlers.teams.connector import SendFailed
from handlers.teams.ports import BOT_TARGET, DSL_TARGET, USER_PREFIX, Member, TeamsStore

log = logging.getLogger(__name__)


def activities_for(replies: list[Reply], heading: str = "") -> list[Activity]:
    """Renders replies as card activities (a long reply becomes several cards)."""
    out: list[Activity] = []
    for index, reply in enumerate(replies):
        out += [connector.card_activity(card) for card in render(reply, heading=heading if index == 0 else "")]
    return out


def mention_text(text: str, members: list[Member]) -> str:
    """Returns the text with each member's <at> tag in front, names escaped."""
    tags = " ".join(f"<at>{connector.escape(m.name)}</at>" for m in members)
    return f"{tags} {connector.escape(text)}".strip()


class Messenger:
    """Sends to stored conversations; every failure is raised as SendFailed for the outbox to retry."""

    def __init__(self, adapter: CloudAdapter, app_id: str, store: TeamsStore) -> None:
        self.adapter, self.app_id, self.store = adapter, app_id, store

    async def dsl_reference(self) -> dict[str, object]:
        """Returns the DSL channel's reference, or raises SendFailed saying what to fix."""
        reference = await self.store.reference(DSL_TARGET)
        if reference is None:
            raise SendFailed("the bot has not been added to the DSL team's channel yet (see docs/teams.md)")
        return reference

    async def personal_reference(self, user_id: str) -> dict[str, object]:
        """Returns the person's personal chat, opening one (and storing it) when needed."""
        reference = await self.store.reference(USER_PREFIX + user_id)
        if reference is not None:
            return reference
        place = await self.store.reference(BOT_TARGET) or await self.store.reference(DSL_TARGET)
        if place is None:
            raise SendFailed("no Teams conversation is known yet, so a personal chat cannot be opened")
        reference = await connector.open_personal_chat(self.adapter, self.app_id, place, user_id)
        await self.store.save_reference(USER_PREFIX + user_id, reference)
        return reference

    async def to_person(self, user_id: str, replies: list[Reply], heading: str = "") -> list[str]:
        """Sends replies to someone's personal chat; returns the activity ids."""
        reference = await self.personal_reference(user_id)
        return await connector.send(self.adapter, self.app_id, reference, activities_for(replies, heading))

    async def to_dsl(self, replies: list[Reply], mentions: list[Member] | None = None,
                     mention_line: str = "") -> list[str]:
        """Posts replies in the DSL channel, with an @mention line first when asked; returns the ids."""
        reference = await self.dsl_reference()
        activities = activities_for(replies)
        if mention_line:
            lead = connector.text_activity(mention_text(mention_line, mentions or []), mentions)
            activities[0].text, activities[0].entities = lead.text, lead.entities
        return await connector.send(self.adapter, self.app_id, reference, activities)

    async def update_dsl_card(self, activity_id: str, reply: Reply) -> None:
        """Replaces the alert card in the DSL channel with its current state."""
        reference = await self.dsl_reference()
        cards = activities_for([reply])
        await connector.update(self.adapter, self.app_id, reference, activity_id, cards[0])

    async def dsl_thread(self, activity_id: str, replies: list[Reply]) -> list[str]:
        """Replies in the alert's thread in the DSL channel (a new post when there is no alert)."""
        reference = await self.dsl_reference()
        conversation = reference.get("conversation")
        channel = str(conversation.get("id", "")) if isinstance(conversation, dict) else ""
        thread = f"{channel.split(';')[0]};messageid={activity_id}" if activity_id and channel else ""
        return await connector.send(self.adapter, self.app_id, reference, activities_for(replies), thread)
