"""What each reminder job would send: pure planning over the database, nothing sent."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from bot.config import WEEKDAYS, SchoolConfig
from bot.services import routing
from bot.services.calendar import escalation_due, in_quiet_hours, in_school_hours, is_school_day, iso_week
from bot.services.parts import SchoolParts
from bot.services.training import add_months, applies, course_status
from dialogs.concern_draft import draft_in
from dialogs.messages import Choice, Reply
from dialogs.ports import ConcernDraft, CourseStatus
from storage import concerns, people, records, sessions
from storage.crypto import DataKeyError
from storage.db import Database
from storage.models import Concern, DialogSession, Staff
from storage.outbox import OutboxKind, StaffDM

Words = Callable[..., str]
MAX_BUTTONS = 5


@dataclass(frozen=True, slots=True)
class School:
    """One school's context for planning reminders."""

    db: Database
    config: SchoolConfig
    school_id: int
    words: Words


def school_of(app: SchoolParts) -> School:
    """Returns the planning context for the app's school."""
    return School(app.db, app.config, app.school_id, app.words)


@dataclass(frozen=True, slots=True)
class Planned:
    """One reminder: its unique dispatch key, who gets it and what it says."""

    key: str
    school_id: int
    destination: StaffDM | None  # None: the person with the email `who` (added to the staff table if new)
    who: str
    kind: OutboxKind
    reply: Reply
    session_id: int | None = None


@dataclass(slots=True)
class Plan:
    """What a job would send, or why it sends nothing now."""

    items: list[Planned] = field(default_factory=list)
    skipped: str = ""


def weekly_gate(school: School, now: datetime) -> str:
    """Weekly jobs go on the first school day of the week on or after the nudge day."""
    first_day = WEEKDAYS.index(school.config.reminders.nudge_weekday)
    if now.weekday() < first_day:
        return f"the weekly nudge day is {school.config.reminders.nudge_weekday}"
    return nudge_gate(school, now)


def nudge_gate(school: School, now: datetime) -> str:
    """Returns why nudges may not go now (weekend, holiday, quiet hours), or ''."""
    if now.weekday() >= 5:
        return "it is the weekend"
    if not is_school_day(school.config, now.date()):
        return "it is a school holiday"
    if in_quiet_hours(school.config, now):
        return "it is within quiet hours"
    return ""


def _dm(person: Staff) -> StaffDM:
    """The direct messages of someone from the staff table."""
    assert person.id is not None
    return StaffDM(person.id)


async def _staff(school: School) -> list[Staff]:
    async with school.db.transaction() as session:
        return await people.list_staff(session, school.school_id)


async def training_statuses(school: School, today: date) -> list[tuple[Staff, list[CourseStatus]]]:
    """Returns every active member of staff with their status on each course that applies."""
    async with school.db.transaction() as session:
        staff = await people.list_staff(session, school.school_id)
        latest = await records.latest_training(session, [school.school_id])
    dsl, within = school.config.dsl_emails(), school.config.reminders.due_within_days
    result = []
    for person in staff:
        assert person.id is not None
        statuses = [course_status(c, latest.get((person.id, c.id)), person.start_date, today, within)
                    for c in school.config.courses if applies(c, person.email in dsl)]
        result.append((person, statuses))
    return result


def nudge_reply(words: Words, due: list[CourseStatus]) -> Reply:
    """One message naming each course due, its date and where to do it, with buttons to record it."""
    lines = [words("nudge.training_line", title=s.title, where=s.where or words("training.where_unknown"),
                   state=words(f"training.state.{s.state}", due=s.due_on, done=s.last_done or "never"))
             for s in due]
    choices = tuple(Choice(f"go:training_done?course={s.course}", words("nudge.record_button", title=s.title)[:75])
                    for s in due[:MAX_BUTTONS])
    return Reply("\n".join([words("nudge.training"), *lines]), choices, expects="choice")


async def plan_training_nudge(school: School, now: datetime) -> Plan:
    """Everyone with a course due within the window or overdue: one message each, once a week."""
    plan = Plan(skipped=weekly_gate(school, now))
    week = iso_week(now.date())
    for person, statuses in await training_statuses(school, now.date()):
        due = [s for s in statuses if s.state != "current"]
        if due:
            plan.items.append(Planned(f"training-nudge:{week}:{person.id}", school.school_id, _dm(person),
                                      person.email, OutboxKind.TRAINING_NUDGE, nudge_reply(school.words, due)))
    return plan


