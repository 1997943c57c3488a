"""What the bot tells staff: help topics, a picture sent to it, and the demo school's alert and receipt."""

from __future__ import annotations

from datetime import datetime

from bot.app import App
from dialogs.alerts import alert_reply
from dialogs.messages import Inbound
from dialogs.ports import ConcernSummary
from tests.helpers import LONDON, TEACHER_EMAIL, Conversation


async def topic(app: App, topic_id: str) -> str:
    """Returns what a member of staff reads on choosing a help topic."""
    convo = Conversation(app.engine, TEACHER_EMAIL)
    await convo.tap("go:help", token=None)
    await convo.tap(topic_id)
    return convo.text


async def test_a_child_has_told_me_something(app: App) -> None:
    assert app.words.help_topics()[0] == ("disclosure", "A child has told me something")  # the first one offered
    text = await topic(app, "disclosure")
    assert "Listen" in text and "*Tell* me…, *Explain*…, *Describe*…" in text and "only open questions" in text
    assert "Never promise to keep it secret" in text
    assert "the child's own words" in text.replace("*", "") and "when you wrote them" in text
    assert "Tell the DSL straight away" in text and "999" in text
    assert "contact children's social care directly" in text  # when the DSL can't be reached


async def test_the_disclosure_topic_is_found_by_typed_words(app: App) -> None:
    convo = Conversation(app.engine, TEACHER_EMAIL)
    await convo.tap("go:help", token=None)
    await convo.say("a child has told me somthing")
    assert "Never promise to keep it secret" in convo.text


async def test_signs_to_notice_do_not_need_an_ideology(app: App) -> None:
    text = await topic(app, "signs")
    for sign in ("fixation on violence, school shootings or other mass-casualty attacks", '"incel" content',
                 "misogynist", "conspiracy theories", "online games or encrypted apps", "hate crime"):
        assert sign in text, sign
    assert "An ideology is not required." in text and "Key principles of Prevent, 2025" in text


async def test_channel_is_reached_through_a_prevent_referral_not_by_the_school(app: App) -> None:
    text = await topic(app, "channel")
    assert "Schools do not refer to Channel" in text and "*Prevent referral*" in text
    assert "the police assess it and refer suitable cases to the local authority's Channel panel" in text
    assert "may ask the school to join it" in text
    assert "voluntary" in text and "an adult (18 or over) gives their own consent" in text


async def test_where_to_do_prevent_training_names_the_home_office_courses(app: App) -> None:
    text = await topic(app, "training")
    assert '"Prevent duty training"' in text
    for course in ("*Awareness*", "*Referrals*", "*Channel awareness*", "*refresher*"):
        assert course in text, course
    assert "*WRAP*" in text and "Some areas still run" in text  # a local option, not the default
    assert "30 minutes" in text


async def test_a_worrying_picture_is_never_shared_and_never_deleted(app: App) -> None:
    text = await topic(app, "images")
    assert "never view, copy, forward, print, share or save it" in text
    assert "do not delete it, and do not ask the child to" in text
    assert "terrorist or extreme violent material" in text and "tell the DSL straight away" in text


async def test_a_file_sent_to_the_bot_gets_the_ukcis_advice_not_delete_it(app: App) -> None:
    convo = Conversation(app.engine, TEACHER_EMAIL)
    replies = await app.engine.handle(Inbound(convo.user, convo.key, text="look", files=1))
    said = replies[0].text
    assert "never view, copy, forward, print, share or save it" in said
    assert "Don't delete it, and don't ask the child to" in said
    assert "terrorist or extreme violent material" in said and "tell the DSL now" in said
    assert "delete it from this chat" not in said
    plain = await app.engine.handle(Inbound(convo.user, convo.key, text="hello"))
    assert not any("pictures" in r.text for r in plain)  # said only when something was attached


async def test_the_demo_alert_says_no_real_dsl_got_it_and_a_real_one_does_not(app: App) -> None:
    summary = ConcernSummary(7, "C-2026-0007", "new", True, "radicalisation", "Year 9", "Pat Teacher",
                             datetime(2026, 11, 25, 10, 30, tzinfo=LONDON))
    real = alert_reply(app.words, summary, "Radicalisation")
    demo = alert_reply(app.words, summary, "Radicalisation", demo=True)
    banner = "DEMO SCHOOL — made-up people; this alert did not reach a real DSL."
    assert demo.text == f"{banner}\n{real.text}" and real.text.startswith("URGENT")
    assert "DEMO" not in real.text
    assert (demo.choices, demo.facts, demo.urgent, demo.expects) == (real.choices, real.facts, True, "choice")


async def test_the_demo_receipt_line_says_nothing_reached_a_real_dsl(app: App) -> None:
    line = app.words("raise.demo_receipt")
    assert "DEMO SCHOOL" in line and "nothing you told me has reached a real DSL" in line
    assert "Set up prevent.toml before real use" in line
