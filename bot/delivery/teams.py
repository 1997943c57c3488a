"""Wires handlers/teams into the server: storage for it, outbox delivery, readiness."""

from __future__ import annotations

import json
import logging

from aiohttp import web
from sqlmodel import col, select

from bot.delivery.platform_store import DbEventLedger, DbReplyQueue
from bot.delivery.platforms import DeliveryError, Hosting, OutboundMessage, Platform
from bot.services.directory import SchoolDirectory
from dialogs.messages import Reply
from handlers.teams import Member, SendFailed, TeamsEndpoint, TeamsOptions
from storage import people
from storage.db import Database
from storage.models import Staff
from storage.outbox import DslChannel, OutboxKind

log = logging.getLogger(__name__)
PLATFORM = "teams"


class DbTeamsStore(DbEventLedger):
    """Implements the Teams handler's TeamsStore (activity ids, conversation references, staff links)."""

    def __init__(self, db: Database, directory: SchoolDirectory) -> None:
        super().__init__(db, PLATFORM)
        self.directory, self.school_id = directory, directory.school_id

    async def save_reference(self, target: str, reference: dict[str, object]) -> None:
        """Stores a conversation reference."""
        async with self.db.transaction() as session:
            await people.save_conversation_ref(session, self.school_id, PLATFORM, target, json.dumps(reference))

    async def reference(self, target: str) -> dict[str, object] | None:
        """Returns a stored conversation reference."""
        async with self.db.transaction() as session:
            found = await people.conversation_ref(session, self.school_id, PLATFORM, target)
        data = json.loads(found) if found else None
        return data if isinstance(data, dict) else None

    async def forget_reference(self, target: str) -> None:
        """Removes a stored conversation reference."""
        async with self.db.transaction() as session:
            await people.forget_conversation_ref(session, self.school_id, PLATFORM, target)

    async def known_email(self, user_id: str) -> str | None:
        """Returns the email of the member of staff linked to this Teams id."""
        async with self.db.transaction() as session:
            staff = await people.staff_by_platform_id(session, self.school_id, PLATFORM, user_id)
        if staff is None or staff.email.startswith(f"{PLATFORM}:"):
            return None
        return staff.email

    async def link_member(self, member: Member) -> None:
        """Links a Teams id to the member of staff with that email (existing staff only)."""
        if not member.email:
            return
        async with self.db.transaction() as session:
            staff = await people.staff_by_email(session, self.school_id, member.email)
            if staff is not None and staff.teams_user_id != member.user_id:
                staff.teams_user_id = member.user_id
                session.add(staff)

    async def is_dsl_email(self, email: str) -> bool:
        """True only for people in the school file's DSL team."""
        return bool(email) and self.directory.is_dsl(email)

    async def teams_id_of(self, staff_id: int) -> str | None:
        """Returns a member of staff's Teams user id, if known."""
        async with self.db.transaction() as session:
            staff = await people.staff_by_id(session, staff_id)
        return staff.teams_user_id if staff is not None else None

    async def dsl_members(self) -> list[Member]:
        """Returns the DSL team members whose Teams ids are known (for @mentions)."""
        async with self.db.transaction() as session:
            query = select(Staff).where(Staff.school_id == self.school_id, col(Staff.is_dsl).is_(True),
                                        col(Staff.teams_user_id).is_not(None), col(Staff.active).is_(True))
            rows = list((await session.exec(query)).all())
        return [Member(str(s.teams_user_id), s.name, s.email) for s in rows if self.directory.is_dsl(s.email)]


