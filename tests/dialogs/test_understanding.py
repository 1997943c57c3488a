"""Staff understood anywhere: questions mid-question, requests, yes and no, non-answers, review edits."""

from __future__ import annotations

import pytest

from bot.app import App
from dialogs.intents import main_menu, non_answer, request, topic_question, yes_no_said
from tests.helpers import TEACHER_EMAIL, Conversation, start, tell_up_to_review, up_to_account

SIGNS = "Signs to notice"
CONTROVERSIAL = "A controversial discussion in class"


async def idle(app: App) -> Conversation:
    """A teacher with no dialog running."""
    convo = Conversation(app.engine, TEACHER_EMAIL)
    await convo.greet()
    return convo


# The answers that reach each question of a concern about a child, not in danger (after `up_to_account`).
ANSWERS_BEFORE = {"seen_heard": [], "child_words": ["Came in hungry again", "done"]}
ANSWERS_BEFORE["place"] = [*ANSWERS_BEFORE["child_words"], "I haven't eaten", "neglect", "done", "today 09:00"]
ANSWERS_BEFORE["actions_taken"] = [*ANSWERS_BEFORE["place"], "Form room"]
ANSWERS_BEFORE["others_aware"] = [*ANSWERS_BEFORE["actions_taken"], "Gave breakfast"]
ANSWERS_BEFORE["present"] = [*ANSWERS_BEFORE["others_aware"], "Her form tutor"]
TAPPED = ("done", "neglect")


async def to_state(app: App, state: str) -> Conversation:
    """A teacher raising a concern, at the named question (a child, not in danger)."""
    convo = await start(app)
    if state == "danger":
        return convo
    await up_to_account(convo)
    for said in ANSWERS_BEFORE[state]:
        await (convo.tap(said) if said in TAPPED else convo.say(said))
    return convo


async def _state_of(app: App, convo: Conversation) -> str | None:
    return await app.engine.unfinished(convo.user, convo.key)


# --- 1. questions and requests anywhere ------------------------------------------------------------

@pytest.mark.parametrize("state", ["danger", "seen_heard", "place", "present"])
async def test_a_help_question_mid_question_is_answered_then_the_question_asked_again(app: App, state: str) -> None:
    convo = await to_state(app, state)
    question = convo.last.text
    await convo.say("what are signs of radicalisation?")
    assert SIGNS in convo.replies[0].text
    assert convo.last.text == question
    assert "What would you like to know about?" not in convo.text  # the topic itself, not the help menu


async def test_an_account_that_mentions_a_topic_is_kept_as_the_account(app: App) -> None:
    convo = await to_state(app, "seen_heard")
    await convo.say("He asked me what Prevent is and said he wants to join a far right group")
    assert "Anything to add?" in convo.last.text
    assert "What is Prevent?" not in convo.text


async def test_the_answer_after_a_question_is_kept_as_the_answer(app: App) -> None:
    convo = await to_state(app, "place")
    await convo.say("what's Channel")
    assert "What is Channel?" in convo.replies[0].text
    await convo.say("Form room")
    assert "What has been done already?" in convo.last.text


@pytest.mark.parametrize(("said", "topic"), [("what is prevent", "What is Prevent?"),
                                             ("what's Channel", "What is Channel?"),
                                             ("can I talk about terrorism in class", CONTROVERSIAL)])
async def test_inside_the_help_menu_a_question_shows_its_topic(app: App, said: str, topic: str) -> None:
    convo = await idle(app)
    await convo.tap("go:help")
    await convo.say(said)
    assert topic in convo.replies[0].text
    assert await app.engine.unfinished(convo.user, convo.key) is None


async def test_worried_inside_the_help_menu_starts_a_concern(app: App) -> None:
    convo = await idle(app)
    await convo.tap("go:help")
    await convo.say("I'm worried about a pupil")
    assert "immediate danger" in convo.last.text
    assert await app.engine.unfinished(convo.user, convo.key) == "raise_concern"


async def test_who_do_i_talk_to_mid_concern_then_the_question(app: App) -> None:
    convo = await to_state(app, "place")
    await convo.say("who do I speak to?")
    assert "Who to talk to" in convo.text
    assert "Where did it happen?" in convo.last.text


