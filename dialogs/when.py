"""Understands the ways staff say when something happened ("now", "today around 10.30", "yesterday after school")."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from dialogs.ports import SchoolDay

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
    """When something happened as the reporter said it: exact only when they gave a clock time, unhedged."""

    at: datetime | None  # an exact local time, only for "now" or a clock time said without "around"
    unknown: bool = False  # "not sure", "don't know": kept as not known, never as the words
    problem: str = ""  # "empty", "too_long" or "future"
    approximate: bool = False  # a time roughly given ("around break", "last Tuesday"): the words are the record


_UNKNOWN = frozenset({"not sure", "dont know", "don't know", "do not know", "unknown", "no idea", "cant remember",
                      "can't remember", "cannot remember", "not known", "unsure", "idk", "dunno", "no clue",
                      "i dont know", "i don't know", "im not sure", "i'm not sure", "not certain"})
_NOW = frozenset({"now", "just now", "right now", "this minute", "a minute ago", "just this minute"})
_AHEAD = re.compile(r"\btomorrow\b|\btmrw\b|\bnext (?:week|month|term|year|mon|tue|wed|thu|fri|sat|sun)"
                    r"|\blater (?:on )?today\b|\blater this\b|\bin (?:an?|\d+) (?:min|minute|hour|day)s?\b", re.ASCII)
_HEDGE = re.compile(r"\b(?:around|about|approx(?:imately)?|roughly|circa|abt|ish|or so|maybe|probably|perhaps|"
                    r"i think|think|possibly|not sure|unsure|sometime|some time|like)\b|(?<=\d)ish\b|\?")
# A clock time: 10:30, 10.30, 7:50am, 3pm, 15:00 (never a piece of a date such as 1.9.26).
_CLOCK = re.compile(r"(?<![\d./-])(?P<h>\d{1,2})(?:[:.](?P<m>\d{2}))?\s*(?P<ampm>am|pm|a\.m\.|p\.m\.)?"
                    r"(?![\d./-]*\d)", re.ASCII)
_ORDINALS = {"first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4, "4th": 4,
             "fifth": 5, "5th": 5, "sixth": 6, "6th": 6, "seventh": 7, "7th": 7, "eighth": 8, "8th": 8}
_PERIOD = re.compile(r"\b(?:period|lesson|p)\s*(?P<n>\d{1,2})\b|\b(?P<o>" + "|".join(_ORDINALS)
                     + r")\s+(?:period|lesson)\b", re.ASCII)
# The school's own day (the times come from the school file's [school_day]); "before" makes it an upper bound.
_SCHOOL_TIMES = {
    "registration": re.compile(r"\b(?:morning |am )?(?:registration|reg|form time|tutor time|register)\b"),
    "before_school": re.compile(r"\bbefore school\b|\bbreakfast club\b"),
    "break_time": re.compile(r"\b(?:morning )?break ?(?:time)?\b|\bplay ?time\b|\brecess\b"),
    "lunch": re.compile(r"\blunch ?(?:time|break|hour)?\b|\bdinner ?(?:time)?\b"),
    "after_school": re.compile(r"\bafter school\b|\bend of (?:the )?(?:school )?day\b|\bhome ?time\b"
                               r"|\bafter ?school club\b"),
}
# Parts of the day: (days back, when it starts), so that "this afternoon" said in the morning is the future.
_PARTS = (
    (re.compile(r"\blast night\b"), 1, time(18, 0)),
    (re.compile(r"\bthis morning\b|\bmorning\b"), 0, time(0, 0)),
    (re.compile(r"\bthis afternoon\b|\bafternoon\b"), 0, time(12, 0)),
    (re.compile(r"\bthis evening\b|\bevening\b"), 0, time(17, 0)),
    (re.compile(r"\btonight\b"), 0, time(18, 0)),
)
_FILLER = frozenset({"at", "on", "in", "the", "during", "before", "after", "it", "was", "just", "i", "um", "er",
                     "erm", "so", "or", "and", "time", "ish", "then", "when", "happened", "of"})
# A day and month typed without a year ("26/11", "3rd Dec"): the parser takes the past, so last year's.
_DAY_MONTH = re.compile(r"\b\d{1,2}(?:st|nd|rd|th)?[/.\- ]+(?:\d{1,2}|jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)",
                        re.ASCII)
_YEAR = re.compile(r"\b\d{4}\b|\b\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}\b", re.ASCII)
_GROUP = re.compile(r"\b(?:year|yr)\s*\d{1,2}[a-z]?\b", re.ASCII)  # "in year 1" is a class, never 1 November
_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_ROUGH_DAYS = {"this week": 0, "earlier this week": 0, "last week": 7, "the other day": 1, "recently": 0,
               "a few days ago": 2, "couple of days ago": 2, "a couple of days ago": 2, "over the weekend": 0}
_FULL_DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_SLACK = timedelta(minutes=1)  # clocks differ a little
_YEARS_BACK = 30  # an exact time further back than this is taken as words ("01/01/0001")
_SOON = timedelta(days=31)  # a day and month this close ahead was meant as this year's (and is refused)


def _settings(now: datetime) -> dict[str, object]:
    """dateparser's settings: British day order, the past preferred, from the turn's now (never the machine's)."""
    return {"DATE_ORDER": "DMY", "PREFER_DATES_FROM": "past", "RELATIVE_BASE": now.replace(tzinfo=None),
            "RETURN_AS_TIMEZONE_AWARE": False, "PREFER_DAY_OF_MONTH": "first"}


def _clock_in(text: str) -> tuple[time | None, str]:
    """Finds a clock time in the text (hours 1 to 6 without am/pm are the afternoon); returns it and the rest."""
    for match in _CLOCK.finditer(text):
        hour, minute, ampm = int(match.group("h")), match.group("m"), (match.group("ampm") or "").replace(".", "")
        if minute is None and not ampm:
            continue  # a bare number ("period 3", "9C") is not a time
        if ampm and not 1 <= hour <= 12:
            return None, text  # "13pm", "99am": not a time
        hour = hour % 12 + 12 if ampm == "pm" else hour % 12 if ampm == "am" else hour
        if not ampm and 1 <= hour <= 6:
            hour += 12  # "2:15" in a school is the afternoon
        if hour > 23 or int(minute or 0) > 59:
            return None, text
        return time(hour, int(minute or 0)), text[:match.start()] + " " + text[match.end():]
    return None, text


def _school_time(text: str, day: SchoolDay) -> tuple[time | None, bool, str]:
    """Finds the school's own time named (break, period 3, after school); returns it, "before", and the rest."""
    period = _PERIOD.search(text)
    if period:
        number = int(period.group("n")) if period.group("n") else _ORDINALS[period.group("o")]
        at = day.periods[number - 1] if 1 <= number <= len(day.periods) else None
        return at, False, text[:period.start()] + " " + text[period.end():]
    for name, pattern in _SCHOOL_TIMES.items():
        match = pattern.search(text)
        if match:
            before = name == "before_school" or text[:match.start()].rstrip().endswith("before")
            at = day.registration if name == "before_school" else getattr(day, name)
            return at, before, text[:match.start()] + " " + text[match.end():]
    return None, False, text


def _part_of_day(text: str) -> tuple[int, time | None, str]:
    """Finds "this morning", "last night" and the like; returns days back, when that part starts, and the rest."""
    for pattern, back, starts in _PARTS:
        match = pattern.search(text)
        if match:
            return back, starts, text[:match.start()] + " " + text[match.end():]
    return 0, None, text


def _day_named(rest: str, now: datetime) -> tuple[date | None, bool]:
    """Reads the day from what is left (today if nothing); returns it and whether it is only roughly that day."""
    words = [w for w in re.sub(r"[^a-z0-9/.:-]+", " ", _GROUP.sub(" ", rest)).split() if w not in _FILLER]
    if not words:
        return now.date(), False
    said = " ".join(words)
    plain = _plain_day(said, now.date())
    if plain is not None:
        return plain, False
    if said in _ROUGH_DAYS:
        return now.date() - timedelta(days=_ROUGH_DAYS[said]), True
    found, period = _parsed(said, now)
    if found is None:
        return None, True
    return _this_year(found.date(), said, now.date()), period != "day"


def _plain_day(said: str, today: date) -> date | None:
    """The commonest days without the parser: "today", "yesterday", "Monday", "last Monday" (the latest one)."""
    if said in _DAY_WORDS:
        return today - timedelta(days=_DAY_WORDS[said])
    day = said.removeprefix("last ")
    if day[:3] not in _WEEKDAYS or day not in (day[:3], _FULL_DAYS[_WEEKDAYS.index(day[:3])], day[:3] + "s"):
        return None
    back = (today.weekday() - _WEEKDAYS.index(day[:3])) % 7
    return today - timedelta(days=back or (7 if said.startswith("last ") else 0))  # "Wednesday" on one: today


def _parsed(said: str, now: datetime) -> tuple[datetime | None, str]:
    """dateparser's reading and its period (day, week, month); imported at first use (docs/performance.md)."""
    from dateparser.date import DateDataParser  # start-up time: only an answer that needs it loads it

    found = DateDataParser(languages=["en"], settings=_settings(now)).get_date_data(said)
    return found.date_obj, found.period or "day"


def _this_year(on: date, said: str, today: date) -> date:
    """A day and month without a year, a few weeks ahead this year ("26/11" on 25/11), is this year's: refused."""
    if on.year >= today.year or not _DAY_MONTH.search(said) or _YEAR.search(said):
        return on
    try:
        ahead = on.replace(year=today.year)
    except ValueError:  # 29 February
        return on
    return ahead if ahead - today <= _SOON else on  # "18/12" said in January is last December


def warm_up() -> None:
    """Imports the date parser and loads its English data now (about 0.3 s, once per process)."""
    _parsed("3rd march 10:30", datetime(2026, 1, 1))


def understand_when(raw: str, now: datetime, day: SchoolDay) -> When:
    """Reads when it happened; an approximate answer is kept as said (no invented time), a future one refused."""
    text = " ".join(raw.lower().replace(",", " ").split())
    bare = text.strip(" .!?")
    if not bare:
        return When(None, problem="empty")
    if len(raw) > 200:
        return When(None, problem="too_long")
    if bare in _UNKNOWN:
        return When(None, unknown=True)
    if bare in _NOW:
        return When(now.replace(second=0, microsecond=0))
    if _AHEAD.search(bare):
        return When(None, problem="future")
    return _read(bare, now, day)


def _read(text: str, now: datetime, day: SchoolDay) -> When:
    """Reads a day and a time from the words: exact when a clock time is given plainly, else approximate."""
    hedged = _HEDGE.search(text) is not None
    rest = _HEDGE.sub(" ", text)
    clock, rest = _clock_in(rest)
    school, before, rest = _school_time(rest, day)
    back, part_starts, rest = _part_of_day(rest)
    named, rough_day = _day_named(rest, now)
    if named is None:
        return When(None, approximate=True)  # words the parser cannot place ("the day of the trip"): kept as said
    on = named - timedelta(days=back)
    if on > now.date():
        return When(None, problem="future")
    earliest = clock or (None if before else school) or part_starts
    if earliest is not None and datetime.combine(on, earliest, now.tzinfo) > now + _SLACK:
        return When(None, problem="future")
    if clock is not None and not hedged and not rough_day and on.year > now.year - _YEARS_BACK:
        return When(datetime.combine(on, clock, now.tzinfo))
    return When(None, approximate=True)
