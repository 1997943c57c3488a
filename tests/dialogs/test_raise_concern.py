"""Every branch of raising a concern, driven through the real engine on real storage."""

from __future__ import annotations

import json

from sqlmodel import select

from bot.app import App, build
from bot.config import demo_text, parse
from storage import concerns as concern_store
from storage.models import Audit, Concern, DialogSession, Outbox, Staff
from tests.helpers import (
    DEPUTY_EMAIL,
    DSL_EMAIL,
    TEACHER_EMAIL,
    Conversation,
    FrozenClock,
    make_settings,
    start,
    tell_from_account,
    tell_up_to_review,
    up_to_account,
)

HEAD_EMAIL = "head@school.example"
CHAIR_EMAIL = "chair@school.example"


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


async def outbox_to(app: App) -> list[tuple[str, str]]:
    """Returns every queued message as (kind, destination), destinations named by email or "dsl"."""
    async with app.db.transaction() as session:
        emails = {s.id: s.email for s in (await session.exec(select(Staff))).all()}
    named = []
    for row in await rows(app, Outbox):
        where = row.destination
        if where.startswith("staff:"):
            where = emails[int(where.removeprefix("staff:"))]
        named.append((row.kind, where))
    return sorted(named)


async def test_immediate_danger_shows_999_at_once_and_alerts_after_one_tap(app: App) -> None:
    convo = await start(app)
    await convo.tap("yes")
    assert "Call 999 now" in convo.text
    assert convo.replies[0].urgent
    assert "Who is the concern about?" in convo.last.text
    assert await rows(app, Outbox) == [] and await rows(app, Concern) == []  # nobody told before "who"
    await convo.tap("child")
    assert "urgent alert to the DSL team" in convo.text
    assert await outbox_to(app) == [("dsl_direct", DSL_EMAIL), ("dsl_direct", DEPUTY_EMAIL), ("dsl_urgent", "dsl")]
    [concern] = await rows(app, Concern)
    assert concern.urgent and concern.status == "new" and concern.audience == "dsl_team"
    await convo.say("Jamie Testpupil")
    await convo.say("Year 9")
    await convo.say("Said he is leaving to join fighters")
    await convo.tap("done")
    await convo.say("I'm going on Saturday")
    await convo.tap("radicalisation")
    await convo.tap("done")
    await convo.tap("none")
    await convo.say("now")
    await convo.say("Corridor")
    await convo.say("Called 999")
    await convo.say("Police")
    await convo.tap("nobody")
    await convo.tap("yes")
    await convo.tap("submit")
    assert "C-2026-0001" in convo.text
    [concern] = await rows(app, Concern)
    assert concern.category == "radicalisation"
    assert len(await rows(app, Outbox)) == 4


async def test_an_urgent_concern_about_a_dsl_member_never_reaches_them(app: App) -> None:
    convo = await start(app)
    await convo.tap("yes")
    assert "dsl_member:1" in convo.choice_ids()  # Sam Sample, the deputy
    await convo.tap("dsl_member:1")
    assert "not the person it is about" in convo.text
    sent = await outbox_to(app)
    assert sent == [("dsl_direct", DSL_EMAIL), ("dsl_direct", HEAD_EMAIL)]  # never the channel, never Sam
    [concern] = await rows(app, Concern)
    assert concern.audience == "headteacher" and concern.excluded == DEPUTY_EMAIL
    assert [(a.actor, a.action) for a in await rows(app, Audit) if a.action == "concern.exclude"] == [
        (DEPUTY_EMAIL, "concern.exclude")]
    assert concern.id is not None
    sam = Conversation(app.engine, DEPUTY_EMAIL)
    for verb in ("view", "ack", "note", "close"):
        await sam.tap(f"dsl:{verb}:{concern.id}", token=None)
        assert "only members" in sam.text
    refused = [a for a in await rows(app, Audit) if a.actor == DEPUTY_EMAIL and not a.allowed]
    assert len(refused) == 4
    await sam.tap("go:dsl_open", token=None)
    assert concern.reference not in sam.everything
    head = Conversation(app.engine, HEAD_EMAIL)
    await head.tap(f"dsl:ack:{concern.id}", token=None)
    assert f"acknowledged {concern.reference}" in head.text


