"""The default courses (the Home Office "Prevent duty training" ones, the DSL's yearly refresh), where each is done."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from bot.app import App, build
from bot.config import DEFAULT_COURSES, HOME_OFFICE_TRAINING, parse
from bot.jobs.plans import Plan, school_of
from bot.jobs.runner import run_job
from bot.services.staff_import import import_staff
from tests.helpers import LONDON, Conversation, FrozenClock, make_settings
from tests.reminders.harness import STAFF_CSV, school_config

EXAMPLE = Path(__file__).parents[2] / "prevent.example.toml"
MONDAY = datetime(2026, 11, 30, 8, 30, tzinfo=LONDON)
SAM = "sam.sample@school.example"


def example_with_courses(wrap: bool = False) -> str:
    """Returns the example school file with its commented [[courses]] list switched on (WRAP for Prevent if asked)."""
    lines = EXAMPLE.read_text().splitlines()
    start = lines.index("# [[courses]]")
    end = next(i for i, line in enumerate(lines) if line.startswith("# WRAP"))
    block = [line.removeprefix("#").removeprefix(" ") for line in lines[start:end]]
    if wrap:
        wrap_lines = [x.removeprefix("# ") for x in lines[end:end + 5]]
        swap = {line.split(" = ")[0]: line for line in wrap_lines if " = " in line}
        at = block.index('id = "prevent"')
        block[at + 1] = swap["title"]
        block[at + 3] = swap["where"]
    return "\n".join(lines[:start] + block + lines[end:])


async def my_training(app: App, email: str) -> dict[str, str]:
    """Returns what "my training" shows someone: course title to state and where."""
    convo = Conversation(app.engine, email)
    await convo.say("my training")
    return dict(convo.last.facts)


def nudge_for(plan: Plan, email: str) -> str:
    """Returns the training nudge planned for one person ('' when they are not nudged)."""
    return next((item.reply.text for item in plan.items if item.who == email), "")


def test_the_home_office_courses_replace_wrap_as_the_defaults() -> None:
    courses = {c.id: c for c in DEFAULT_COURSES}
    assert [c for c, course in courses.items() if course.who == "all"] == ["induction", "annual_update", "prevent"]
    assert {c for c, course in courses.items() if course.who == "dsl"} == {
        "prevent_referrals", "channel_awareness", "prevent_f2f", "dsl_training", "dsl_refresh"}
    assert not any("WRAP" in c.title or "WRAP" in c.where for c in DEFAULT_COURSES)
    assert courses["prevent"].every_months == 24  # no national refresh period: the default, a setting
    assert courses["prevent"].where == f"{HOME_OFFICE_TRAINING}: the Awareness course, or the refresher if you have " \
                                       "done it before"
    assert "the Referrals course" in courses["prevent_referrals"].where
    assert "the Channel awareness course" in courses["channel_awareness"].where
    assert (courses["dsl_training"].every_months, courses["dsl_refresh"].every_months) == (24, 12)
    assert HOME_OFFICE_TRAINING == 'the Home Office "Prevent duty training" service on GOV.UK'


def test_the_example_school_file_lists_the_defaults_and_wrap_as_a_local_option() -> None:
    assert parse(example_with_courses(), "example").courses == list(DEFAULT_COURSES)
    wrap = {c.id: c for c in parse(example_with_courses(wrap=True), "example").courses}
    assert wrap["prevent"].title == "Prevent awareness (WRAP workshop)"
    assert wrap["prevent"].where == "the WRAP workshop our local authority runs: book a place through the DSL"
    assert wrap["prevent"].every_months == 24
    assert [c for c in wrap.values() if c.id != "prevent"] == [c for c in DEFAULT_COURSES if c.id != "prevent"]


async def test_the_dsl_knowledge_refresh_is_tracked_yearly_for_the_dsl_team(school_app: App) -> None:
    title = "DSL knowledge refresh (annual)"
    sam = await my_training(school_app, SAM)  # examples/staff.csv: refreshed 2025-12-15
    assert sam[title].startswith("Due by 2026-12-15 (last done 2025-12-15)")
    assert sam["DSL training"].startswith("Due by 2026-12-01 (last done 2024-12-01)")  # the two-yearly one beside it
    assert (await my_training(school_app, "alex.example@school.example"))[title].startswith(
        "Current (next due 2027-09-10")
    assert title not in await my_training(school_app, "teacher@school.example")  # for the DSL team only

    plan, _ = await run_job(school_of(school_app), "training-nudge", MONDAY, dry_run=True)
    assert title in nudge_for(plan, SAM) and title not in nudge_for(plan, "alex.example@school.example")
    assert title not in nudge_for(plan, "teacher@school.example")

    convo = Conversation(school_app.engine, SAM)
    await convo.tap("go:training_done?course=dsl_refresh", token=None)
    await convo.tap("today")
    await convo.tap("none")
    assert f"completed {title} on 2026-11-30" in convo.text
    assert (await my_training(school_app, SAM))[title].startswith("Current (next due 2027-11-30")  # 12 months on


async def test_the_nudge_and_my_training_say_where_to_do_each_course(school_app: App) -> None:
    plan, _ = await run_job(school_of(school_app), "training-nudge", MONDAY, dry_run=True)
    prevent = "Prevent awareness (Home Office course, or its refresher)"
    teacher = [line for line in nudge_for(plan, "teacher@school.example").splitlines() if prevent in line]
    assert teacher == [f"• {prevent}: Due by 2026-12-10 (last done 2024-12-10) — where: {HOME_OFFICE_TRAINING}: the "
                       "Awareness course, or the refresher if you have done it before"]
    assert f"Channel awareness (Home Office course): OVERDUE since 2021-01-04 (last done never) — where: " \
           f"{HOME_OFFICE_TRAINING}: the Channel awareness course" in nudge_for(plan, SAM)  # never done
    mine = await my_training(school_app, "teacher@school.example")
    assert mine[prevent] == f"Due by 2026-12-10 (last done 2024-12-10) — where: {HOME_OFFICE_TRAINING}: the " \
                            "Awareness course, or the refresher if you have done it before"
    assert mine["Annual safeguarding update"].endswith("— where: the school's annual safeguarding update — ask the DSL")


async def test_where_comes_from_the_school_file_with_the_defaults_behind_it(sqlite_url: str,
                                                                             clock: FrozenClock) -> None:
    clock.now = MONDAY
    text = example_with_courses(wrap=True).replace('id = "prevent_referrals"\ntitle = "Prevent referrals (Home Office '
                                                   'course)"\nevery_months = 24\nwho = "dsl"\n'
                                                   "where = 'the Home Office \"Prevent duty training\" service on "
                                                   "GOV.UK: the Referrals course'",
                                                   'id = "prevent_referrals"\ntitle = "Prevent referrals"\n'
                                                   'every_months = 24\nwho = "dsl"')
    assert 'title = "Prevent referrals"\nevery_months = 24\nwho = "dsl"\n\n' in text  # this one gives no `where`
    text += '\n[[courses]]\nid = "first_aid"\ntitle = "Paediatric first aid"\nevery_months = 36\n'
    config = parse(text, "prevent.toml").model_copy(update={"terms": school_config().terms})
    courses = {c.id: c for c in config.courses}
    assert courses["prevent_referrals"].where == f"{HOME_OFFICE_TRAINING}: the Referrals course"  # left out: default's
    assert courses["first_aid"].where == ""
    app = await build(make_settings(sqlite_url), config=config, clock=clock)
    try:
        await import_staff(app.db, app.config, app.school_id, STAFF_CSV.read_text(), date(2026, 11, 1))
        plan, _ = await run_job(school_of(app), "training-nudge", MONDAY, dry_run=True)
        teacher = nudge_for(plan, "teacher@school.example")
        assert "Prevent awareness (WRAP workshop): Due by 2026-12-10 (last done 2024-12-10) — where: the WRAP " \
               "workshop our local authority runs: book a place through the DSL" in teacher
        assert "Paediatric first aid: OVERDUE since 2022-09-01 (last done never) — where: ask the DSL" in teacher
        assert "Home Office" not in teacher  # the school's own Prevent course, not the default's words
        assert (await my_training(app, SAM))["Prevent referrals"] == "Current (next due 2027-02-11; last done " \
            f"2025-02-11) — where: {HOME_OFFICE_TRAINING}: the Referrals course"
        mine = await my_training(app, "teacher@school.example")
        assert mine["Paediatric first aid"].endswith("— where: ask the DSL")
    finally:
        await app.close()
