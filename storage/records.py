"""Training records and policy reviews."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.db import utcnow
from storage.models import Policy, TrainingRecord


async def add_training(
    session: AsyncSession, school_id: int, staff_id: int, course: str, completed_on: date,
    certificate: str = "", recorded_by: int | None = None,
) -> bool:
    """Records a completed course; returns False if the same course and date were already recorded."""
    query = select(TrainingRecord.id).where(
        TrainingRecord.staff_id == staff_id, TrainingRecord.course == course,
        TrainingRecord.completed_on == completed_on)
    if (await session.exec(query)).first() is not None:
        return False
    session.add(TrainingRecord(school_id=school_id, staff_id=staff_id, course=course, completed_on=completed_on,
                               certificate=certificate, recorded_by=recorded_by, created_at=utcnow()))
    await session.flush()
    return True


async def latest_training(session: AsyncSession, school_ids: Sequence[int]) -> dict[tuple[int, str], date]:
    """Returns each person's latest completion date per course: {(staff id, course): date}."""
    query = (select(TrainingRecord.staff_id, TrainingRecord.course, func.max(TrainingRecord.completed_on))
             .where(col(TrainingRecord.school_id).in_(school_ids))
             .group_by(col(TrainingRecord.staff_id), col(TrainingRecord.course)))
    rows = (await (await session.connection()).execute(query)).all()
    return {(staff_id, course): done for staff_id, course, done in rows}


async def sync_policies(
    session: AsyncSession, school_id: int, wanted: Sequence[tuple[str, str, str, date | None, int]]
) -> None:
    """Creates or updates policies from the school file (key, title, owner, last reviewed, interval)."""
    existing = {p.key: p for p in await policies(session, school_id)}
    for key, title, owner, last_reviewed, interval in wanted:
        policy = existing.get(key) or Policy(school_id=school_id, key=key, title=title)
        policy.title, policy.owner_email, policy.interval_months = title, owner.lower(), interval
        if last_reviewed and (policy.last_reviewed is None or last_reviewed > policy.last_reviewed):
            policy.last_reviewed = last_reviewed
        session.add(policy)


async def policies(session: AsyncSession, school_id: int) -> Sequence[Policy]:
    """Returns a school's policies by title."""
    query = select(Policy).where(Policy.school_id == school_id).order_by(col(Policy.title))
    return (await session.exec(query)).all()


async def policy(session: AsyncSession, school_id: int, key: str) -> Policy | None:
    """Returns one policy by key."""
    query = select(Policy).where(Policy.school_id == school_id, Policy.key == key)
    return (await session.exec(query)).first()