async def test_starting_another_dialog_inside_one_offers_a_pause_and_the_first_resumes(app: App) -> None:
    convo = await to_state(app, "place")
    await convo.say("my concerns")
    assert "pause" in convo.last.text.lower() and {"yes", "no"} <= set(convo.choice_ids())
    await convo.tap("yes")
    assert "Paused" in convo.text and "haven't raised any concerns" in convo.text
    assert "Where did it happen?" in convo.last.text  # back to the concern, at the same question
    await convo.say("Form room")
    assert "What has been done already?" in convo.last.text


async def test_saying_no_to_the_pause_carries_on(app: App) -> None:
    convo = await to_state(app, "place")
    await convo.say("my concerns")
    await convo.say("no")
    assert "Where did it happen?" in convo.last.text


async def test_a_concern_asked_for_inside_training_offers_a_pause(app: App) -> None:
    convo = await idle(app)
    await convo.tap("go:training_done")
    await convo.say("I'm worried about a pupil")
    await convo.say("yes")
    assert "immediate danger" in convo.last.text
    await convo.say("cancel")
    assert "recording training" in convo.text  # the first carries on after


@pytest.mark.parametrize("command", ["cancel", "back", "start again"])
async def test_commands_work_in_the_help_menu_and_the_pause(app: App, command: str) -> None:
    convo = await to_state(app, "place")
    await convo.say("my concerns")
    await convo.say(command)
    assert convo.last.text  # answered, never refused
    assert await _state_of(app, convo) in ("raise_concern", "pause")


# --- 2. a question about a topic is never taken as a concern -----------------------------------------

@pytest.mark.parametrize("said", ["what are signs of radicalisation", "how do I know if a kid is being radicalised?"])
async def test_from_the_menu_a_signs_question_answers_signs_not_a_concern(app: App, said: str) -> None:
    convo = await idle(app)
    await convo.say(said)
    assert SIGNS in convo.text
    assert "immediate danger" not in convo.text
    assert await _state_of(app, convo) is None


async def test_i_need_to_speak_to_someone_about_a_kid_starts_a_concern(app: App) -> None:
    convo = await idle(app)
    await convo.say("I need to speak to someone about a kid")
    assert "immediate danger" in convo.last.text


async def test_talking_about_terrorism_in_class_is_the_controversial_topic(app: App) -> None:
    convo = await idle(app)
    await convo.say("can I talk about terrorism in class")
    assert CONTROVERSIAL in convo.text and "Who to talk to" not in convo.text


@pytest.mark.parametrize(("said", "title"), [("what is prevent", "What is Prevent?"),
                                             ("what's Channel", "What is Channel?")])
async def test_what_is_prevent_and_channel_are_answered_directly(app: App, said: str, title: str) -> None:
    convo = await idle(app)
    await convo.say(said)
    assert title in convo.replies[0].text
    assert "What would you like to know about?" not in convo.text


async def test_unsure_whether_to_report_or_learn_asks(app: App) -> None:
    convo = await idle(app)
    await convo.say("a kid being radicalised")
    assert "raise a concern about a child, or find out about signs of radicalisation" in convo.last.text
    await convo.tap("learn")
    assert SIGNS in convo.text
    convo = await idle(app)
    await convo.say("a kid being radicalised")
    await convo.say("raise a concern")
    assert "immediate danger" in convo.last.text


# --- 3. yes and no in everyday forms ------------------------------------------------------------------

@pytest.mark.parametrize("said", ["nah", "no not right now i dont think", "Nope", "i don't think so"])
async def test_an_everyday_no_to_danger_moves_on(app: App, said: str) -> None:
    convo = await start(app)
    await convo.say(said)
    assert "Who is the concern about?" in convo.last.text
    assert "Call 999" not in convo.text


async def test_an_everyday_yes_to_danger_shows_999(app: App) -> None:
    convo = await start(app)
    await convo.say("yeah he said he's going to hurt someone")
    assert "Call 999" in convo.text


@pytest.mark.parametrize("said", ["not sure", "maybe", "no but he has a knife", "hmm"])
async def test_an_unclear_answer_to_danger_is_asked_again_never_a_no(app: App, said: str) -> None:
    convo = await start(app)
    await convo.say(said)
    assert "immediate danger" in convo.last.text
    assert "Who is the concern about?" not in convo.text


