"""Every branch of raising a concern, driven through the real engine on real storage."""

from __future__ import annotations

import json

from sqlmodel import select

from bot.app import App, build
from bot.config import demo_text, parse
from storage import concerns as concern_store
from storage.models import Audit, Concern, DialogSession, Outbox
from tests.helpers import (
    TEACHER_EMAIL,
    Conversation,
    FrozenClock,
    make_settings,
    start,
    tell_up_to_review,
    up_to_account,
)


def facts(convo: Conversation) -> dict[str, str]:
    """Returns the review's facts by label."""
    return dict(convo.last.facts)


async def rows(app: App, model: type) -> list:  # type: ignore[type-arg]
    async with app.db.transaction() as session:
        return list((await session.exec(select(model))).all())


async def test_whole_concern_stored_with_alert_and_audit(app: App) -> None:
    convo = await start(app)
    assert "immediate danger" in convo.text
    await tell_up_to_review(convo)
    assert facts(convo)["Child's words"] == "I haven't eaten since Friday"
    assert facts(convo)["When"] == "2026-11-25 09:00"
    await convo.tap("submit")
    assert "C-2026-0001" in convo.text
    for reminder in ("Do not investigate", "Do not promise the child confidentiality", "tell the DSL in person"):
        assert reminder in convo.text
    [concern] = await rows(app, Concern)
    assert (concern.status, concern.category, concern.year_group, concern.urgent) == ("new", "neglect", "Year 9", False)
    [alert] = await rows(app, Outbox)
    assert (alert.destination, alert.kind) == ("dsl", "dsl_alert")
    assert "Jamie" not in alert.payload and "hungry" not in alert.payload
    assert any(a.action == "concern.submit" for a in await rows(app, Audit))
    assert await rows(app, DialogSession) == []


async def test_references_count_per_school_and_year(app: App) -> None:
    for expected in ("C-2026-0001", "C-2026-0002"):
        convo = await start(app)
        await tell_up_to_review(convo)
        await convo.tap("submit")
        assert expected in convo.text


async def test_immediate_danger_alerts_whole_team_before_anything_else(app: App) -> None:
    convo = await start(app)
    await convo.tap("yes")
    assert "Call 999 now" in convo.text
    assert convo.replies[0].urgent
    assert "Who is the concern about?" in convo.last.text
    outbox = await rows(app, Outbox)
    kinds = sorted((o.kind, o.destination.split(":")[0]) for o in outbox)
    assert kinds == [("dsl_direct", "staff"), ("dsl_direct", "staff"), ("dsl_urgent", "dsl")]
    [concern] = await rows(app, Concern)
    assert concern.urgent and concern.status == "new"
    await convo.tap("child")
    await convo.say("Jamie Testpupil")
    await convo.say("Year 9")
    await convo.tap("radicalisation")
    await convo.tap("none")
    await convo.say("Said he is leaving to join fighters")
    await convo.say("I'm going on Saturday")
    await convo.say("now")
    await convo.say("Corridor")
    await convo.say("Called 999")
    await convo.say("Police")
    await convo.tap("submit")
    assert "C-2026-0001" in convo.text
    [concern] = await rows(app, Concern)
    assert concern.category == "radicalisation"
    assert len(await rows(app, Outbox)) == 4


async def test_several_children(app: App) -> None:
    convo = await start(app)
    await convo.tap("no")
    await convo.tap("children")
    assert "children's full names" in convo.text
    await convo.say("Jamie Testpupil, Robin Madeup")
    await convo.say("Year 8")
    assert "What kind of concern" in convo.text


async def test_adult_route_goes_to_headteacher_not_dsl_channel(app: App) -> None:
    convo = await start(app)
    await convo.tap("no")
    await convo.tap("adult")
    await convo.tap("no")
    assert "Jo Placeholder" in convo.text and "LADO" in convo.text
    assert await rows(app, Outbox) == [] and await rows(app, Concern) == []
    assert [a.target for a in await rows(app, Audit)] == ["headteacher"]