async def plan_dsl_digest(school: School, now: datetime) -> Plan:
    """The weekly digest for each DSL-team member: compliance, overdue, open concerns, policies."""
    plan = Plan(skipped=weekly_gate(school, now))
    words, today = school.words, now.date()
    everyone = await training_statuses(school, today)
    compliance, overdue = [], []
    for course in school.config.courses:
        relevant = [(p, s) for p, ss in everyone for s in ss if s.course == course.id]
        current = sum(1 for _, s in relevant if s.state == "current")
        compliance.append(f"{course.title}: {current}/{len(relevant)}")
        overdue += [f"{p.name} — {course.title}" for p, s in relevant if s.state == "overdue"]
    async with school.db.transaction() as session:
        open_rows = await concerns.listed(session, school.school_id, ("new", "acknowledged"))
        policy_rows = await records.policies(session, school.school_id)
    due_policies = [p.title for p in policy_rows if _policy_due(p.last_reviewed, p.interval_months, today)
                    <= today + timedelta(days=school.config.reminders.policy_warn_days)]
    none = words("digest.none")
    week = iso_week(today)
    for person, _ in everyone:
        if person.email in school.config.dsl_emails():
            # Only the concerns this member holds: never one about them, nor one about an adult (the head's).
            theirs = [c for c in open_rows if routing.may_see(school.config, c.audience, c.excluded, person.email)]
            unacknowledged = [c.reference for c in theirs if c.status == "new"]
            facts = ((words("digest.compliance"), "\n".join(compliance)),
                     (words("digest.overdue"), _listed(words, overdue) or none),
                     (words("digest.open"), str(len(theirs))),
                     (words("digest.unacknowledged"), ", ".join(unacknowledged) or none),
                     (words("digest.policies"), "\n".join(due_policies) or none))
            reply = Reply(words("nudge.digest", school=school.config.school.name, date=today.isoformat()),
                          facts=facts)
            plan.items.append(Planned(f"dsl-digest:{week}:{person.id}", school.school_id, _dm(person),
                                      person.email, OutboxKind.DSL_DIGEST, reply))
    return plan


def _listed(words: Words, lines: list[str], most: int = 40) -> str:
    """Lists lines, saying how many more there are (and where to see them) rather than cutting silently."""
    shown = "\n".join(lines[:most])
    return shown + ("\n" + words("digest.more", count=len(lines) - most) if len(lines) > most else "")


def _policy_due(last_reviewed: date | None, interval_months: int, today: date) -> date:
    """Returns when a review is due (today when it has never been reviewed)."""
    return add_months(last_reviewed, interval_months) if last_reviewed else today


async def plan_policy_reviews(school: School, now: datetime) -> Plan:
    """Policy owners: once 30 days before the review is due, then weekly while it is overdue."""
    plan = Plan(skipped=nudge_gate(school, now))
    today, words = now.date(), school.words
    warn = timedelta(days=school.config.reminders.policy_warn_days)
    async with school.db.transaction() as session:
        rows = await records.policies(session, school.school_id)
    for policy in rows:
        if policy.last_reviewed is None:
            key, text, due = f"policy-review:{policy.key}:never:{iso_week(today)}", "nudge.policy_never", None
        else:
            due = add_months(policy.last_reviewed, policy.interval_months)
            if today >= due:
                key, text = f"policy-review:{policy.key}:{due}:overdue:{iso_week(today)}", "nudge.policy_overdue"
            elif today >= due - warn:
                key, text = f"policy-review:{policy.key}:{due}:soon", "nudge.policy_soon"
            else:
                continue
        reply = Reply(words(text, title=policy.title, due=due),
                      (Choice(f"go:policy_review?policy={policy.key}", words("nudge.policy_button")),),
                      expects="choice")
        plan.items.append(Planned(key, school.school_id, None, policy.owner_email, OutboxKind.POLICY_REVIEW, reply))
    return plan


async def plan_escalations(school: School, now: datetime) -> Plan:
    """Unacknowledged concerns go to the deputies and the head: urgent ones at any hour, others in school time."""
    config, minutes = school.config, school.config.reminders.escalate_after_minutes
    in_hours = in_school_hours(config, now)
    async with school.db.transaction() as session:
        waiting = [c for c in await concerns.listed(session, school.school_id, ("new",)) if c.submitted_at]
    plan = Plan()
    for concern in waiting:
        raised = concern.submitted_at
        assert raised is not None
        if (concern.urgent or in_hours) and now >= escalation_due(config, raised, minutes, concern.urgent):
            plan.items += _escalation(school, concern, raised.astimezone(now.tzinfo))
    if not in_hours and not plan.items:
        plan.skipped = "it is outside school hours (urgent concerns still escalate at any hour)"
    return plan