async def test_an_urgent_concern_about_the_head_goes_to_the_chair_only(app: App) -> None:
    convo = await start(app)
    await convo.tap("yes")
    await convo.tap("head")
    assert "Chris Governor" in convo.text
    assert await outbox_to(app) == [("dsl_direct", CHAIR_EMAIL)]


async def test_several_children(app: App) -> None:
    convo = await start(app)
    await convo.tap("no")
    await convo.tap("children")
    assert "children's full names" in convo.text
    await convo.say("Jamie Testpupil, Robin Madeup")
    await convo.say("Year 8")
    assert "Tell me what you saw or heard" in convo.text


async def test_several_kinds_of_concern_and_not_sure(app: App) -> None:
    convo = await start(app)
    await up_to_account(convo)
    await convo.say("Bruise on arm, says a friend shared a photo of her")
    await convo.tap("done")
    await convo.say("He hit me")
    assert "not_sure" in convo.choice_ids()
    await convo.tap("physical_abuse")
    assert "So far: Physical abuse" in convo.last.text and "not_sure" not in convo.choice_ids()
    await convo.tap("online_safety")
    await convo.tap("done")
    assert "never view, copy, forward" in convo.text and "do *not* delete" in convo.text.lower()
    await convo.say("this morning around break")
    await convo.say("Playground")
    await convo.say("Listened")
    await convo.say("Nobody")
    await convo.tap("nobody")
    await convo.tap("no")
    assert facts(convo)["Kind of concern"] == "Physical abuse, Online safety"
    assert facts(convo)["When"] == "this morning around break"
    await convo.tap("submit")
    [concern] = await rows(app, Concern)
    assert (concern.category, concern.categories) == ("physical_abuse", "physical_abuse,online_safety")
    assert concern.occurred_at is None  # an approximate time is never made exact
    [alert] = await rows(app, Outbox)
    assert "Physical abuse, Online safety" in alert.payload
    other = await start(app)
    await up_to_account(other)
    await other.say("Seems withdrawn")
    await other.tap("done")
    await other.tap("none")
    await other.tap("not_sure")
    assert "When did it happen" in other.last.text


async def test_typed_kinds_several_at_once(app: App) -> None:
    convo = await start(app)
    await up_to_account(convo)
    await convo.say("Seen with older boys after school")
    await convo.tap("done")
    await convo.tap("none")
    await convo.say("neglect and exploitation")
    assert "When did it happen" in convo.last.text
    assert "never view" in convo.text


async def test_an_unknown_time_is_stored_as_not_known(app: App) -> None:
    convo = await start(app)
    await up_to_account(convo)
    await convo.say("Hungry")
    await convo.tap("done")
    await convo.tap("none")
    await convo.tap("neglect")
    await convo.tap("done")
    await convo.say("I don't know")
    assert "Where did it happen" in convo.last.text
    await convo.say("Hall")
    await convo.say("Listened")
    await convo.say("Nobody")
    await convo.say("nobody else")
    await convo.tap("not_applicable")
    assert facts(convo)["When"] == "Not known"
    await convo.tap("submit")
    async with app.db.transaction() as session:
        concern = await concern_store.by_reference(session, app.school_id, "C-2026-0001")
        assert concern is not None
        stored = json.loads(app.db.cipher.decrypt(concern.details_enc))
    assert (stored["when_text"], stored["occurred_at"], stored["child_told"]) == ("", "", "not_applicable")


async def test_fgm_gives_the_duty_to_report_to_the_police(app: App) -> None:
    convo = await start(app)
    await up_to_account(convo)
    await convo.say("She told me about a ceremony in the holidays")
    await convo.tap("done")
    await convo.tap("none")
    await convo.tap("fgm")
    await convo.tap("done")
    assert "must report it personally to the police on *101*" in convo.text


