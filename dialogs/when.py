"""Understands the ways staff say when something happened ("now", "yesterday 15:00", "12/03 14:20")."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

_TIME = r"(?P<h>\d{1,2})(?:[:.](?P<m>\d{2}))?\s*(?P<ampm>am|pm)?"
_DATE = r"(?P<d>\d{1,2})[/.-](?P<mo>\d{1,2})(?:[/.-](?P<y>\d{2,4}))?"
_ISO_DATE = r"(?P<y>\d{4})-(?P<mo>\d{1,2})-(?P<d>\d{1,2})"
_DAY_WORDS = {"today": 0, "yesterday": 1}
_PARTS_OF_DAY = {"this morning": (0, time(9, 0)), "this afternoon": (0, time(14, 0)),
                 "lunchtime": (0, time(12, 30)), "at lunch": (0, time(12, 30)),
                 "yesterday morning": (1, time(9, 0)), "yesterday afternoon": (1, time(14, 0))}


@dataclass(frozen=True, slots=True)
class WhenResult:
    """A parsed time, or the reason it could not be used."""

    at: datetime | None
    problem: str = ""  # "unreadable" or "future"


def _clock(match: re.Match[str] | None) -> time | None:
    """Turns a matched clock time into a time, or None if it is not a real time."""
    if match is None or match.group("h") is None:
        return None
    hour = int(match.group("h"))
    minute = int(match.group("m") or 0)
    ampm = match.group("ampm")
    if ampm == "pm" and hour < 12:
        hour += 12
    if ampm == "am" and hour == 12:
        hour = 0
    if hour > 23 or minute > 59:
        return None
    return time(hour, minute)


def _day(text: str, today: date) -> tuple[date | None, str, bool]:
    """Finds the day in the text; returns (day, rest of text, whether a day was named)."""
    for word, back in _DAY_WORDS.items():
        if text.startswith(word):
            return today - timedelta(days=back), text[len(word):].strip(), True
    match = re.match(_ISO_DATE, text) or re.match(_DATE, text)
    if match:
        year = int(match.group("y")) if match.group("y") else today.year
        if year < 100:
            year += 2000
        try:
            day = date(year, int(match.group("mo")), int(match.group("d")))
        except ValueError:
            return None, text, True
        return day, text[match.end():].strip(), True
    return today, text, False


def parse_when(raw: str, now: datetime) -> WhenResult:
    """Parses a day and time in UK style relative to `now` (an aware datetime)."""
    text = " ".join(raw.lower().replace(",", " ").split())
    if text in ("now", "just now", "right now", "today"):
        return WhenResult(now.replace(second=0, microsecond=0))
    if text in _PARTS_OF_DAY:
        back, clock = _PARTS_OF_DAY[text]
        return _checked(datetime.combine(now.date() - timedelta(days=back), clock, now.tzinfo), now)
    day, rest, named = _day(text, now.date())
    if day is None:
        return WhenResult(None, "unreadable")
    rest = rest.removeprefix("at ").strip()
    if not rest:
        if not named:
            return WhenResult(None, "unreadable")
        if day == now.date():
            return WhenResult(now.replace(second=0, microsecond=0))
        return _checked(datetime.combine(day, time(12, 0), now.tzinfo), now)
    moment = _clock(re.fullmatch(_TIME, rest))
    if moment is None:
        return WhenResult(None, "unreadable")
    return _checked(datetime.combine(day, moment, now.tzinfo), now)


def _checked(at: datetime, now: datetime) -> WhenResult:
    """Refuses a time in the future (a minute's slack for clocks)."""
    if at > now + timedelta(minutes=1):
        return WhenResult(None, "future")
    return WhenResult(at)


@dataclass(frozen=True, slots=True)
class When:
    """When something happened as the reporter said it: exact only when they gave a time."""

    at: datetime | None  # an exact local time, only for "now" or a clock time
    unknown: bool = False  # "not sure", "don't know": kept as not known, never as the words
    problem: str = ""  # "empty", "too_long" or "future"


_UNKNOWN = frozenset({"not sure", "dont know", "don't know", "do not know", "unknown", "no idea", "cant remember",
                      "can't remember", "cannot remember", "not known", "unsure", "idk", "dunno", "no clue",
                      "i dont know", "i don't know", "im not sure", "i'm not sure", "not certain"})
_CLOCK_IN_TEXT = re.compile(r"\b\d{1,2}[:.]\d{2}\b|\b\d{1,2}\s*(?:am|pm)\b")
_NOW = frozenset({"now", "just now", "right now"})
_AHEAD = re.compile(r"\btomorrow\b|\bnext (?:week|month|term|year|mon|tue|wed|thu|fri|sat|sun)")


def understand_when(raw: str, now: datetime) -> When:
    """Reads when it happened; an approximate answer is kept as said (no invented time), a future one refused."""
    text = " ".join(raw.lower().replace(",", " ").split())
    bare = text.strip(" .!?")
    if not bare:
        return When(None, problem="empty")
    if len(raw) > 200:
        return When(None, problem="too_long")
    if bare in _UNKNOWN:
        return When(None, unknown=True)
    if _AHEAD.search(bare):
        return When(None, problem="future")
    exact = parse_when(bare, now)
    has_clock = bare in _NOW or _CLOCK_IN_TEXT.search(bare) is not None
    if exact.problem == "future":
        day, _, _ = _day(bare, now.date())
        if has_clock or (day is not None and day > now.date()):
            return When(None, problem="future")
        return When(None)
    if exact.at is not None and has_clock:
        return When(exact.at)
    return When(None)  # approximate ("this morning, about break", "last week"): the words are the record
