"""The date parser understands how staff say when something happened, and refuses the future."""

from datetime import datetime

import pytest

from dialogs.when import parse_when
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
