"""Delivers outbox messages to people using the local console (platform "console")."""

from __future__ import annotations

import json

from bot.delivery.platforms import Alerts, replies_of
from bot.services.directory import SchoolDirectory
from dialogs.messages import Reply
from storage import outbox, people
from storage.db import Database
from storage.models import Outbox
from storage.outbox import DSL, Destination, OutboxKind, StaffDM

# On one console the channel alert and the direct copy (or the fallback copy) would say the same thing twice.
ONCE_PER_CONCERN = {OutboxKind.DSL_URGENT, OutboxKind.DSL_DIRECT, OutboxKind.DSL_FALLBACK}


class ConsoleMailbox:
    """Implements the console's Mailbox over the outbox table; alerts are drawn from the concern when shown."""

    def __init__(self, db: Database, directory: SchoolDirectory, alerts: Alerts) -> None:
        self.db, self.directory, self.alerts = db, directory, alerts

    async def replies_for(self, row: Outbox) -> list[Reply]:
        """Turns an outbox row into the replies to show: an update's progress line, a concern's alert as it stands."""
        payload = json.loads(row.payload)
        kind = OutboxKind(row.kind)
        if kind is OutboxKind.DSL_UPDATE:
            return [Reply.from_json(payload["thread"])]
        alert = await self.alerts.alert(row.concern_id) if kind.shows_alert and row.concern_id is not None else None
        return [alert] if alert is not None else replies_of(payload)

    async def collect(self, email: str) -> list[Reply]:
        """Returns and marks delivered the messages for this person (and the DSL channel's, if DSL)."""
        school_id = self.directory.school_id
        async with self.db.transaction() as session:
            staff = await people.staff_by_email(session, school_id, email)
            if staff is None or staff.id is None:
                return []
            destinations: list[Destination] = [StaffDM(staff.id)]
            if self.directory.is_dsl(email):
                destinations.append(DSL)
            rows = await outbox.pending_for(session, school_id, "console", destinations)
            replies: list[Reply] = []
            alerts_shown: set[object] = set()
            for row in rows:
                await outbox.mark_delivered(session, row, f"console:{email}")
                if row.kind in ONCE_PER_CONCERN:
                    if row.concern_id in alerts_shown:
                        continue
                    alerts_shown.add(row.concern_id)
                replies += await self.replies_for(row)
            return replies
