"""Who do I talk to, out of hours: nobody is shown on duty, and the out-of-hours route is given."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path

import pytest

from bot.app import App, build
from bot.config import SchoolConfig, demo_text, parse
from tests.helpers import LONDON, TEACHER_EMAIL, Conversation, FrozenClock, make_settings
from tests.reminders.harness import school_config

NOBODY = "Nobody on the DSL team is on duty now — it is outside school hours"
ON_DUTY = "DSL on duty today"
EDT = "Out of hours: the council's emergency duty team"


async def who(app: App) -> Conversation:
    """Asks "who do I talk to?" as a teacher."""
    convo = Conversation(app.engine, TEACHER_EMAIL)
    await convo.tap("go:who", token=None)
    return convo


def facts_of(convo: Conversation) -> dict[str, str]:
    """The facts of every reply of the last turn."""
    return {label: value for reply in convo.replies for label, value in reply.facts}


def assert_out_of_hours(convo: Conversation) -> None:
    """Says nobody is on duty, names nobody on the DSL team, and gives 999, the EDT and the direct route."""
    facts = facts_of(convo)
    assert ON_DUTY not in facts and "Deputy DSLs" not in facts
    assert "Alex Example" not in convo.everything and "Sam Sample" not in convo.everything
    assert "999" in convo.text and "101" in convo.text
    assert "emergency duty team: *Example Council emergency duty team*, 0117 496 0004" in convo.text
    assert facts[EDT] == "Example Council emergency duty team · 0117 496 0004"
    assert "Anyone can contact children's social care directly" in convo.text and "KCSIE Part one" in convo.text
    assert "0117 496 0002" in facts["Children's social care front door / MASH"]


@pytest.fixture
async def termly(sqlite_url: str, clock: FrozenClock) -> AsyncIterator[App]:
    """The demo school with real term dates: half term is 24 October to 1 November 2026."""
    built = await build(make_settings(sqlite_url), config=school_config(), clock=clock)
    yield built
    await built.close()


async def with_config(tmp_path: Path, clock: FrozenClock, config: SchoolConfig) -> App:
    """The app on another school file."""
    return await build(make_settings(f"sqlite:///{tmp_path / 'other.db'}"), config=config, clock=clock)


async def test_at_the_weekend_nobody_is_on_duty_not_the_lead_dsl(app: App, clock: FrozenClock) -> None:
    clock.now = datetime(2026, 11, 28, 11, 0, tzinfo=LONDON)  # Saturday, in term
    convo = await who(app)
    assert NOBODY in convo.text and "Saturday 28 November" in convo.text
    assert_out_of_hours(convo)


async def test_on_a_weekday_evening_nobody_is_on_duty(app: App, clock: FrozenClock) -> None:
    clock.now = datetime(2026, 11, 25, 16, 59, tzinfo=LONDON)  # Wednesday, the last minute of the school day
    assert "Alex Example" in facts_of(await who(app))[ON_DUTY]
    clock.now = datetime(2026, 11, 25, 17, 0, tzinfo=LONDON)  # the school day has ended
    convo = await who(app)
    assert NOBODY in convo.text
    assert_out_of_hours(convo)
    clock.now = datetime(2026, 11, 26, 7, 59, tzinfo=LONDON)  # Thursday, before school
    assert NOBODY in (await who(app)).text


async def test_in_the_holidays_nobody_is_on_duty_and_term_time_shows_the_rota(termly: App, clock: FrozenClock) -> None:
    clock.now = datetime(2026, 10, 28, 10, 30, tzinfo=LONDON)  # Wednesday in half term
    convo = await who(termly)
    assert NOBODY in convo.text
    assert_out_of_hours(convo)
    clock.now = datetime(2026, 11, 5, 10, 30, tzinfo=LONDON)  # Thursday in term: the lead and the deputy
    convo = await who(termly)
    facts = facts_of(convo)
    assert "Alex Example" in facts[ON_DUTY] and "Sam Sample" in facts[ON_DUTY] and NOBODY not in convo.text
    assert "999" in convo.text and facts[EDT] == "Example Council emergency duty team · 0117 496 0004"
    clock.now = datetime(2026, 11, 3, 10, 30, tzinfo=LONDON)  # Tuesday: the lead on duty, the deputy listed
    facts = facts_of(await who(termly))
    assert "Alex Example" in facts[ON_DUTY] and "Sam Sample" not in facts[ON_DUTY]
    assert "Sam Sample" in facts["Deputy DSLs"]


async def test_who_do_i_talk_to_inside_a_concern_is_out_of_hours_too(app: App, clock: FrozenClock) -> None:
    clock.now = datetime(2026, 11, 29, 21, 30, tzinfo=LONDON)  # Sunday night
    convo = Conversation(app.engine, TEACHER_EMAIL)
    await convo.greet()
    await convo.tap("go:raise_concern")
    await convo.say("who should I tell?")
    assert NOBODY in convo.text and "0117 496 0004" in convo.text
    assert "Alex Example" not in convo.everything


async def test_without_the_emergency_duty_team_it_says_the_school_has_not_set_it(
        tmp_path: Path, clock: FrozenClock) -> None:
    text = demo_text()
    section = text.index("[emergency_duty_team]")
    app = await with_config(tmp_path, clock, parse(text[:section] + text[text.index("\n\n", section):], "no edt"))
    try:
        assert app.config.emergency_duty_team is None
        clock.now = datetime(2026, 11, 28, 11, 0, tzinfo=LONDON)
        convo = await who(app)
        assert NOBODY in convo.text and "999" in convo.text
        assert "ring the council's children's services out-of-hours number" in convo.text
        assert "the school has not set it" in convo.text
        assert facts_of(convo)[EDT] == "Not set by the school: ring the council's children's services"
        clock.now = datetime(2026, 11, 25, 10, 30, tzinfo=LONDON)  # in hours: the rota, and no EDT line
        assert EDT not in facts_of(await who(app))
    finally:
        await app.close()


async def test_a_gap_in_the_rota_is_out_of_hours_while_school_is_open(tmp_path: Path, clock: FrozenClock) -> None:
    gap = demo_text().replace('on_duty = ["mon", "tue", "wed", "thu", "fri"]', 'on_duty = ["mon", "tue"]')
    app = await with_config(tmp_path, clock, parse(gap, "gap"))
    try:
        convo = await who(app)  # Wednesday 10:30: nobody's rota covers it
        assert "Nobody on the DSL team is on duty now* — school is open" in convo.text
        assert "outside school hours" not in convo.text
        assert_out_of_hours(convo)
    finally:
        await app.close()


async def test_a_member_on_duty_for_part_of_the_day_is_shown_only_then(tmp_path: Path, clock: FrozenClock) -> None:
    mornings = demo_text().replace('on_duty = ["thu", "fri"]', 'on_duty = ["thu", "fri"]\nduty_end = 12:30:00')
    app = await with_config(tmp_path, clock, parse(mornings, "mornings"))
    try:
        clock.now = datetime(2026, 11, 26, 12, 29, tzinfo=LONDON)  # Thursday morning: both
        assert "Sam Sample" in facts_of(await who(app))[ON_DUTY]
        clock.now = datetime(2026, 11, 26, 12, 30, tzinfo=LONDON)  # the deputy's hours are over
        facts = facts_of(await who(app))
        assert "Sam Sample" not in facts[ON_DUTY] and "Sam Sample" in facts["Deputy DSLs"]
    finally:
        await app.close()


def test_duty_hours_must_end_after_they_start() -> None:
    from bot.config import ConfigError

    backwards = demo_text().replace('on_duty = ["thu", "fri"]', 'on_duty = ["thu"]\nduty_start = 13:00:00\n'
                                    'duty_end = 09:00:00')
    with pytest.raises(ConfigError, match=r"dsl_team\.1: expected duty_end after duty_start"):
        parse(backwards, "prevent.toml")
    after_school = demo_text().replace('on_duty = ["thu", "fri"]', 'on_duty = ["thu"]\nduty_start = 17:30:00')
    with pytest.raises(ConfigError, match=r"dsl_team\.1: expected duty_end after duty_start"):
        parse(after_school, "prevent.toml")  # the school day ends at 17:00, before this member starts