class TeamsPlatform:
    """Microsoft Teams, hosted in the shared aiohttp server."""

    name = PLATFORM

    def __init__(self, app: Hosting) -> None:
        settings, place = app.settings, app.config.teams
        self.app = app
        self.options = TeamsOptions(settings.microsoft_app_id.strip(), settings.microsoft_app_password,
                                    settings.microsoft_app_type.strip() or "SingleTenant",
                                    settings.microsoft_app_tenant_id.strip(), place.dsl_team_name,
                                    place.dsl_channel_name)
        self.store = DbTeamsStore(app.db, app.directory)
        queue = DbReplyQueue(app.db, app.school_id, PLATFORM)
        self.endpoint = TeamsEndpoint(self.options, app.engine, self.store, queue, app.words)
        self.messenger = self.endpoint.messenger

    def add_routes(self, web_app: web.Application) -> None:
        """Adds POST /api/messages."""
        self.endpoint.add_routes(web_app)

    async def deliver(self, message: OutboundMessage) -> str:
        """Sends one outbox message; raises DeliveryError so the outbox retries and falls back."""
        try:
            if message.kind is OutboxKind.DSL_UPDATE and message.thread is not None:
                return await self._update(message.alert_message_id, message.replies[0], message.thread)
            if isinstance(message.destination, DslChannel):
                return await self._to_channel(message)
            return await self._to_staff(message.destination.staff_id, message)
        except SendFailed as exc:
            raise DeliveryError(str(exc), exc.retry_after, rate_limited=exc.status == 429) from exc

    async def _to_channel(self, message: OutboundMessage) -> str:
        """Posts in the DSL channel; an urgent alert @mentions the DSL members Teams knows."""
        mentions: list[Member] = []
        line = ""
        if message.kind is OutboxKind.DSL_URGENT:
            mentions = await self.store.dsl_members()
            line = self.app.words("teams.urgent_mention", reference=message.reference)
        ids = await self.messenger.to_dsl(list(message.replies), mentions, line)
        return ids[0] if ids else ""

    async def _to_staff(self, staff_id: int, message: OutboundMessage) -> str:
        """Sends to one member of staff's personal chat (opened if needed)."""
        user_id = await self.store.teams_id_of(staff_id)
        if not user_id:
            raise DeliveryError(f"staff {staff_id} has no Teams id yet: they need to open a chat with the bot "
                                "once (or be in the DSL team the bot is added to)")
        heading = self.app.words("teams.fallback_heading") if message.kind is OutboxKind.DSL_FALLBACK else ""
        try:
            ids = await self.messenger.to_person(user_id, list(message.replies), heading)
        except SendFailed as exc:
            if exc.permanent:
                await self.messenger.forget_person(user_id)
            raise
        return ids[0] if ids else ""

    async def _update(self, alert_id: str, alert: Reply, thread: Reply) -> str:
        """Updates the alert card in place and replies in its thread with the progress line."""
        if not alert_id:
            ids = await self.messenger.to_dsl([thread, alert])
            return ids[0] if ids else ""
        try:
            await self.messenger.update_dsl_card(alert_id, alert)
        except SendFailed as exc:
            if not exc.permanent:
                raise
            log.warning("alert card could not be updated in place (%s); posting its current state", exc)
            await self.messenger.to_dsl([alert])
        ids = await self.messenger.dsl_thread(alert_id, [thread])
        return ids[0] if ids else ""

    async def readiness(self) -> list[str]:
        """Returns what stops Teams from working, each with what to fix."""
        problems = list(self.endpoint.problems)
        school = self.app.config.school
        if school.platform != PLATFORM:
            problems.append(f"Teams: the school file says platform = '{school.platform}', so concerns are not "
                            "sent to Teams; set platform = \"teams\" under [school]")
        name = self.options.dsl_team_name
        if not name:
            problems.append("Teams: set dsl_team_name under [teams] in the school file (the team of the DSL team)")
        elif not await self.messenger.dsl_channel_known():
            problems.append("Teams: " + (self.endpoint.install_problem or
                                         f"the bot has not been added to the DSL team '{name}' yet: add the app "
                                         "to that team (docs/teams.md)"))
        return problems

    async def start(self) -> None:
        """Says loudly when requests are not authenticated."""
        if not self.options.authenticated:
            log.warning("Teams: MicrosoftAppId is not set; /api/messages accepts UNAUTHENTICATED requests. "
                        "Local testing only.")
        for problem in self.endpoint.problems if self.options.authenticated else []:
            log.error("%s", problem)

    async def stop(self) -> None:
        """Nothing runs in the background."""


def teams_platform(app: Hosting) -> Platform | None:
    """Returns the Teams platform when MicrosoftAppId is set or the school file says platform = "teams"."""
    if app.settings.microsoft_app_id or app.config.school.platform == PLATFORM:
        return TeamsPlatform(app)
    return None