async def test_adult_route_about_head_goes_to_chair(app: App) -> None:
    convo = await start(app)
    await convo.tap("no")
    await convo.tap("adult")
    await convo.say("yes")
    assert "Chris Governor" in convo.text
    assert await rows(app, Outbox) == []


async def test_prevent_category_asks_indicators(app: App) -> None:
    convo = await start(app)
    await tell_up_to_review(convo, "radicalisation")
    assert facts(convo)["Prevent indicators"] == "Talks about a group online"


async def test_image_categories_warn_never_to_forward_images(app: App) -> None:
    for category in ("sexual_abuse", "online_safety", "exploitation"):
        convo = await start(app)
        await up_to_account(convo)
        await convo.tap(category)
        assert "never upload, forward" in convo.text
        await convo.say("cancel")


async def test_other_categories_go_straight_to_what_happened(app: App) -> None:
    for category, _label in app.directory.categories():
        if category in ("radicalisation", "sexual_abuse", "online_safety", "exploitation"):
            continue
        convo = await start(app)
        await up_to_account(convo)
        await convo.tap(category)
        assert "What did you see or hear?" in convo.text
        assert "never upload" not in convo.text
        await convo.say("cancel")


async def test_edit_an_answer_at_review(app: App) -> None:
    convo = await start(app)
    await tell_up_to_review(convo)
    await convo.tap("edit:place")
    assert "Where did it happen?" in convo.text
    await convo.say("Dining hall")
    assert facts(convo)["Where"] == "Dining hall"
    assert facts(convo)["Seen or heard"] == "Came in hungry again, no coat"
    await convo.tap("edit:category")
    await convo.tap("radicalisation")
    await convo.say("None noticed")
    assert facts(convo)["Kind of concern"].startswith("Radicalisation")
    await convo.tap("edit:about")
    await convo.tap("children")
    await convo.say("Jamie Testpupil and Robin Madeup")
    await convo.say("Year 9 and 10")
    assert facts(convo)["Name(s)"] == "Jamie Testpupil and Robin Madeup"


async def test_cancel_sends_nothing_and_keeps_nothing(app: App) -> None:
    convo = await start(app)
    await tell_up_to_review(convo)
    await convo.tap("cancel")
    assert "Nothing has been sent" in convo.text
    assert await rows(app, Concern) == [] and await rows(app, Outbox) == []
    assert await rows(app, DialogSession) == []


async def test_cancel_after_urgent_alert_keeps_what_was_told(app: App) -> None:
    convo = await start(app)
    await convo.tap("yes")
    await convo.tap("child")
    await convo.say("cancel")
    assert "already alerted" in convo.text
    [concern] = await rows(app, Concern)
    assert concern.urgent and concern.status == "new"


async def test_back_returns_to_previous_question(app: App) -> None:
    convo = await start(app)
    await convo.tap("no")
    await convo.tap("child")
    await convo.say("Jamie Testpupl")
    await convo.say("back")
    assert "full name" in convo.text
    await convo.say("Jamie Testpupil")
    await convo.say("Year 9")
    await convo.say("go back")
    await convo.say("back")
    await convo.say("Jamie Testpupil")
    assert "Which year group" in convo.text


async def test_start_again_keeps_urgent_reference(app: App) -> None:
    convo = await start(app)
    await convo.tap("yes")
    await convo.say("start again")
    assert "immediate danger" in convo.last.text
    await convo.tap("yes")
    assert len([o for o in await rows(app, Outbox) if o.kind == "dsl_urgent"]) == 1


async def test_unreadable_and_future_dates_are_refused_kindly(app: App) -> None:
    convo = await start(app)
    await up_to_account(convo)
    await convo.tap("neglect")
    await convo.say("Hungry")
    await convo.tap("none")
    await convo.say("around elevenish")
    assert "couldn't read that" in convo.text
    assert "When did it happen" in convo.last.text
    await convo.say("tomorrow 10:00")
    assert "couldn't read" in convo.text
    await convo.say("today 16:00")
    assert "in the future" in convo.text
    await convo.tap("now")
    assert "Where did it happen" in convo.text


