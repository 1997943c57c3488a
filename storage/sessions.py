"""Saved dialog sessions, with a version column so two writers cannot overwrite each other."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.db import utcnow
from storage.models import DialogSession


class StaleVersion(Exception):
    """Raised when a session row changed since it was read."""


async def load(session: AsyncSession, school_id: int, key: str) -> DialogSession | None:
    """Returns the saved session row for a conversation."""
    query = select(DialogSession).where(
        DialogSession.school_id == school_id, DialogSession.conversation_key == key)
    return (await session.exec(query)).first()


async def save(
    session: AsyncSession, school_id: int, key: str, staff_id: int, values: dict[str, Any], version: int,
    now: datetime | None = None,
) -> None:
    """Inserts (version 0) or updates the row if it is still at `version`; else StaleVersion."""
    now = now or utcnow()
    if version == 0:
        try:
            async with session.begin_nested():
                session.add(DialogSession(school_id=school_id, conversation_key=key, staff_id=staff_id,
                                          version=1, updated_at=now, **values))
                await session.flush()
        except IntegrityError as exc:
            raise StaleVersion(key) from exc
        return
    result = await (await session.connection()).execute(
        update(DialogSession)
        .where(col(DialogSession.school_id) == school_id, col(DialogSession.conversation_key) == key,
               col(DialogSession.version) == version)
        .values(version=version + 1, updated_at=now, reminded_at=None, staff_id=staff_id, **values))
    if result.rowcount != 1:
        raise StaleVersion(key)


async def delete_session(session: AsyncSession, school_id: int, key: str) -> None:
    """Forgets a conversation's session."""
    await (await session.connection()).execute(delete(DialogSession).where(
        col(DialogSession.school_id) == school_id, col(DialogSession.conversation_key) == key))


async def idle_since(session: AsyncSession, before: datetime) -> list[DialogSession]:
    """Lists sessions untouched since a time and not yet reminded."""
    query = select(DialogSession).where(col(DialogSession.updated_at) <= before,
                                        col(DialogSession.reminded_at).is_(None))
    return list((await session.exec(query)).all())
