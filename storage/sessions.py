"""Saved dialog sessions (versioned so two writers cannot overwrite each other) and the effects their turns applied."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.db import insert_new, utcnow
from storage.models import DialogSession, TurnEffect

# Built once: building a statement costs more Python than running it (these run on every turn).
_TABLE = DialogSession.__table__  # type: ignore[attr-defined]
_LOAD = select(DialogSession).where(col(DialogSession.school_id) == bindparam("w_school"),
                                    col(DialogSession.conversation_key) == bindparam("w_key"))
_SAVE = (update(_TABLE)
         .where(_TABLE.c.school_id == bindparam("w_school"), _TABLE.c.conversation_key == bindparam("w_key"),
                _TABLE.c.version == bindparam("w_version"))
         .values(version=bindparam("v_version"), updated_at=bindparam("v_updated_at"), reminded_at=None,
                 staff_id=bindparam("v_staff_id"), dialog=bindparam("v_dialog"), state=bindparam("v_state"),
                 prompt_token=bindparam("v_prompt_token"), data_enc=bindparam("v_data_enc"),
                 history=bindparam("v_history")))
SAVED_FIELDS = ("dialog", "state", "prompt_token", "data_enc", "history")  # what `save` takes in `values`


class StaleVersion(Exception):
    """Raised when a session row changed since it was read."""


async def load(session: AsyncSession, school_id: int, key: str) -> DialogSession | None:
    """Returns the saved session row for a conversation."""
    return (await session.exec(_LOAD, params={"w_school": school_id, "w_key": key})).first()


async def save(
    session: AsyncSession, school_id: int, key: str, staff_id: int, values: dict[str, Any], version: int,
    now: datetime | None = None,
) -> None:
    """Inserts (version 0) or updates the row if it is still at `version`; else StaleVersion.

    `values` holds exactly SAVED_FIELDS.
    """
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
    result = await (await session.connection()).execute(_SAVE, {
        "w_school": school_id, "w_key": key, "w_version": version, "v_version": version + 1, "v_updated_at": now,
        "v_staff_id": staff_id, **{f"v_{name}": values[name] for name in SAVED_FIELDS}})
    if result.rowcount != 1:
        raise StaleVersion(key)


async def delete_session(session: AsyncSession, school_id: int, key: str) -> None:
    """Forgets a conversation's session."""
    await (await session.connection()).execute(delete(DialogSession).where(
        col(DialogSession.school_id) == school_id, col(DialogSession.conversation_key) == key))


async def untouched_since(session: AsyncSession, school_id: int, dialog: str,
                          before: datetime) -> list[DialogSession]:
    """Lists a school's sessions of one dialog untouched since a time (reminded or not), oldest first."""
    query = (select(DialogSession)
             .where(col(DialogSession.school_id) == school_id, col(DialogSession.dialog) == dialog,
                    col(DialogSession.updated_at) <= before)
             .order_by(col(DialogSession.updated_at)))
    return list((await session.exec(query)).all())


async def idle_since(session: AsyncSession, before: datetime) -> list[DialogSession]:
    """Lists sessions untouched since a time and not yet reminded."""
    query = select(DialogSession).where(col(DialogSession.updated_at) <= before,
                                        col(DialogSession.reminded_at).is_(None))
    return list((await session.exec(query)).all())


_EFFECTS = TurnEffect.__table__  # type: ignore[attr-defined]
_RESULT = select(col(TurnEffect.result)).where(col(TurnEffect.school_id) == bindparam("w_school"),
                                               col(TurnEffect.key) == bindparam("w_key"))
_RECORD = (update(_EFFECTS).where(_EFFECTS.c.school_id == bindparam("w_school"), _EFFECTS.c.key == bindparam("w_key"))
           .values(result=bindparam("v_result")))


async def claim_effect(session: AsyncSession, school_id: int, key: str) -> str | None:
    """Claims a side effect by its key in this transaction: None if it is new (apply it), else its recorded result.

    The claim is the transaction's first write and commits or rolls back with the effect. A second
    claim of the same key waits for the first transaction (PostgreSQL blocks on the unique index;
    SQLite has one writer at a time): if that committed, the recorded result comes back; if it rolled
    back, this claim is the new one. So the effect is applied once even by two runs at the same moment.
    """
    connection = await session.connection()
    claimed = await connection.execute(insert_new(connection.dialect.name, TurnEffect, ("school_id", "key"), "id"), {
        "school_id": school_id, "key": key, "result": "", "created_at": utcnow()})
    if claimed.first() is not None:
        return None
    return str((await connection.execute(_RESULT, {"w_school": school_id, "w_key": key})).scalar_one())


async def record_effect(session: AsyncSession, school_id: int, key: str, result: str) -> None:
    """Records what a claimed side effect returned, for a run that finds it already applied."""
    await (await session.connection()).execute(_RECORD, {"w_school": school_id, "w_key": key, "v_result": result})