async def tell_adult(convo: Conversation, about: str, kind: str, route: str = "") -> None:
    """Answers the adult route up to the review."""
    await convo.tap("no")
    await convo.tap(about)
    assert "allegation" in convo.text.lower()
    await convo.tap(kind)
    if route:
        await convo.tap(route)
    if about == "adult":
        await convo.say("Sam Placeholder, supply teacher")
    await convo.say("Shouted at a pupil and grabbed his arm")
    await convo.tap("done")
    await convo.say("yesterday after school")
    await convo.say("Sports hall")
    await convo.say("Two pupils")


async def test_an_allegation_is_stored_for_the_head_alone(app: App) -> None:
    convo = await start(app)
    await tell_adult(convo, "adult", "allegation", "head")
    assert facts(convo)["The adult"] == "Sam Placeholder, supply teacher"
    assert "Child's words" not in facts(convo)
    await convo.tap("submit")
    assert "Jo Placeholder" in convo.text and "0800 028 0285" in convo.text and "LADO" in convo.text
    [concern] = await rows(app, Concern)
    assert concern.audience == "headteacher" and not concern.urgent
    assert await outbox_to(app) == [("dsl_direct", HEAD_EMAIL)]  # nothing in the DSL channel
    [alert] = await rows(app, Outbox)
    assert "grabbed" not in alert.payload and "Sam Placeholder" not in alert.payload
    assert concern.id is not None
    dsl = Conversation(app.engine, DSL_EMAIL)
    await dsl.tap(f"dsl:view:{concern.id}", token=None)
    assert "only members" in dsl.text and "grabbed" not in dsl.everything
    head = Conversation(app.engine, HEAD_EMAIL)
    await head.tap(f"dsl:view:{concern.id}", token=None)
    assert "grabbed his arm" in head.everything
    views = [(a.actor, a.allowed) for a in await rows(app, Audit) if a.action in ("concern.view", "dsl.view")]
    assert views == [(DSL_EMAIL, False), (HEAD_EMAIL, True)]


async def test_an_allegation_with_a_conflict_of_interest_goes_to_the_lado(app: App) -> None:
    convo = await start(app)
    await tell_adult(convo, "adult", "allegation", "lado")
    await convo.tap("submit")
    assert "contact the LADO directly" in convo.text and "0117 496 0001" in convo.text
    [concern] = await rows(app, Concern)
    assert concern.audience == "chair_of_governors"
    assert await outbox_to(app) == [("dsl_direct", CHAIR_EMAIL)]


async def test_a_low_level_concern_goes_to_the_head_and_never_the_dsl_channel(app: App) -> None:
    convo = await start(app)
    await tell_adult(convo, "adult", "low_level")
    await convo.tap("submit")
    [concern] = await rows(app, Concern)
    assert concern.audience == "headteacher"
    assert await outbox_to(app) == [("dsl_direct", HEAD_EMAIL)]


async def test_low_level_concerns_may_go_to_the_lead_dsl(sqlite_url: str, clock: FrozenClock) -> None:
    config = parse(demo_text() + '\n[allegations]\nlow_level_to = "dsl_lead"\n', "demo")
    app = await build(make_settings(sqlite_url), config=config, clock=clock)
    try:
        convo = await start(app)
        await tell_adult(convo, "adult", "low_level")
        await convo.tap("submit")
        assert await outbox_to(app) == [("dsl_direct", DSL_EMAIL)]
        about_lead = await start(app)
        await tell_adult(about_lead, "dsl_member:0", "low_level")  # about the lead DSL: to the head instead
        await about_lead.tap("submit")
        assert ("dsl_direct", HEAD_EMAIL) in await outbox_to(app)
    finally:
        await app.close()


async def test_a_colleague_drawn_into_extremism_names_the_police_prevent_team(app: App) -> None:
    convo = await start(app)
    await tell_adult(convo, "dsl_member:1", "extremism")
    assert "The adult" not in facts(convo)  # the DSL member is known by the choice
    await convo.tap("submit")
    assert "Example Police Prevent team" in convo.text
    [concern] = await rows(app, Concern)
    assert concern.excluded == DEPUTY_EMAIL and concern.audience == "headteacher"
    assert await outbox_to(app) == [("dsl_direct", HEAD_EMAIL)]