async def test_ok_send_it_at_review_sends(app: App) -> None:
    convo = await start(app)
    await tell_up_to_review(convo)
    await convo.say("ok send it")
    assert "C-2026-0001" in convo.text


async def test_dont_send_it_at_review_does_not_send(app: App) -> None:
    convo = await start(app)
    await tell_up_to_review(convo)
    await convo.say("don't send it yet")
    assert "C-2026-0001" not in convo.text
    assert await _state_of(app, convo) == "raise_concern"


# --- 4. "don't know", "nobody", "nothing yet"; "not sure what you mean" ------------------------------

@pytest.mark.parametrize(("state", "said", "label", "stored"), [
    ("place", "don't know", "Where", "Not known"),
    ("actions_taken", "nothing yet", "Done already", "None"),
    ("actions_taken", "not sure", "Done already", "Not known"),
    ("others_aware", "I don't know", "Who else knows", "Not known"),
    ("others_aware", "nobody", "Who else knows", "None"),
    ("present", "no one", "Who was there", "None"),
])
async def test_non_answers_are_stored_as_not_known_or_none(app: App, state: str, said: str, label: str,
                                                           stored: str) -> None:
    convo = await to_state(app, state)
    await convo.say(said)
    order = ["place", "actions_taken", "others_aware", "present"]
    for later in order[order.index(state) + 1:]:  # ordinary answers to the rest, up to the review
        await (convo.tap("nobody") if later == "present" else convo.say("Gave breakfast"))
    await convo.tap("yes")  # the child was told it will be shared
    assert dict(convo.last.facts)[label] == stored


async def from_when_to_review(convo: Conversation) -> None:
    """Ordinary answers from "when" to the review."""
    for said in ("today 09:00", "Form room", "Gave breakfast", "Her tutor"):
        await convo.say(said)
    await convo.tap("nobody")
    await convo.tap("yes")


async def test_child_words_dont_know_is_not_known(app: App) -> None:
    convo = await to_state(app, "child_words")
    await convo.say("not sure")
    assert "What kind of concern" in convo.last.text
    await convo.tap("neglect")
    await convo.tap("done")
    await from_when_to_review(convo)
    assert dict(convo.last.facts)["Child's words"] == "Not known"


async def test_indicators_not_sure_is_not_known(app: App) -> None:
    convo = await start(app)
    await up_to_account(convo)
    for said in ("Came in hungry", "done", "Nothing was said", "radicalisation", "done"):
        await (convo.tap(said) if said in ("done", "radicalisation") else convo.say(said))
    await convo.say("not sure")
    assert "When did it happen?" in convo.last.text
    await from_when_to_review(convo)
    assert dict(convo.last.facts)["Prevent indicators"] == "Not known"


@pytest.mark.parametrize("state", ["place", "actions_taken", "others_aware", "present", "danger"])
async def test_not_sure_what_you_mean_explains_the_question_and_asks_again(app: App, state: str) -> None:
    convo = await to_state(app, state)
    question = convo.last.text
    await convo.say("not sure what you mean")
    assert convo.replies[0].text != question and "not sure what you mean" not in convo.replies[0].text
    assert "explain" not in convo.replies[0].text  # a real explanation, not a missing key
    assert convo.last.text == question


async def test_a_real_answer_with_nobody_in_it_is_kept_as_said(app: App) -> None:
    convo = await to_state(app, "others_aware")
    await convo.say("Nobody else except Ms Example")
    await convo.tap("nobody")
    await convo.tap("yes")
    assert dict(convo.last.facts)["Who else knows"] == "Nobody else except Ms Example"


# --- 5. review edits by what the person calls the field ----------------------------------------------

@pytest.mark.parametrize(("said", "asked"), [
    ("change the name", "full name"),
    ("the place is wrong", "Where did it happen?"),
    ("wrong time", "When did it happen?"),
    ("change the kind", "What kind of concern"),
    ("the class is wrong", "Which year group or class"),
    ("change what he said", "in their own words"),
])
async def test_review_edits_by_the_field_s_name(app: App, said: str, asked: str) -> None:
    convo = await start(app)
    await tell_up_to_review(convo)
    await convo.say(said)
    assert asked in convo.last.text


async def test_changing_the_name_goes_back_to_the_review_with_the_new_name(app: App) -> None:
    convo = await start(app)
    await tell_up_to_review(convo)
    await convo.say("change the name")
    await convo.say("Jamie Testpupil-Example")
    assert dict(convo.last.facts)["Name(s)"] == "Jamie Testpupil-Example"
    assert "Please check your concern" in convo.last.text


