"""The reminder tests' school: staff CSV, term dates, and an app built on it (fixtures are in conftest.py)."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from bot.app import App, build
from bot.config import SchoolConfig, Term, demo_text, parse
from bot.services.staff_import import import_staff
from tests.helpers import TEACHER_EMAIL, Conversation, FrozenClock, make_settings, start

STAFF_CSV = Path(__file__).parents[2] / "examples" / "staff.csv"


TERMS = [Term(start=date(2026, 9, 2), end=date(2026, 10, 23)), Term(start=date(2026, 11, 2), end=date(2026, 12, 18)),
         Term(start=date(2027, 1, 5), end=date(2027, 2, 12)), Term(start=date(2027, 2, 22), end=date(2027, 3, 26)),
         Term(start=date(2026, 1, 5), end=date(2026, 4, 2)), Term(start=date(2026, 4, 20), end=date(2026, 7, 22))]


def school_config() -> SchoolConfig:
    """The demo school with real-looking term dates (holidays between them)."""
    return parse(demo_text(), "demo").model_copy(update={"terms": list(TERMS)})


async def make_app(url: str, clock: FrozenClock) -> App:
    """Builds the app and imports the example staff file."""
    app = await build(make_settings(url), config=school_config(), clock=clock)
    await import_staff(app.db, app.config, app.school_id, STAFF_CSV.read_text(), date(2026, 11, 1))
    return app


async def urgent_half_told(app: App, clock: FrozenClock, when: datetime, email: str = TEACHER_EMAIL) -> Conversation:
    """At `when`, someone starts a concern with a child in immediate danger (the urgent alert goes) and stops there."""
    clock.now = when
    convo = await start(app, email)
    await convo.tap("yes")
    await convo.tap("child")
    return convo
