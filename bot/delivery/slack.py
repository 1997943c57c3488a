"""Wires handlers/slack into the server: the records and storage it asks for, and outbox delivery.

What is Slack's (mentions, channel ids, error codes, the private-channel checks) is in handlers/slack;
this module answers its Protocols from the database and the school file, and says what to send.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC

from aiohttp import web

from bot.delivery.inbox import DbInbox, InboxWorker, doorbell_for
from bot.delivery.platform_store import DbEventLedger, DbReplyQueue
from bot.delivery.platforms import DeliveryError, Hosting, OutboundMessage, Platform
from bot.services.concerns import ConcernService
from bot.services.directory import SchoolDirectory
from bot.services.wording import Words
from dialogs.contacts import contacts_reply
from dialogs.messages import UserRef
from handlers.slack import HomeView, OutboxRow, Recipient, SendFailed, SlackEndpoint, SlackOptions, SlackOutbound
from storage import people
from storage.clock import Clock
from storage.db import Database
from storage.models import Staff
from storage.outbox import DslChannel, OutboxKind

log = logging.getLogger(__name__)
PLATFORM = "slack"


def _recipient(staff: Staff) -> Recipient:
    assert staff.id is not None
    return Recipient(staff.id, staff.email, staff.slack_user_id or "")


class DbSlackPeople:
    """Implements the Slack handler's SlackPeople over the staff table and the school file's DSL team."""

    def __init__(self, db: Database, directory: SchoolDirectory) -> None:
        self.db, self.directory = db, directory

    async def recipient(self, staff_id: int) -> Recipient | None:
        """Returns a member of staff by id."""
        async with self.db.reading() as session:
            staff = await people.staff_by_id(session, staff_id)
        return _recipient(staff) if staff is not None else None

    async def dsl_team(self) -> list[Recipient]:
        """Returns the DSL team (from the school file) as recipients."""
        async with self.db.reading() as session:
            rows = await people.list_staff(session, self.directory.school_id, dsl_only=True)
        return [_recipient(s) for s in rows if self.directory.is_dsl(s.email)]

    async def link(self, staff_id: int, user_id: str) -> None:
        """Remembers a member of staff's Slack user id."""
        async with self.db.transaction() as session:
            staff = await people.staff_by_id(session, staff_id)
            if staff is not None and staff.slack_user_id != user_id:
                staff.slack_user_id = user_id
                session.add(staff)

    def is_dsl(self, email: str) -> bool:
        """True only for people in the school file's DSL team."""
        return self.directory.is_dsl(email)


class DbDirectChannels:
    """Implements the Slack handler's DirectChannels over the conversation_ref table."""

    def __init__(self, db: Database, school_id: int) -> None:
        self.db, self.school_id = db, school_id

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


class SlackHome:
    """Implements the Slack handler's HomeSource: today's contacts and the person's own concerns."""

    def __init__(self, directory: SchoolDirectory, concerns: ConcernService, words: Words, clock: Clock) -> None:
        self.directory, self.concerns, self.words, self.clock = directory, concerns, words, clock

    async def home(self, user: UserRef) -> HomeView:
        """Returns today's contacts and the person's own concerns (reference and status)."""
        person = await self.directory.identify(user)
        now = self.clock()
        mine = await self.concerns.mine(person)
        return HomeView(contacts_reply(self.directory.contacts(now), self.words, now),
                        tuple((ref, self.words(f"status.{s}")) for ref, s in mine))


class SlackPlatform:
    """Slack, hosted in the shared aiohttp server (or over Socket Mode)."""

    name = PLATFORM

    def __init__(self, app: Hosting) -> None:
        settings = app.settings
        self.app = app
        self.options = SlackOptions(settings.slack_bot_token.strip(), settings.slack_signing_secret.strip(),
                                    settings.slack_app_token.strip(), settings.slack_api_url.strip())
        doorbell = doorbell_for(app.db)
        self.endpoint = SlackEndpoint(self.options, app.engine, DbEventLedger(app.db, PLATFORM),
                                      SlackHome(app.directory, app.concerns, app.words, app.clock),
                                      DbReplyQueue(app.db, app.school_id, PLATFORM), app.words,
                                      DbInbox(app.db, app.school_id, PLATFORM, doorbell))
        self.inbox_worker = InboxWorker(app.db, PLATFORM, self.endpoint.process, doorbell)
        self.api = self.endpoint.api
        self.outbound = SlackOutbound(self.api, DbSlackPeople(app.db, app.directory),
                                      DbDirectChannels(app.db, app.school_id), app.words, app.config.slack.dsl_channel)

    def add_routes(self, web_app: web.Application) -> None:
        """Adds POST /slack/events."""
        self.endpoint.add_routes(web_app)

    async def deliver(self, message: OutboundMessage) -> str:
        """Sends one outbox message; raises DeliveryError so the outbox retries and falls back."""
        try:
            row = _outbox_row(message)
            if message.kind is OutboxKind.DSL_UPDATE and message.thread is not None:
                return await self.outbound.update_alert(row, message.alert_message_id, message.replies[0],
                                                        message.thread)
            if isinstance(message.destination, DslChannel):
                return await self.outbound.to_channel(row, message.replies, message.kind is OutboxKind.DSL_URGENT)
            heading = self.app.words("slack.fallback_heading") if message.kind is OutboxKind.DSL_FALLBACK else ""
            return await self.outbound.to_person(row, message.destination.staff_id, message.replies, heading)
        except SendFailed as exc:
            raise DeliveryError(str(exc), exc.retry_after, rate_limited=exc.rate_limited) from exc

    async def readiness(self) -> list[str]:
        """Returns what stops Slack from working, each with what to fix."""
        problems = list(self.endpoint.problems)
        if self.app.config.school.platform != PLATFORM:
            problems.append(f"Slack: the school file says platform = '{self.app.config.school.platform}', so "
                            "concerns are not sent to Slack; set platform = \"slack\" under [school]")
        return problems + await self.outbound.problems()

    async def start(self) -> None:
        """Connects Socket Mode if set, then says loudly what is wrong with the Slack set-up."""
        await self.endpoint.start()
        for problem in await self.readiness():
            log.error("%s", problem)

    async def stop(self) -> None:
        """Disconnects Socket Mode."""
        await self.endpoint.stop()


def _outbox_row(message: OutboundMessage) -> OutboxRow:
    """The row a send is for, and when an earlier send of it began that may have reached Slack (stored in UTC)."""
    since = message.unconfirmed_since
    if since is not None and since.tzinfo is None:
        since = since.replace(tzinfo=UTC)
    return OutboxRow(message.outbox_id, since.timestamp() if since is not None else None)


def slack_platform(app: Hosting) -> Platform | None:
    """Returns the Slack platform when SLACK_BOT_TOKEN is set or the school file says platform = "slack"."""
    if app.settings.slack_bot_token or app.config.school.platform == PLATFORM:
        return SlackPlatform(app)
    return None
