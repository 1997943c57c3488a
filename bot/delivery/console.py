"""Delivers outbox messages to people using the local console (platform "console")."""

from __future__ import annotations

import json

from bot.delivery.platforms import replies_of
from bot.services.concerns import DSL_CHANNEL, staff_destination
from bot.services.directory import SchoolDirectory
from dialogs.messages import Reply
from storage import outbox, people
from storage.db import Database
from storage.models import Outbox

ALERT_KINDS = ("dsl_urgent", "dsl_direct", "dsl_fallback")


def replies_for(row: Outbox) -> list[Reply]:
    """Turns an outbox row's neutral payload into the replies to show."""
    payload = json.loads(row.payload)
    if row.kind == "dsl_update":
        return [Reply.from_json(payload["thread"])]
    return replies_of(payload)


class ConsoleMailbox:
    """Implements the console's Mailbox over the outbox table."""

    def __init__(self, db: Database, directory: SchoolDirectory) -> None:
        self.db, self.directory = db, directory

    async def collect(self, email: str) -> list[Reply]:
        """Returns and marks delivered the messages for this person (and the DSL channel's, if DSL)."""
        school_id = self.directory.school_id
        async with self.db.transaction() as session:
            staff = await people.staff_by_email(session, school_id, email)
            if staff is None or staff.id is None:
                return []
            destinations = [staff_destination(staff.id)]
            if self.directory.is_dsl(email):
                destinations.append(DSL_CHANNEL)
            rows = await outbox.pending_for(session, school_id, "console", destinations)
            replies: list[Reply] = []
            alerts_shown: set[object] = set()
            for row in rows:
                await outbox.mark_delivered(session, row, f"console:{email}")
                if row.kind in ALERT_KINDS:
                    # On one console the channel alert and the direct copy would say the same thing twice.
                    if row.concern_id in alerts_shown:
                        continue
                    alerts_shown.add(row.concern_id)
                replies += replies_for(row)
            return replies
