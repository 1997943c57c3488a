"""Schools, staff, conversation references, processed event ids and dispatch keys."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.dialects.postgresql import insert as postgres_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.db import utcnow
from storage.models import ConversationRef, Dispatch, ProcessedEvent, School, Staff


async def ensure_school(session: AsyncSession, slug: str, name: str) -> School:
    """Returns the school with this slug, creating or renaming it to match the school file."""
    query = select(School).where(School.slug == slug)
    school = (await session.exec(query)).first()
    if school is None:
        try:  # another instance starting at the same moment may insert it first
            async with session.begin_nested():
                school = School(slug=slug, name=name)
                session.add(school)
                await session.flush()
            return school
        except IntegrityError:
            school = (await session.exec(query)).one()
    if school.name != name:
        school.name = name
        session.add(school)
    return school


async def school_by_slug(session: AsyncSession, slug: str) -> School | None:
    """Returns the school with this slug, if the database has it (never creates it)."""
    return (await session.exec(select(School).where(School.slug == slug))).first()


async def staff_by_email(session: AsyncSession, school_id: int, email: str) -> Staff | None:
    """Finds a member of staff by email (case-insensitive)."""
    query = select(Staff).where(Staff.school_id == school_id, Staff.email == email.strip().lower())
    return (await session.exec(query)).first()


async def staff_by_id(session: AsyncSession, staff_id: int) -> Staff | None:
    """Returns a member of staff by id."""
    return await session.get(Staff, staff_id)


async def staff_by_platform_id(session: AsyncSession, school_id: int, platform: str, user_id: str) -> Staff | None:
    """Finds a member of staff by their Slack or Teams user id."""
    column = Staff.slack_user_id if platform == "slack" else Staff.teams_user_id
    query = select(Staff).where(Staff.school_id == school_id, column == user_id)
    return (await session.exec(query)).first()


async def upsert_staff(
    session: AsyncSession, school_id: int, email: str, name: str, role: str = "", is_dsl: bool | None = None
) -> Staff:
    """Creates or updates a member of staff, matched by email."""
    email = email.strip().lower()
    staff = await staff_by_email(session, school_id, email)
    if staff is None:
        try:  # two instances (or two messages) may add the same person at once
            async with session.begin_nested():
                staff = Staff(school_id=school_id, email=email, name=name or email, role=role, is_dsl=bool(is_dsl))
                session.add(staff)
                await session.flush()
            return staff
        except IntegrityError:
            found = await staff_by_email(session, school_id, email)
            assert found is not None
            staff = found
    staff.name = name or staff.name
    staff.role = role or staff.role
    if is_dsl is not None:
        staff.is_dsl = is_dsl
    session.add(staff)
    await session.flush()
    return staff


async def list_staff(session: AsyncSession, school_id: int, dsl_only: bool = False) -> list[Staff]:
    """Lists active staff of a school by name."""
    query = select(Staff).where(Staff.school_id == school_id, col(Staff.active).is_(True))
    if dsl_only:
        query = query.where(col(Staff.is_dsl).is_(True))
    return list((await session.exec(query.order_by(Staff.name))).all())


async def save_conversation_ref(
    session: AsyncSession, school_id: int, platform: str, target: str, reference_json: str
) -> None:
    """Stores (or refreshes) where to reach a person or channel proactively."""
    query = select(ConversationRef).where(
        ConversationRef.school_id == school_id, ConversationRef.platform == platform,
        ConversationRef.target == target)
    ref = (await session.exec(query)).first()
    if ref is None:
        ref = ConversationRef(school_id=school_id, platform=platform, target=target,
                              reference_json=reference_json, updated_at=utcnow())
    else:
        ref.reference_json, ref.updated_at = reference_json, utcnow()
    session.add(ref)


async def conversation_ref(session: AsyncSession, school_id: int, platform: str, target: str) -> str | None:
    """Returns the stored reference JSON for a person or channel, if any."""
    query = select(ConversationRef.reference_json).where(
        ConversationRef.school_id == school_id, ConversationRef.platform == platform,
        ConversationRef.target == target)
    return (await session.exec(query)).first()


async def forget_conversation_ref(session: AsyncSession, school_id: int, platform: str, target: str) -> None:
    """Removes a stored reference (it no longer works)."""
    await (await session.connection()).execute(delete(ConversationRef).where(
        col(ConversationRef.school_id) == school_id, col(ConversationRef.platform) == platform,
        col(ConversationRef.target) == target))


async def claim_event(session: AsyncSession, platform: str, event_id: str) -> bool:
    """Records an event id with one INSERT … ON CONFLICT DO NOTHING; False if it was already processed."""
    connection = await session.connection()
    insert = postgres_insert if connection.dialect.name == "postgresql" else sqlite_insert
    statement = (insert(ProcessedEvent)
                 .values(platform=platform, event_id=event_id, created_at=utcnow())
                 .on_conflict_do_nothing(index_elements=["platform", "event_id"]))
    return (await connection.execute(statement)).rowcount == 1


async def release_event(session: AsyncSession, platform: str, event_id: str) -> None:
    """Forgets a claimed event id (after a failed turn, so the platform's retry is processed)."""
    await (await session.connection()).execute(delete(ProcessedEvent).where(
        col(ProcessedEvent.platform) == platform, col(ProcessedEvent.event_id) == event_id))


async def prune_events(session: AsyncSession, before: datetime) -> int:
    """Forgets processed event ids older than a time (platforms only retry for minutes)."""
    result = await (await session.connection()).execute(
        delete(ProcessedEvent).where(col(ProcessedEvent.created_at) < before))
    return result.rowcount


async def claim_dispatch(session: AsyncSession, key: str, school_id: int | None = None) -> bool:
    """Records a reminder's unique key; returns False if it was already sent by anyone."""
    try:
        async with session.begin_nested():
            session.add(Dispatch(key=key, school_id=school_id, created_at=utcnow()))
            await session.flush()
    except IntegrityError:
        return False
    return True


async def claim_dispatches(session: AsyncSession, keys: list[tuple[str, int | None]]) -> set[str]:
    """Claims many reminder keys at once; returns the keys this caller won (the rest were taken)."""
    if not keys:
        return set()
    connection = await session.connection()
    insert = postgres_insert if connection.dialect.name == "postgresql" else sqlite_insert
    now = utcnow()
    statement = (insert(Dispatch)
                 .values([{"key": key, "school_id": school, "created_at": now} for key, school in keys])
                 .on_conflict_do_nothing(index_elements=["key"])
                 .returning(col(Dispatch.key)))
    return set((await connection.execute(statement)).scalars().all())
