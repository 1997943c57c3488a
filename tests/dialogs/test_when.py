"""The date parser understands how staff say when something happened, and refuses the future."""

from datetime import datetime, time, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dialogs.ports import SchoolDay
from dialogs.when import When, parse_when, understand_when
from tests.helpers import LONDON

NOW = datetime(2026, 11, 25, 10, 30, tzinfo=LONDON)


@pytest.mark.parametrize(
    ("said", "expected"),
    [
        ("now", datetime(2026, 11, 25, 10, 30, tzinfo=LONDON)),
        ("Just now", datetime(2026, 11, 25, 10, 30, tzinfo=LONDON)),
        ("today 10:15", datetime(2026, 11, 25, 10, 15, tzinfo=LONDON)),
        ("today at 9.05", datetime(2026, 11, 25, 9, 5, tzinfo=LONDON)),
        ("10:15", datetime(2026, 11, 25, 10, 15, tzinfo=LONDON)),
        ("yesterday", datetime(2026, 11, 24, 12, 0, tzinfo=LONDON)),
        ("yesterday 3pm", datetime(2026, 11, 24, 15, 0, tzinfo=LONDON)),
        ("Yesterday, 14:30", datetime(2026, 11, 24, 14, 30, tzinfo=LONDON)),
        ("12/03 14:20", datetime(2026, 3, 12, 14, 20, tzinfo=LONDON)),
        ("12/03/2025 14:20", datetime(2025, 3, 12, 14, 20, tzinfo=LONDON)),
        ("2026-11-24 09:10", datetime(2026, 11, 24, 9, 10, tzinfo=LONDON)),
        ("1.9.26 8am", datetime(2026, 9, 1, 8, 0, tzinfo=LONDON)),
        ("this morning", datetime(2026, 11, 25, 9, 0, tzinfo=LONDON)),
    ],
)
def test_understands(said: str, expected: datetime) -> None:
    assert parse_when(said, NOW).at == expected


@pytest.mark.parametrize("said", ["tomorrow", "soon", "31/02 10:00", "today 25:00", "12/03 14:75", ""])
def test_unreadable(said: str) -> None:
    result = parse_when(said, NOW)
    assert result.at is None
    assert result.problem == "unreadable"


@pytest.mark.parametrize("said", ["today 11:45", "26/11 09:00", "12/12", "this afternoon"])
def test_future_is_refused(said: str) -> None:
    result = parse_when(said, NOW)
    assert result.at is None
    assert result.problem == "future"


DAY = SchoolDay(time(8, 45), time(10, 30), time(12, 30), time(15, 15),
                (time(9, 0), time(10, 0), time(11, 0), time(13, 30), time(14, 30)))


@pytest.mark.parametrize(
    ("said", "exact"),
    [
        ("this morning 7:50, before registration", datetime(2026, 11, 25, 7, 50, tzinfo=LONDON)),
        ("just now", datetime(2026, 11, 25, 10, 30, tzinfo=LONDON)),
        ("today 09:00", datetime(2026, 11, 25, 9, 0, tzinfo=LONDON)),
        ("10.20", datetime(2026, 11, 25, 10, 20, tzinfo=LONDON)),
        ("yesterday at 15:00", datetime(2026, 11, 24, 15, 0, tzinfo=LONDON)),
        ("Tuesday 2pm", datetime(2026, 11, 24, 14, 0, tzinfo=LONDON)),
        ("Wednesday 9am", datetime(2026, 11, 25, 9, 0, tzinfo=LONDON)),  # said on a Wednesday: today
        ("last friday 3.15", datetime(2026, 11, 20, 15, 15, tzinfo=LONDON)),
        ("12/03 14:20", datetime(2026, 3, 12, 14, 20, tzinfo=LONDON)),
        ("1.9.26 8am", datetime(2026, 9, 1, 8, 0, tzinfo=LONDON)),  # not 09:26
        ("25/11/2026 09:15", datetime(2026, 11, 25, 9, 15, tzinfo=LONDON)),
    ],
)
def test_a_clock_time_said_plainly_is_exact(said: str, exact: datetime) -> None:
    assert understand_when(said, NOW, DAY) == When(exact)


@pytest.mark.parametrize(
    "said",
    ["today around 10.30", "this morning around break", "last Tuesday", "yesterday after school",
     "not sure, sometime this week", "yesterday", "period 2", "yesterday period 5", "at break", "2 hours ago",
     "last week", "monday morning", "last night", "about 9ish", "the day of the trip", "yesterday lunchtime",
     "between 9 and 10", "around 2", "yesterday, later in the afternoon"],
)
def test_an_approximate_time_is_never_made_exact(said: str) -> None:
    assert understand_when(said, NOW, DAY) == When(None, approximate=True)


@pytest.mark.parametrize(
    "said",
    ["tomorrow", "next tuesday", "in 2 hours", "after school", "period 5", "this afternoon", "at lunch", "10:45",
     "today 11:45", "26/11", "later today", "tonight"],
)
def test_the_future_is_refused(said: str) -> None:
    assert understand_when(said, NOW, DAY).problem == "future"


def test_the_school_day_comes_from_the_school_file() -> None:
    late_break = SchoolDay(time(8, 45), time(11, 0), time(12, 30), time(15, 15), (time(9, 0),))
    assert understand_when("this morning around break", NOW, late_break).problem == "future"
    assert understand_when("period 1", NOW, late_break).approximate
    assert understand_when("period 4", NOW, late_break).approximate  # no period 4 there: kept as said


def test_times_are_read_from_the_turn_not_the_machine() -> None:
    new_year = datetime(2027, 1, 1, 0, 30, tzinfo=LONDON)
    assert understand_when("yesterday 15:00", new_year, DAY).at == datetime(2026, 12, 31, 15, 0, tzinfo=LONDON)
    assert understand_when("last friday", new_year, DAY).approximate  # 25 December 2026, not next year's
    assert understand_when("18/12 10:00", new_year, DAY).at == datetime(2026, 12, 18, 10, 0, tzinfo=LONDON)
    assert understand_when("this morning around break", new_year, DAY).problem == "future"
    late = datetime(2026, 7, 15, 23, 59, tzinfo=LONDON)
    assert understand_when("tonight", late, DAY).approximate and understand_when("at 22:00", late, DAY).at


@pytest.mark.parametrize("said", ["not sure", "Don't know", "no idea"])
def test_not_knowing_is_kept_as_not_known(said: str) -> None:
    assert understand_when(said, NOW, DAY) == When(None, unknown=True)


@pytest.mark.parametrize(("said", "exact"), [("13pm", None), ("monday 99am", None), ("01/01/0001 10:00", None),
                                             ("10:00 in year 1", datetime(2026, 11, 25, 10, 0, tzinfo=LONDON)),
                                             ("٣:٣٠", None)])
def test_odd_forms_are_never_a_wrong_exact_time(said: str, exact: datetime | None) -> None:
    assert understand_when(said, NOW, DAY).at == exact


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=60) | st.from_regex(r"(yesterday|last \w+|\d{1,2}[/.:]\d{1,4}|period \d+|\d+ days ago| )+"))
def test_any_answer_is_read_without_error_and_never_as_a_future_time(said: str) -> None:
    result = understand_when(said, NOW, DAY)
    assert result.at is None or result.at <= NOW + timedelta(minutes=1)
