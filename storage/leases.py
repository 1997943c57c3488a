"""Leases: one instance at a time holds a named kind of work; another may take it once it expires."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import or_, update
from sqlalchemy.dialects.postgresql import insert as postgres_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import WorkerLease


async def take(session: AsyncSession, name: str, holder: str, now: datetime, ttl: timedelta) -> bool:
    """Takes or renews a lease until now + ttl; False while another holder's lease has not expired.

    One conditional UPDATE (or the first INSERT): of two instances trying at once, exactly one wins,
    on SQLite (one writer) and on PostgreSQL (the loser's UPDATE re-checks the row after the winner commits).
    """
    connection = await session.connection()
    renewed = await connection.execute(
        update(WorkerLease)
        .where(col(WorkerLease.name) == name,
               or_(col(WorkerLease.holder) == holder, col(WorkerLease.expires_at) <= now))
        .values(holder=holder, expires_at=now + ttl))
    if renewed.rowcount == 1:
        return True
    insert = postgres_insert if connection.dialect.name == "postgresql" else sqlite_insert
    created = await connection.execute(
        insert(WorkerLease).values(name=name, holder=holder, expires_at=now + ttl).on_conflict_do_nothing())
    return created.rowcount == 1


async def give_up(session: AsyncSession, name: str, holder: str, now: datetime) -> None:
    """Ends a lease at once if this holder has it (a clean shutdown: another instance takes over now)."""
    await (await session.connection()).execute(
        update(WorkerLease).where(col(WorkerLease.name) == name, col(WorkerLease.holder) == holder)
        .values(expires_at=now))