async def test_learners_aged_18_or_over_are_never_called_children(sqlite_url: str, clock: FrozenClock) -> None:
    config = parse(demo_text().replace("demo = true", "demo = true\nadult_learners = true"), "demo")
    app = await build(make_settings(sqlite_url), config=config, clock=clock)
    try:
        convo = await start(app)
        await convo.tap("no")
        await convo.tap("learner")
        assert "learner's full name" in convo.text
        await convo.say("Robin Madeup")
        await convo.say("Year 13")
        await convo.say("Talking about hurting himself")
        await convo.tap("done")
        assert "What did the learner say" in convo.text and "child" not in convo.last.text.lower()
        await convo.say("Nobody would miss me")
        await convo.tap("mental_health")
        await convo.tap("done")
        await convo.say("today 09:00")
        await convo.say("Common room")
        await convo.say("Listened")
        await convo.say("Nobody")
        await convo.tap("nobody")
        assert "child" not in convo.last.text.lower()
        await convo.tap("yes")
        assert "Learner's words" in facts(convo) and "Child's words" not in facts(convo)
        await convo.tap("submit")
        assert "adult safeguarding" in convo.text and "the child" not in convo.text
    finally:
        await app.close()


async def test_the_demo_school_says_nothing_reached_a_real_dsl(app: App) -> None:
    convo = await start(app)
    await tell_up_to_review(convo)
    await convo.tap("submit")
    assert "has reached a real DSL" in convo.text
    [alert] = await rows(app, Outbox)
    assert "DEMO SCHOOL" in alert.payload


async def test_prevent_category_asks_indicators(app: App) -> None:
    convo = await start(app)
    await tell_up_to_review(convo, "radicalisation")
    assert facts(convo)["Prevent indicators"] == "Talks about a group online"


async def kind_chosen(app: App, category: str) -> Conversation:
    """Tells the account and taps one kind of concern, then "that's all"."""
    convo = await start(app)
    await up_to_account(convo)
    await convo.say("Something happened")
    await convo.tap("done")
    await convo.tap("none")
    await convo.tap(category)
    await convo.tap("done")
    return convo


async def test_image_categories_warn_never_to_forward_images(app: App) -> None:
    for category in ("sexual_abuse", "online_safety", "exploitation", "child_on_child", "radicalisation"):
        convo = await kind_chosen(app, category)
        assert "never view, copy, forward, print, share or save" in convo.text
        assert "Do *not* delete it or ask the child to" in convo.text
        assert "delete it from this chat" not in convo.everything
        await convo.say("cancel")


async def test_other_categories_go_straight_to_when(app: App) -> None:
    for category, _label in app.directory.categories():
        if category in ("radicalisation", "sexual_abuse", "online_safety", "exploitation", "child_on_child"):
            continue
        convo = await kind_chosen(app, category)
        assert "When did it happen?" in convo.last.text
        assert "never view" not in convo.text
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
    await convo.tap("done")
    await convo.say("None noticed")
    assert facts(convo)["Kind of concern"].startswith("Radicalisation")
    assert "Please check your concern" in convo.last.text
    await convo.tap("edit:about")
    await convo.tap("children")
    await convo.say("Jamie Testpupil and Robin Madeup")
    await convo.say("Year 9 and 10")
    assert "Tell me what you saw or heard" in convo.last.text  # someone else: their questions again


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
    assert "already sent" in convo.text
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
    await convo.tap("child")
    await convo.say("start again")
    assert "immediate danger" in convo.last.text
    await convo.tap("yes")
    await convo.tap("child")
    assert len([o for o in await rows(app, Outbox) if o.kind == "dsl_urgent"]) == 1


