"""Storage both chat platforms need: event ids claimed once, and replies queued when a send fails."""

from __future__ import annotations

from dialogs.messages import Reply
from storage import outbox, people
from storage.db import Database
from storage.outbox import OutboxKind, StaffDM


class DbEventLedger:
    """Implements a handler's EventLedger: each platform event id is processed once ("slack" or "teams")."""

    def __init__(self, db: Database, platform: str) -> None:
        self.db, self.platform = db, platform

    async def claim(self, event_id: str) -> bool:
        """Records an event id; False if it was already processed."""
        async with self.db.transaction() as session:
            return await people.claim_event(session, self.platform, event_id)

    async def release(self, event_id: str) -> None:
        """Forgets a claimed event id after a failed turn, so the platform's retry is processed."""
        async with self.db.transaction() as session:
            await people.release_event(session, self.platform, event_id)


class DbReplyQueue:
    """Implements a handler's ReplyQueue: replies that could not be sent at once go to the outbox."""

    def __init__(self, db: Database, school_id: int, platform: str) -> None:
        self.db, self.school_id, self.platform = db, school_id, platform

    async def queue(self, user_id: str, replies: list[Reply]) -> bool:
        """Queues replies for someone's direct messages in the outbox; False if they are not known."""
        async with self.db.transaction() as session:
            staff = await people.staff_by_platform_id(session, self.school_id, self.platform, user_id)
            if staff is None or staff.id is None:
                return False
            payload: dict[str, object] = {"reply": replies[0].to_json() if replies else Reply("").to_json(),
                                          "replies": [r.to_json() for r in replies]}
            await outbox.enqueue(session, self.school_id, self.platform, StaffDM(staff.id), OutboxKind.REPLY,
                                 payload)
        return True
