"""Storage both chat platforms need: event ids claimed once, and replies queued when a send fails."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from sqlmodel import col, select

from bot.services.concerns import DSL_CHANNEL, staff_destination
from dialogs.messages import Reply
from storage import outbox, people
from storage.models import Outbox

if TYPE_CHECKING:
    from bot.app import App

ALERT_KINDS = ("dsl_alert", "dsl_urgent")


class PlatformStore:
    """Event-id claims and queued replies for one platform ("slack" or "teams")."""

    def __init__(self, app: App, platform: str) -> None:
        self.app, self.db, self.school_id, self.platform = app, app.db, app.school_id, platform

    async def claim(self, event_id: str) -> bool:
        """Records an event id; False if it was already processed."""
        async with self.db.transaction() as session:
            return await people.claim_event(session, self.platform, event_id)

    async def release(self, event_id: str) -> None:
        """Forgets a claimed event id after a failed turn, so the platform's retry is processed."""
        async with self.db.transaction() as session:
            await people.release_event(session, self.platform, event_id)

    async def queue(self, user_id: str, replies: list[Reply]) -> bool:
        """Queues replies for someone's direct messages in the outbox; False if they are not known."""
        async with self.db.transaction() as session:
            staff = await people.staff_by_platform_id(session, self.school_id, self.platform, user_id)
            if staff is None or staff.id is None:
                return False
            payload: dict[str, object] = {"reply": replies[0].to_json() if replies else Reply("").to_json(),
                                          "replies": [r.to_json() for r in replies]}
            await outbox.enqueue(session, self.school_id, self.platform, staff_destination(staff.id), "reply",
                                 payload)
        return True

    async def newest_alert(self, concern_id: int | None) -> Reply | None:
        """Returns the alert as the newest update left it (updates may be sent in any order)."""
        if concern_id is None:
            return None
        async with self.db.transaction() as session:
            query = (select(Outbox.payload)
                     .where(Outbox.concern_id == concern_id, Outbox.platform == self.platform,
                            Outbox.kind == "dsl_update")
                     .order_by(col(Outbox.id).desc()).limit(1))
            payload = (await session.exec(query)).first()
        alert = json.loads(payload).get("alert") if payload else None
        return Reply.from_json(alert) if isinstance(alert, dict) else None

    async def alert_state(self, concern_id: int | None) -> tuple[bool, str]:
        """Returns whether a concern's channel alert is still pending, and the id it was delivered with."""
        if concern_id is None:
            return False, ""
        async with self.db.transaction() as session:
            query = (select(Outbox)
                     .where(Outbox.concern_id == concern_id, Outbox.destination == DSL_CHANNEL,
                            Outbox.platform == self.platform, col(Outbox.kind).in_(ALERT_KINDS))
                     .order_by(col(Outbox.id).desc()))
            rows = list((await session.exec(query)).all())
        pending = any(r.status == "pending" for r in rows)
        delivered = next((r.platform_message_id for r in rows if r.status == "delivered"), "")
        return pending, delivered