async def test_approximate_and_future_times(app: App) -> None:
    convo = await kind_chosen(app, "neglect")
    await convo.say("tomorrow 10:00")
    assert "in the future" in convo.text
    await convo.say("today 16:00")
    assert "in the future" in convo.text
    await convo.say("x" * 300)
    assert "keep the time short" in convo.text
    await convo.say("yesterday")
    assert "Where did it happen" in convo.last.text
    await convo.say("Hall")
    await convo.say("Listened")
    await convo.say("Nobody")
    await convo.tap("nobody")
    await convo.tap("yes")
    assert facts(convo)["When"] == "yesterday"  # never "yesterday 12:00"
    await convo.tap("edit:when")
    await convo.say("today 09:15")
    assert facts(convo)["When"] == "2026-11-25 09:15"


async def test_a_long_account_continues_across_messages(app: App) -> None:
    convo = await start(app)
    await convo.tap("no")
    await convo.tap("child")
    await convo.say("   ")
    assert "I need an answer" in convo.text
    await convo.say("J S")
    assert "not initials" in convo.text
    await convo.say("Jamie Testpupil")
    await convo.say("Year 9")
    first = "He said " + "x" * 10_000
    await convo.say(first)
    assert "Anything to add" in convo.last.text
    await convo.say("and then he left")
    assert "Added" in convo.text
    huge = "y" * 25_000
    await convo.say(huge)
    assert "longer than I can take" in convo.text and "send the rest" in convo.text
    await convo.say("the rest of it")
    await convo.tap("done")
    await convo.tap("none")
    await convo.tap("neglect")
    await convo.tap("done")
    await convo.tap("now")
    await convo.say("Hall")
    await convo.say("Listened")
    await convo.say("Nobody")
    await convo.tap("nobody")
    await convo.tap("yes")
    assert facts(convo)["Done already"] == "Listened"  # never the overflow of the account
    await convo.tap("submit")
    async with app.db.transaction() as session:
        concern = await concern_store.by_reference(session, app.school_id, "C-2026-0001")
        assert concern is not None
        stored = json.loads(app.db.cipher.decrypt(concern.details_enc))
    expected = "\n".join([first, "and then he left", huge[:20_000], "the rest of it"])
    assert stored["seen_heard"] == expected


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
    assert "Tell me what you saw or heard" in again.text
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


async def test_someone_once_named_as_the_subject_stays_out_when_the_answer_changes(app: App) -> None:
    convo = await start(app)
    await convo.tap("yes")
    await convo.tap("head")  # urgent, about the headteacher: stored now, the chair alerted, the head excluded
    await convo.tap("allegation")
    await convo.say("Shouted at a pupil and grabbed his arm")
    await convo.tap("done")
    await convo.say("yesterday after school")
    await convo.say("Sports hall")
    await convo.say("Two pupils")
    await convo.tap("edit:about")
    await convo.tap("adult")  # changed to another adult: the head stays out; the chair holds it
    await convo.tap("allegation")
    await convo.tap("head")
    await convo.say("Sam Placeholder, supply teacher")
    await convo.say("Shouted at a pupil")
    await convo.tap("done")
    await convo.say("yesterday after school")
    await convo.say("Sports hall")
    await convo.say("Two pupils")
    await convo.tap("submit")
    [concern] = await rows(app, Concern)
    assert HEAD_EMAIL in concern.excluded and concern.audience == "chair_of_governors"
    assert all(where != HEAD_EMAIL for _, where in await outbox_to(app))
    assert await outbox_to(app) == [("dsl_direct", CHAIR_EMAIL), ("dsl_direct", CHAIR_EMAIL)]


async def test_a_concern_once_about_a_dsl_member_never_reaches_the_channel(app: App) -> None:
    convo = await start(app)
    await convo.tap("yes")
    await convo.tap("dsl_member:1")  # urgent, about Sam: Alex and the head are told
    await convo.say("start again")
    await convo.tap("yes")
    await convo.tap("child")  # now said to be about a child: Sam stays out, so not the channel either
    await tell_from_account(convo)
    await convo.tap("submit")
    sent = await outbox_to(app)
    assert ("dsl_alert", "dsl") not in sent and all(where != DEPUTY_EMAIL for _, where in sent)
    assert ("dsl_direct", DSL_EMAIL) in sent
