"""Saves dialog sessions (encrypted, versioned against two writers); applies their turns' side effects once."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from dialogs.ports import Person, SavedSession, VersionConflict
from storage import sessions
from storage.db import Database

# Marks the inbox event whose turn is running done in the transaction that saves its session
# (bot.delivery.inbox.settle_with, handed in by bot.app): the two commit together.
Settle = Callable[[AsyncSession], Awaitable[None]]


class DbSessionStore:
    """Implements the dialogs' SessionStore over the dialog_session table."""

    def __init__(self, db: Database, settle_with: Settle, clock: Callable[[], datetime] | None = None) -> None:
        self.db, self.clock, self.settle_with = db, clock, settle_with

    async def load(self, school_id: int, key: str) -> SavedSession | None:
        """Returns the saved session for a conversation, decrypting its data."""
        async with self.db.reading() as session:
            row = await sessions.load(session, school_id, key)
            if row is None:
                return None
            data = json.loads(self.db.cipher.decrypt(row.data_enc))
            return SavedSession(row.dialog, row.state, data, row.prompt_token, json.loads(row.history),
                                row.version, row.updated_at)

    async def save(self, school_id: int, key: str, person: Person, saved: SavedSession) -> None:
        """Saves the session; raises VersionConflict if it changed since it was loaded."""
        values = {"dialog": saved.dialog, "state": saved.state, "prompt_token": saved.prompt_token,
                  "data_enc": self.db.cipher.encrypt(json.dumps(saved.data)),
                  "history": json.dumps(saved.history)}
        try:
            async with self.db.transaction() as session:
                now = self.clock().astimezone(UTC) if self.clock else None
                await sessions.save(session, school_id, key, person.staff_id, values, saved.version, now)
                await self.settle_with(session)
        except sessions.StaleVersion as exc:
            raise VersionConflict(key) from exc

    async def delete(self, school_id: int, key: str) -> None:
        """Forgets a conversation's session."""
        async with self.db.transaction() as session:
            await sessions.delete_session(session, school_id, key)
            await self.settle_with(session)


async def replayed(session: AsyncSession, school_id: int, once: str) -> dict[str, object] | None:
    """Claims a turn's side effect by its key: None to apply it now, else what the run that applied it returned.

    Call it first in the transaction that applies the effect, and `applied` last in the same one; an
    empty key (a caller outside a dialog) claims nothing.
    """
    if not once:
        return None
    found = await sessions.claim_effect(session, school_id, once)
    if found is None:
        return None
    result = json.loads(found) if found else {}
    return result if isinstance(result, dict) else {}


async def applied(session: AsyncSession, school_id: int, once: str, result: dict[str, object]) -> None:
    """Records what a side effect claimed by `replayed` returned (a reference, a name: never concern text)."""
    if once:
        await sessions.record_effect(session, school_id, once, json.dumps(result))
