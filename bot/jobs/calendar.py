"""School days, school hours and quiet hours, from the school file's terms and settings."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from bot.config import SchoolConfig


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


def iso_week(day: date) -> str:
    """Returns the ISO week label used in dispatch keys, e.g. 2026-W48."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"
