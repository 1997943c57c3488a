"""School days, school hours, quiet hours and who on the DSL team is on duty, from the school file."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.config import WEEKDAYS, DslMember, SchoolConfig


def in_term(config: SchoolConfig, day: date) -> bool:
    """True in term time (holidays are the gaps between terms; no terms listed means always)."""
    return not config.terms or any(t.start <= day <= t.end for t in config.terms)


def is_school_day(config: SchoolConfig, day: date) -> bool:
    """True on a weekday in term."""
    return day.weekday() < 5 and in_term(config, day)


def in_quiet_hours(config: SchoolConfig, moment: datetime) -> bool:
    """True in the quiet hours (which may run over midnight)."""
    start, end, now = config.reminders.quiet_start, config.reminders.quiet_end, moment.time()
    return (start <= now or now < end) if start > end else (start <= now < end)


def in_school_hours(config: SchoolConfig, moment: datetime) -> bool:
    """True during the school day on a school day."""
    info = config.school
    return is_school_day(config, moment.date()) and info.school_day_start <= moment.time() < info.school_day_end


def has_rota(config: SchoolConfig) -> bool:
    """True when the school file names anyone's duty weekdays (dsl_team.on_duty)."""
    return any(member.on_duty for member in config.dsl_team)


def on_duty_at(config: SchoolConfig, member: DslMember, moment: datetime) -> bool:
    """True when this member is on duty: in term, on a rota day (without a rota, any weekday), in their hours."""
    if not in_term(config, moment.date()):
        return False
    day = WEEKDAYS[moment.weekday()]
    if not (day in member.on_duty if has_rota(config) else day in WEEKDAYS[:5]):
        return False
    start = member.duty_start if member.duty_start is not None else config.school.school_day_start
    end = member.duty_end if member.duty_end is not None else config.school.school_day_end
    return start <= moment.time() < end


def on_duty(config: SchoolConfig, moment: datetime) -> list[DslMember]:
    """Returns the DSL team members on duty at this moment (none: it is out of hours)."""
    return [member for member in config.dsl_team if on_duty_at(config, member, moment)]


def next_school_start(config: SchoolConfig, after: datetime) -> datetime:
    """Returns the start of the first school day after this moment (today's, if still to come)."""
    start: time = config.school.school_day_start
    day = after.date()
    for _ in range(400):
        candidate = datetime.combine(day, start, after.tzinfo)
        if candidate >= after and is_school_day(config, day):
            return candidate
        day += timedelta(days=1)
    return datetime.combine(after.date() + timedelta(days=1), start, after.tzinfo)


def school_time_deadline(config: SchoolConfig, since: datetime, minutes: int) -> datetime:
    """When `minutes` have passed since `since` within school hours (out of hours: next morning)."""
    if in_school_hours(config, since):
        deadline = since + timedelta(minutes=minutes)
        if in_school_hours(config, deadline):
            return deadline
    return next_school_start(config, since)


def escalation_due(config: SchoolConfig, raised: datetime, minutes: int, urgent: bool) -> datetime:
    """When an unacknowledged concern escalates: urgent, `minutes` later on the wall clock; others in school time."""
    if urgent:
        return raised.astimezone(UTC) + timedelta(minutes=minutes)  # in UTC: real minutes, even across a clock change
    return school_time_deadline(config, raised.astimezone(local_zone(config)), minutes)


def local_zone(config: SchoolConfig) -> ZoneInfo:
    """Returns the school's time zone."""
    return ZoneInfo(config.school.timezone)


def iso_week(day: date) -> str:
    """Returns the ISO week label used in dispatch keys, e.g. 2026-W48."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"