def _escalation(school: School, concern: Concern, raised: datetime) -> list[Planned]:
    """One direct message about an unacknowledged concern to each deputy (with its buttons) and to the head.

    Never to the person it is about; one about an adult goes to the next in line (routing.escalation_to).
    """
    config, words = school.config, school.words
    text = words("nudge.escalation_urgent" if concern.urgent else "nudge.escalation", reference=concern.reference,
                 raised=raised.strftime("%a %d %b %H:%M"), minutes=config.reminders.escalate_after_minutes)
    items = []
    for email in routing.escalation_to(config, concern.audience, concern.excluded):
        holds = routing.may_see(config, concern.audience, concern.excluded, email)
        buttons = (Choice(f"dsl:view:{concern.id}", words("dsl.button.view")),
                   Choice(f"dsl:ack:{concern.id}", words("dsl.button.ack"))) if holds else ()
        reply = Reply(text, buttons, expects="choice" if buttons else "nothing", urgent=concern.urgent)
        items.append(Planned(f"escalation:{concern.id}:{email}", school.school_id, None, email,
                             OutboxKind.ESCALATION, reply))
    return items


async def plan_half_told(school: School, now: datetime) -> Plan:
    """Anyone who left a concern half-told for the set time: one reminder, never its content."""
    plan = Plan(skipped="it is within quiet hours" if in_quiet_hours(school.config, now) else "")
    idle = timedelta(hours=school.config.reminders.half_told_after_hours)
    carry_on = Choice("go:raise_concern", school.words("nudge.half_told_button"))
    reply = Reply(school.words("nudge.half_told"), (carry_on,), expects="choice")
    async with school.db.transaction() as session:
        for row in await sessions.idle_since(session, now - idle):
            if row.school_id != school.school_id or row.dialog != "raise_concern":
                continue
            staff = await people.staff_by_id(session, row.staff_id)
            who = staff.email if staff else str(row.staff_id)
            plan.items.append(Planned(f"half-told:{row.id}:{row.updated_at:%Y%m%dT%H%M%S}", school.school_id,
                                      StaffDM(row.staff_id), who, OutboxKind.HALF_TOLD, reply, session_id=row.id))
    return plan


async def plan_half_told_dsl(school: School, now: datetime) -> Plan:
    """Concerns still half-told after the set time: the DSL team is told once who started one, never its content.

    The plain notice goes in school hours; one about an urgent concern (already alerted) goes at any hour.
    """
    config, hours = school.config, school.config.reminders.half_told_dsl_after_hours
    if not hours:
        return Plan(skipped="half_told_dsl_after_hours is 0 (off)")
    in_hours, plan = in_school_hours(config, now), Plan()
    async with school.db.transaction() as session:
        rows = await sessions.untouched_since(session, school.school_id, "raise_concern", now - timedelta(hours=hours))
        for row in rows:
            draft = _half_told_draft(school, row.data_enc)
            if in_hours or draft.reference:
                plan.items += _half_told_notices(school, row, await people.staff_by_id(session, row.staff_id),
                                                 draft, now)
    if not in_hours and not plan.items:
        plan.skipped = "it is outside school hours (notices about urgent concerns still go at any hour)"
    return plan


def _half_told_notices(school: School, row: DialogSession, staff: Staff | None, draft: ConcernDraft,
                       now: datetime) -> list[Planned]:
    """One notice to each who would hold it (the DSL team for a child): who started it and when, never what it says.

    Never to the person it is about: a half-told concern about a DSL member goes to the head instead.
    """
    reference, email = draft.reference, staff.email if staff else str(row.staff_id)
    last = row.updated_at.astimezone(now.tzinfo).strftime("%a %d %b %H:%M")
    text = school.words("nudge.half_told_dsl_urgent" if reference else "nudge.half_told_dsl",
                        name=(staff.name if staff else "") or email, email=email, last=last, reference=reference)
    return [Planned(f"half-told-dsl:{row.id}:{row.updated_at:%Y%m%dT%H%M%S}:{member}", school.school_id, None, member,
                    OutboxKind.HALF_TOLD_DSL, Reply(text, expects="nothing", urgent=bool(reference)))
            for member in routing.half_told_to(school.config, draft.about, draft.subject)]


def _half_told_draft(school: School, data_enc: str) -> ConcernDraft:
    """The half-told draft: who it is about and the reference of the urgent concern it already stored, if any."""
    try:
        data = json.loads(school.db.cipher.decrypt(data_enc) or "{}")
    except DataKeyError:  # sealed with a key not configured: doctor names it; the plain notice still goes
        return ConcernDraft()
    return draft_in(data)
