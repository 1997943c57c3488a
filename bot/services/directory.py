"""The school's people: who someone is, who is on duty now (nobody, out of hours), the categories."""

from __future__ import annotations

import time
from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.config import DslMember, SchoolConfig
from bot.config import Person as ConfigPerson
from bot.services.calendar import has_rota, in_school_hours, local_zone, on_duty
from dialogs.messages import UserRef
from dialogs.ports import Contact, Contacts, Person, SchoolDay
from storage import people
from storage.db import Database

IDENTITY_TTL_SECONDS = 300.0
IDENTITY_CACHE_SIZE = 10_000


def _contact(person: ConfigPerson, fallback_role: str = "") -> Contact:
    return Contact(person.name, person.role or fallback_role, person.phone, person.email)


def _optional(person: ConfigPerson | None, fallback_role: str) -> Contact | None:
    return _contact(person, fallback_role) if person is not None else None


class SchoolDirectory:
    """Implements the dialogs' Directory from the school file and the staff table."""

    def __init__(self, db: Database, config: SchoolConfig, school_id: int) -> None:
        self.db, self.config, self.school_id = db, config, school_id
        self._dsl = config.dsl_emails()
        self._known: dict[UserRef, tuple[float, Person]] = {}

    def is_dsl(self, email: str) -> bool:
        """True only for people named in the school file's DSL team."""
        return email.strip().lower() in self._dsl

    async def identify(self, user: UserRef) -> Person:
        """Returns the member of staff behind a platform user (remembered for a few minutes)."""
        remembered = self._known.get(user)
        if remembered is not None and remembered[0] > time.monotonic():
            return remembered[1]
        person = await self._identify(user)
        if len(self._known) > IDENTITY_CACHE_SIZE:
            self._known.clear()
        self._known[user] = (time.monotonic() + IDENTITY_TTL_SECONDS, person)
        return person

    async def _identify(self, user: UserRef) -> Person:
        """Finds, creates or links the staff record behind a platform user."""
        async with self.db.transaction() as session:
            staff = None
            if user.platform in ("slack", "teams"):
                staff = await people.staff_by_platform_id(session, self.school_id, user.platform, user.user_id)
            email = (user.email or (staff.email if staff else "") or f"{user.platform}:{user.user_id}").lower()
            if staff is None or staff.email != email:
                found = await people.staff_by_email(session, self.school_id, email)
                staff = found or await people.upsert_staff(
                    session, self.school_id, email, user.display_name or email, is_dsl=self.is_dsl(email))
            if user.platform == "slack" and staff.slack_user_id != user.user_id:
                staff.slack_user_id = user.user_id
            if user.platform == "teams" and staff.teams_user_id != user.user_id:
                staff.teams_user_id = user.user_id
            if user.display_name and staff.name == staff.email:
                staff.name = user.display_name
            staff.is_dsl = self.is_dsl(staff.email)
            session.add(staff)
            await session.flush()
            assert staff.id is not None
            return Person(staff.id, self.school_id, staff.name, staff.email, staff.is_dsl)

    def contacts(self, now: datetime) -> Contacts:
        """Returns who to talk to now: the DSLs on duty (none out of hours), the deputies, every contact."""
        c = self.config
        local = _local(c, now)
        on_duty = _shown_on_duty(c, local)
        deputies = [m for m in c.dsl_team if m.deputy and m not in on_duty]
        return Contacts(
            school_name=c.school.name,
            on_duty=tuple(_dsl_contact(m) for m in on_duty),
            deputies=tuple(_dsl_contact(m) for m in deputies),
            headteacher=_contact(c.headteacher, "Headteacher"),
            chair_of_governors=_contact(c.chair_of_governors, "Chair of governors"),
            lado=_contact(c.lado, "LADO"),
            front_door=_contact(c.front_door),
            police_prevent=_contact(c.police_prevent),
            helpline=_contact(c.helpline),
            demo=c.school.demo,
            out_of_hours=not on_duty,
            off_rota=not on_duty and in_school_hours(c, local),
            emergency_duty_team=_optional(c.emergency_duty_team, "Emergency duty team"),
        )

    def categories(self) -> list[tuple[str, str]]:
        """Returns the concern categories from the school file."""
        return [(c.id, c.label) for c in self.config.categories]

    def dsl_members(self) -> tuple[Contact, ...]:
        """Returns everyone on the DSL team, in the school file's order."""
        return tuple(_dsl_contact(m) for m in self.config.dsl_team)

    def adult_learners(self) -> bool:
        """True when the school file says the school has learners aged 18 or over."""
        return self.config.school.adult_learners

    def school_day(self) -> SchoolDay:
        """Returns the school's own day from the school file (its defaults are this project's)."""
        day = self.config.school_day
        return SchoolDay(day.registration, day.break_, day.lunch, day.after_school, tuple(day.periods))

    def adult_social_care(self) -> Contact | None:
        """Returns the council's adult safeguarding contact, if the school file sets one."""
        care = self.config.adult_social_care
        return _contact(care, "Adult social care") if care else None

    def holder_contact(self, audience: str) -> Contact:
        """Returns who an audience is, to name them: the head, the chair, the lead DSL or the DSL team's lead."""
        c = self.config
        if audience == "chair_of_governors":
            return _contact(c.chair_of_governors, "Chair of governors")
        if audience == "headteacher":
            return _contact(c.headteacher, "Headteacher")
        leads = [m for m in c.dsl_team if not m.deputy] or c.dsl_team
        return _dsl_contact(leads[0])

    def name_of(self, email: str) -> str:
        """Returns the name the school file gives someone, by email (the email itself when it names nobody)."""
        people = [*self.config.dsl_team, self.config.headteacher, self.config.chair_of_governors]
        return next((p.name for p in people if p.email and p.email == email.strip().lower()), email)


def _local(config: SchoolConfig, now: datetime) -> datetime:
    """The moment in the school's time zone (a naive moment is taken to be local already)."""
    return now.astimezone(local_zone(config)) if now.tzinfo is not None else now


def _shown_on_duty(config: SchoolConfig, now: datetime) -> list[DslMember]:
    """Who is on duty now; without a rota, the leads (deputies are listed apart) unless only deputies are in."""
    present = on_duty(config, now)
    if has_rota(config):
        return present
    return [m for m in present if not m.deputy] or present


def _dsl_contact(member: DslMember) -> Contact:
    return Contact(member.name, member.role or ("Deputy DSL" if member.deputy else "DSL"),
                   member.phone, member.email)


async def sync_dsl_team(session: AsyncSession, config: SchoolConfig, school_id: int) -> None:
    """Makes the staff table's DSL flags match the school file (the only source of truth)."""
    dsl = config.dsl_emails()
    for member in config.dsl_team:
        await people.upsert_staff(session, school_id, member.email, member.name, member.role, True)
    for staff in await people.list_staff(session, school_id, dsl_only=True):
        if staff.email not in dsl:
            staff.is_dsl = False
            session.add(staff)
