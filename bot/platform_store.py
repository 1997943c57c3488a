"""Storage both chat platforms need: event ids claimed once, and replies queued when a send fails."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.concerns import staff_destination
from dialogs.messages import Reply
from storage import outbox, people

if TYPE_CHECKING:
    from bot.app import App


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