async def test_add_to_what_he_said_appends_and_returns_to_review(app: App) -> None:
    convo = await start(app)
    await tell_up_to_review(convo)
    await convo.say("add to what he said")
    assert "Anything to add?" in convo.last.text
    await convo.say("He also said nobody is at home")
    await convo.tap("done")
    assert dict(convo.last.facts)["Child's words"] == "I haven't eaten since Friday\nHe also said nobody is at home"


# --- the readers themselves ---------------------------------------------------------------------------

@pytest.mark.parametrize(("said", "expected"), [
    ("what are signs of radicalisation", ("topic", "signs")), ("how do I know if a kid is being radicalised?",
                                                                ("topic", "signs")),
    ("I need to speak to someone about a kid", ("dialog", "raise_concern")),
    ("can I talk about terrorism in class", ("topic", "controversial")), ("what is prevent", ("topic", "prevent")),
    ("what's Channel", ("topic", "channel")), ("I'm worried about a pupil", ("dialog", "raise_concern")),
    ("I'm worried a kid is being radicalised", ("dialog", "raise_concern")), ("good morning", None),
    ("a kid being radicalised", ("unsure", "signs")), ("whats the dsl phone number", ("dialog", "who")),
])
def test_main_menu_reading(said: str, expected: tuple[str, str] | None) -> None:
    assert main_menu(said) == expected


def test_questions_and_requests_mid_dialog() -> None:
    assert topic_question("what are the signs?") == "signs"
    assert topic_question("Form room") is None
    assert topic_question("I'm worried he is being radicalised?") is None  # a worry, not a question
    assert request("I'm worried about a pupil") == "raise_concern"
    assert request("I saw him in the corridor") is None


@pytest.mark.parametrize(("said", "expected"), [
    ("nah", False), ("no not right now i dont think", False), ("yeah he said he's going to hurt someone", True),
    ("yep", True), ("not sure", None), ("maybe", None), ("i think so", True), ("nope", False), ("hmm", None)])
def test_yes_no_said(said: str, expected: bool | None) -> None:
    assert yes_no_said(said) is expected


@pytest.mark.parametrize(("said", "expected"), [
    ("don't know", "not_known"), ("not sure", "not_known"), ("dunno", "not_known"), ("nobody", "none"),
    ("nothing yet", "none"), ("no one", "none"), ("not sure what you mean", "explain"), ("what?", "explain"),
    ("Form room", None), ("not sure, maybe the library", None), ("Nobody else except Ms Example", None)])
def test_non_answer(said: str, expected: str | None) -> None:
    assert non_answer(said) == expected


@pytest.mark.parametrize("command", ["cancel", "start again", "back"])
async def test_commands_work_inside_the_help_menu(app: App, command: str) -> None:
    convo = await idle(app)
    await convo.tap("go:help")
    await convo.say(command)
    assert "Sorry, I didn't recognise that" not in convo.text


async def test_worried_inside_a_concern_carries_on_the_same_concern(app: App) -> None:
    convo = await to_state(app, "place")
    await convo.say("I'm worried about a pupil")
    assert "already doing this" in convo.text and "Where did it happen?" in convo.last.text


async def test_adult_name_dont_know_is_not_known(app: App) -> None:
    convo = await start(app)
    await convo.tap("no")
    await convo.tap("adult")
    await convo.tap("low_level")
    await convo.say("no idea")
    assert "Tell me what you saw or heard about this adult" in convo.last.text
    await convo.say("Shouted at a pupil in the corridor")
    await convo.tap("done")
    for said in ("today 09:00", "Corridor"):
        await convo.say(said)
    await convo.tap("nobody")
    assert dict(convo.last.facts)["The adult"] == "Not known"


@pytest.mark.parametrize(("said", "title"), [("radicalisation", SIGNS),
                                             ("british values", "Fundamental British values"),
                                             ("sharing info without consent", "Sharing information without consent")])
async def test_the_help_menu_takes_a_topic_in_everyday_words(app: App, said: str, title: str) -> None:
    convo = await idle(app)
    await convo.tap("go:help")
    await convo.say(said)
    assert title in convo.replies[0].text
