"""Concerns, their append-only chronology, reference numbers and the audit log."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, text
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.db import utcnow
from storage.models import Audit, Concern, ConcernEvent, PupilName

_NEXT_NUMBER = text(
    "INSERT INTO reference_counter (school_id, year, last) VALUES (:school, :year, 1) "
    "ON CONFLICT (school_id, year) DO UPDATE SET last = reference_counter.last + 1 RETURNING last"
)


async def next_reference(session: AsyncSession, school_id: int, year: int) -> str:
    """Takes the next reference for a school and year, atomically (C-2026-0042)."""
    connection = await session.connection()
    number = (await connection.execute(_NEXT_NUMBER, {"school": school_id, "year": year})).scalar_one()
    return f"C-{year}-{number:04d}"


async def add_event(
    session: AsyncSession, concern: Concern, kind: str, actor_id: int | None, detail_enc: str = "",
    at: datetime | None = None,
) -> ConcernEvent:
    """Appends an event to a concern's chronology."""
    assert concern.id is not None
    event = ConcernEvent(school_id=concern.school_id, concern_id=concern.id, actor_id=actor_id,
                         kind=kind, detail_enc=detail_enc, created_at=at or utcnow())
    session.add(event)
    await session.flush()
    return event


async def events(session: AsyncSession, concern_id: int) -> Sequence[ConcernEvent]:
    """Returns a concern's chronology, oldest first."""
    query = select(ConcernEvent).where(ConcernEvent.concern_id == concern_id).order_by(col(ConcernEvent.id))
    return (await session.exec(query)).all()


async def get(session: AsyncSession, school_id: int, concern_id: int, lock: bool = False) -> Concern | None:
    """Returns a concern of this school by id; `lock` holds its row until the transaction ends (PostgreSQL)."""
    concern = await session.get(Concern, concern_id, with_for_update=lock)
    return concern if concern is not None and concern.school_id == school_id else None


async def by_reference(session: AsyncSession, school_id: int, reference: str) -> Concern | None:
    """Returns a concern of this school by its reference."""
    query = select(Concern).where(Concern.school_id == school_id, Concern.reference == reference.upper())
    return (await session.exec(query)).first()


async def about_pupil(session: AsyncSession, school_id: int, name_hashes: Sequence[str]) -> Sequence[Concern]:
    """Lists a school's concerns naming a pupil (by the keyed hashes of the name, one per key), oldest first."""
    naming = select(PupilName.concern_id).where(col(PupilName.name_hash).in_(name_hashes))
    query = select(Concern).where(Concern.school_id == school_id, col(Concern.id).in_(naming))
    return (await session.exec(query.order_by(col(Concern.id)))).all()


async def index_names(session: AsyncSession, concern: Concern, name_hashes: set[str]) -> None:
    """Records the hashes of the names a concern gives, replacing earlier ones; the concern is then indexed."""
    assert concern.id is not None
    await (await session.connection()).execute(delete(PupilName).where(col(PupilName.concern_id) == concern.id))
    session.add_all(PupilName(concern_id=concern.id, name_hash=name_hash) for name_hash in sorted(name_hashes))
    concern.names_indexed = True
    session.add(concern)


async def not_indexed(session: AsyncSession, after_id: int, limit: int) -> Sequence[Concern]:
    """Returns the next concerns whose names are not indexed yet (stored before migration 0004), by id."""
    query = (select(Concern).where(col(Concern.names_indexed).is_(False), col(Concern.id) > after_id)
             .order_by(col(Concern.id)).limit(limit))
    return (await session.exec(query)).all()


async def listed(
    session: AsyncSession, school_id: int, statuses: Sequence[str] | None = None,
    reporter_id: int | None = None,
) -> Sequence[Concern]:
    """Lists a school's concerns, newest first, optionally by status or reporter."""
    query = select(Concern).where(Concern.school_id == school_id)
    if statuses:
        query = query.where(col(Concern.status).in_(statuses))
    if reporter_id is not None:
        query = query.where(Concern.reporter_id == reporter_id)
    return (await session.exec(query.order_by(col(Concern.id).desc()))).all()


async def unacknowledged_since(session: AsyncSession, before: datetime) -> Sequence[Concern]:
    """Lists concerns submitted before a time and still not acknowledged, in every school."""
    query = select(Concern).where(Concern.status == "new", col(Concern.submitted_at) <= before)
    return (await session.exec(query)).all()


async def audit(
    session: AsyncSession, school_id: int, actor: str, action: str, target: str = "", allowed: bool = True
) -> None:
    """Writes an audit row: who did or saw what, and whether it was allowed."""
    session.add(Audit(school_id=school_id, actor=actor, action=action, target=target, allowed=allowed,
                      created_at=utcnow()))


async def audit_rows(session: AsyncSession, school_id: int, target: str = "", actor: str = "") -> Sequence[Audit]:
    """Returns a school's audit log, oldest first: all of it, or about one target, or by one actor."""
    query = select(Audit).where(Audit.school_id == school_id)
    if target:
        query = query.where(Audit.target == target)
    if actor:
        query = query.where(Audit.actor == actor)
    return (await session.exec(query.order_by(col(Audit.id)))).all()