async def test_empty_and_very_long_answers(app: App) -> None:
    convo = await start(app)
    await convo.tap("no")
    await convo.tap("child")
    await convo.say("   ")
    assert "I need an answer" in convo.text
    await convo.say("J S")
    assert "not initials" in convo.text
    await convo.say("Jamie Testpupil")
    await convo.say("Year 9")
    await convo.tap("neglect")
    long_answer = "He said " + "x" * 10_000
    await convo.say(long_answer)
    await convo.say("x" * 25_000)
    assert "longer than" in convo.text
    await convo.tap("none")
    await convo.say("now")
    await convo.say("Hall")
    await convo.say("Listened")
    await convo.say("Nobody")
    assert facts(convo)["Seen or heard"] == long_answer
    await convo.tap("submit")
    async with app.db.transaction() as session:
        concern = await concern_store.by_reference(session, app.school_id, "C-2026-0001")
        assert concern is not None
        stored = json.loads(app.db.cipher.decrypt(concern.details_enc))
    assert stored["seen_heard"] == long_answer


async def test_resumes_after_restart_at_same_question(sqlite_url: str, clock: FrozenClock) -> None:
    config = parse(demo_text(), "demo")
    first = await build(make_settings(sqlite_url), config=config, clock=clock)
    convo = await start(first)
    await convo.tap("no")
    await convo.tap("child")
    await convo.say("Jamie Testpupil")
    await first.close()

    second = await build(make_settings(sqlite_url), config=config, clock=clock)
    again = Conversation(second.engine, TEACHER_EMAIL)
    await again.greet()
    assert "Welcome back" in again.text
    assert "Which year group" in again.last.text
    await again.say("Year 9")
    await again.tap("neglect")
    assert "What did you see or hear?" in again.text
    await second.close()


async def test_old_button_is_refused_kindly(app: App) -> None:
    convo = await start(app)
    old_token = convo.token
    await convo.tap("no")
    await convo.tap("yes", token=old_token)
    assert "earlier message" in convo.text
    assert "Who is the concern about?" in convo.last.text
    assert await rows(app, Outbox) == []


async def test_unknown_button_is_refused(app: App) -> None:
    convo = await start(app)
    await convo.tap("no")
    await convo.tap("teleport")
    assert "didn't recognise" in convo.text
    await convo.tap("go:nonsense", token=None)
    assert "don't recognise that button" in convo.text


async def test_who_and_help_inside_a_concern_keep_the_place(app: App) -> None:
    convo = await start(app)
    await convo.tap("no")
    await convo.say("who should I tell?")
    assert "020 7946 0101" in convo.everything
    assert "Who is the concern about?" in convo.last.text
    await convo.say("help")
    assert "Facts, not opinions" in convo.text
    assert "Who is the concern about?" in convo.last.text


async def test_free_text_starts_the_right_dialog(app: App) -> None:
    convo = Conversation(app.engine, TEACHER_EMAIL)
    await convo.say("I'm worried about a pupil")
    assert "immediate danger" in convo.text
    await convo.say("cancel")
    await convo.say("who should i tell?")
    assert "DSL on duty today" in dict(convo.replies[0].facts)
    await convo.say("help")
    await convo.say("what is channel")
    assert "voluntary" in convo.text


async def test_session_from_an_older_version_is_recovered(app: App) -> None:
    convo = await start(app)
    await convo.tap("no")
    async with app.db.transaction() as session:
        row = (await session.exec(select(DialogSession))).one()
        row.state = "a_state_that_was_renamed"
        session.add(row)
    await convo.say("anything")
    assert "immediate danger" in convo.last.text
    async with app.db.transaction() as session:
        row = (await session.exec(select(DialogSession))).one()
        row.dialog = "a_dialog_that_was_removed"
        session.add(row)
    await convo.say("who should I tell?")
    assert "DSL on duty today" in dict(convo.replies[0].facts)
