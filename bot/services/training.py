"""Training status per person and course, training records, and policy reviews."""

from __future__ import annotations

import calendar
from collections.abc import Callable
from datetime import date, datetime, timedelta

from bot.config import Course, SchoolConfig
from bot.services.directory import SchoolDirectory
from bot.services.session_store import applied, replayed
from dialogs.ports import CourseStatus, NotPermitted, Person, UnknownPerson
from storage import concerns, people, records
from storage.db import Database


def add_months(day: date, months: int) -> date:
    """Returns the same day `months` later (the month's last day when it has no such day)."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def applies(course: Course, is_dsl: bool) -> bool:
    """True when this course is required of this person."""
    return course.who == "all" or is_dsl


def course_status(course: Course, last_done: date | None, start: date | None, today: date,
                  within_days: int) -> CourseStatus:
    """Works out whether a course is current, due soon or overdue."""
    if last_done is None:
        due: date | None = add_months(start, course.first_due_months) if start else today
    elif course.every_months is None:
        due = None
    else:
        due = add_months(last_done, course.every_months)
    if due is None or due > today + timedelta(days=within_days):
        state = "current"
    else:
        state = "overdue" if due < today else "due"
    return CourseStatus(course.id, course.title, course.where, state, due, last_done)


class TrainingService:
    """Implements the dialogs' TrainingDesk over the database and the school file."""

    def __init__(self, db: Database, directory: SchoolDirectory, config: SchoolConfig,
                 clock: Callable[[], datetime]) -> None:
        self.db, self.directory, self.config, self.clock = db, directory, config, clock
        self.school_id = directory.school_id
        self.courses = {c.id: c for c in config.courses}

    async def courses_for(self, person: Person) -> list[tuple[str, str]]:
        """Returns the courses this person must keep current."""
        return [(c.id, c.title) for c in self.config.courses if applies(c, person.is_dsl)]

    async def statuses(self, person: Person, email: str | None = None) -> list[CourseStatus]:
        """Returns where someone stands on each course that applies to them."""
        if email and email.lower() != person.email and not person.is_dsl:
            raise NotPermitted("training.view")
        async with self.db.transaction() as session:
            staff = await people.staff_by_email(session, self.school_id, email or person.email)
            if staff is None or staff.id is None:
                raise UnknownPerson(email)
            latest = await records.latest_training(session, [self.school_id])
        today, within = self.clock().date(), self.config.reminders.due_within_days
        is_dsl = self.directory.is_dsl(staff.email)
        return [course_status(c, latest.get((staff.id, c.id)), staff.start_date, today, within)
                for c in self.config.courses if applies(c, is_dsl)]

    async def record(self, person: Person, course: str, completed_on: date, certificate: str,
                     for_email: str | None = None, once: str = "") -> str:
        """Records a completed course (once per `once` key); recording for someone else is for the DSL team only."""
        if course not in self.courses:
            raise UnknownPerson(course)
        for_someone_else = bool(for_email) and for_email.lower() != person.email  # type: ignore[union-attr]
        if for_someone_else and not self.directory.is_dsl(person.email):
            async with self.db.transaction() as session:
                await concerns.audit(session, self.school_id, person.email, "training.record_other", course, False)
            raise NotPermitted("training.record_other")
        async with self.db.transaction() as session:
            done = await replayed(session, self.school_id, once)
            if done is not None:  # the turn ran again after a crash: recorded and audited already
                return str(done["name"])
            staff = await people.staff_by_email(session, self.school_id, for_email or person.email)
            if staff is None or staff.id is None:
                raise UnknownPerson(for_email)
            await records.add_training(session, self.school_id, staff.id, course, completed_on, certificate,
                                       person.staff_id)
            await concerns.audit(session, self.school_id, person.email, "training.record", f"{staff.email}:{course}")
            await applied(session, self.school_id, once, {"name": staff.name})
            return staff.name

    async def policy_title(self, person: Person, key: str) -> str:
        """Returns the policy's title if the person owns it or is on the DSL team."""
        async with self.db.transaction() as session:
            found = await records.policy(session, self.school_id, key)
        if found is None:
            raise UnknownPerson(key)
        if person.email != found.owner_email and not self.directory.is_dsl(person.email):
            raise NotPermitted("policy.review")
        return found.title

    async def review_policy(self, person: Person, key: str, reviewed_on: date, note: str, once: str = "") -> str:
        """Marks a policy reviewed on a date with a short note, and audits it (once per `once` key)."""
        title = await self.policy_title(person, key)
        async with self.db.transaction() as session:
            if await replayed(session, self.school_id, once) is not None:
                return title
            found = await records.policy(session, self.school_id, key)
            assert found is not None
            found.last_reviewed, found.note = reviewed_on, note[:2000]
            session.add(found)
            await concerns.audit(session, self.school_id, person.email, "policy.review", key)
            await applied(session, self.school_id, once, {})
        return title
