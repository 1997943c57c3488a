"""Answers as staff type them: times ("today around 10.30"), a name with its class, kinds in everyday words."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.app import App, build
from bot.config import demo_text, parse
from storage import concerns as concern_store
from tests.helpers import Conversation, FrozenClock, make_settings, start, up_to_account

WHEN = "When did it happen?"
WHERE = "Where did it happen?"
ACCOUNT = "Tell me what you saw or heard"
YEAR_GROUP = "Which year group or class"


async def at_category(app: App) -> Conversation:
    """A concern about Jamie Testpupil told as far as the kind of concern."""
    convo = await start(app)
    await up_to_account(convo)
    await convo.say("Came in upset")
    await convo.tap("done")
    await convo.tap("none")  # no words of the child's
    return convo


async def at_when(app: App) -> Conversation:
    convo = await at_category(app)
    await convo.tap("neglect")
    await convo.tap("done")
    assert WHEN in convo.last.text
    return convo


async def submitted(app: App, convo: Conversation) -> dict[str, object]:
    """Answers the rest plainly, submits, and returns the stored draft."""
    await convo.say("Hall")
    await convo.say("Listened")
    await convo.say("Nobody")
    await convo.tap("nobody")
    await convo.tap("yes")
    await convo.tap("submit")
    async with app.db.transaction() as session:
        concern = await concern_store.by_reference(session, app.school_id, "C-2026-0001")
        assert concern is not None
        return dict(json.loads(app.db.cipher.decrypt(concern.details_enc)))


# --- times ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("said", ["today around 10.30", "this morning around break", "last Tuesday", "just now",
                                  "yesterday after school", "not sure, sometime this week", "yesterday period 5"])
async def test_times_as_people_write_them_are_taken(app: App, said: str) -> None:
    convo = await at_when(app)
    await convo.say(said)
    assert WHERE in convo.last.text


async def test_an_approximate_time_is_kept_in_the_reporters_words(app: App) -> None:
    convo = await at_when(app)
    await convo.say("today around 10.30")
    stored = await submitted(app, convo)
    assert (stored["when_text"], stored["occurred_at"]) == ("today around 10.30", "")


async def test_a_clock_time_is_exact_and_the_words_are_kept(app: App) -> None:
    convo = await at_when(app)
    await convo.say("this morning 7:50, before registration")
    await convo.say("Hall")
    await convo.say("Listened")
    await convo.say("Nobody")
    await convo.tap("nobody")
    await convo.tap("yes")
    assert dict(convo.last.facts)["When"] == "2026-11-25 07:50"
    await convo.tap("submit")
    async with app.db.transaction() as session:
        concern = await concern_store.by_reference(session, app.school_id, "C-2026-0001")
        assert concern is not None and concern.occurred_at is not None
        assert concern.occurred_at.hour == 7 and concern.occurred_at.minute == 50  # London is on UTC in November


@pytest.mark.parametrize("said", ["after school", "period 5", "tomorrow", "this afternoon", "next week"])
async def test_a_time_still_to_come_is_refused(app: App, said: str) -> None:
    convo = await at_when(app)  # Wednesday 10:30
    await convo.say(said)
    assert "in the future" in convo.text and WHEN in convo.last.text


async def test_the_school_day_is_the_school_files(tmp_path: Path, clock: FrozenClock) -> None:
    late_break = demo_text() + "\n[school_day]\nbreak = 11:00:00\nperiods = [09:00:00, 10:15:00]\n"
    app = await build(make_settings(f"sqlite:///{tmp_path / 'day.db'}"), config=parse(late_break, "day"), clock=clock)
    try:
        convo = await at_when(app)
        await convo.say("this morning around break")  # 11:00 there: not yet
        assert "in the future" in convo.text
        await convo.say("period 2")
        assert WHERE in convo.last.text
    finally:
        await app.close()


# --- names ------------------------------------------------------------------------------------------

async def named(app: App, about: str = "child") -> Conversation:
    convo = await start(app)
    await convo.tap("no")
    await convo.tap(about)
    return convo


@pytest.mark.parametrize(("said", "asked"), [("Jayden Mcarthy 9C", "Jayden Mcarthy, class 9C — right?"),
                                              ("jayden mcarthy year 9", "Jayden Mcarthy, Year 9 — right?")])
async def test_a_class_given_with_the_name_is_split_off_and_confirmed(app: App, said: str, asked: str) -> None:
    convo = await named(app)
    await convo.say(said)
    assert convo.last.text == asked and convo.choice_ids() == ["yes", "no"]
    await convo.tap("yes")
    assert ACCOUNT in convo.last.text  # the year group is not asked again
    await convo.say("Came in upset")
    await convo.tap("done")
    await convo.tap("none")
    await convo.tap("neglect")
    await convo.tap("done")
    await convo.say("today 09:00")
    stored = await submitted(app, convo)
    assert (stored["pupils"], stored["year_group"]) == ("Jayden Mcarthy", asked.split(", ")[1].split(" —")[0]
                                                       .removeprefix("class "))


async def test_a_split_that_is_wrong_asks_the_name_again(app: App) -> None:
    convo = await named(app)
    await convo.say("Jayden Mcarthy 9C")
    await convo.tap("no")
    assert "full name" in convo.last.text
    await convo.say("Jayden Mcarthy")
    assert YEAR_GROUP in convo.last.text


async def test_a_name_typed_again_at_the_check_is_read_afresh(app: App) -> None:
    convo = await named(app)
    await convo.say("Jayden Mcarthy 9C")
    await convo.say("Jayden McArthy 9D")
    assert convo.last.text == "Jayden McArthy, class 9D — right?"
    await convo.say("Jayden")  # a first name alone: the name is asked again
    assert "full name" in convo.text and "right?" not in convo.last.text


async def test_a_first_name_alone_is_never_several_childrens_full_names(app: App) -> None:
    convo = await named(app, "children")
    await convo.say("Zoe")
    assert "each child's full name" in convo.text
    await convo.say("Zoe and Liam Smith")
    assert "each child's full name" in convo.text
    await convo.say("Zoe Smith and Liam Smith")
    assert YEAR_GROUP in convo.last.text


async def test_several_children_each_with_a_class(app: App) -> None:
    convo = await named(app, "children")
    await convo.say("Zoe Smith 9C, Liam Jones 9D")
    assert convo.last.text == "Zoe Smith, class 9C; Liam Jones, class 9D — right?"
    await convo.tap("yes")
    assert ACCOUNT in convo.last.text


# --- kinds of concern from everyday words ---------------------------------------------------------

@pytest.mark.parametrize(("said", "kinds"), [
    ("far right stuff", ["radicalisation"]),
    ("watching ISIS videos", ["radicalisation", "online_safety"]),
    ("he's into incel stuff", ["radicalisation"]),
    ("she's self-harming", ["mental_health"]),
    ("bruises", ["physical_abuse"]),
    ("county lines", ["exploitation"]),
    ("sexting", ["child_on_child", "online_safety"]),
    ("i think its radicalisation, hes been saying stuff about a far right group", ["radicalisation"]),
])
async def test_everyday_words_propose_the_kind_and_a_tap_confirms(app: App, said: str, kinds: list[str]) -> None:
    convo = await at_category(app)
    await convo.say(said)
    labels = dict(app.directory.categories())
    assert convo.last.text.startswith("It sounds like: " + ", ".join(labels[k] for k in kinds))
    assert convo.choice_ids()[0] == "proposed" and "not_sure" in convo.choice_ids()
    await convo.tap("proposed")
    expected = "Optional: have you noticed" if "radicalisation" in kinds else WHEN
    assert expected in convo.last.text
    await convo.say("cancel")


async def test_incel_alone_is_a_kind_not_cancel(app: App) -> None:
    convo = await at_category(app)
    await convo.say("incel")
    assert convo.last.text.startswith("It sounds like: Radicalisation")


async def test_a_typed_yes_confirms_and_the_kind_is_stored(app: App) -> None:
    convo = await at_category(app)
    await convo.say("i think its radicalisation, hes been saying stuff about a far right group")
    await convo.say("yes")
    await convo.tap("none")  # no indicators
    await convo.say("today 09:00")
    stored = await submitted(app, convo)
    assert stored["category"] == "radicalisation"


async def test_a_proposal_is_only_a_proposal(app: App) -> None:
    convo = await at_category(app)
    await convo.say("bruises")
    await convo.tap("neglect")  # the reporter chooses another kind instead
    assert "Added." in convo.text and "So far: Neglect" in convo.last.text


@pytest.mark.parametrize("said", ["not sure", "dunno", "no idea"])
async def test_not_sure_is_always_accepted(app: App, said: str) -> None:
    convo = await at_category(app)
    await convo.say(said)
    assert WHEN in convo.last.text


async def test_words_that_name_no_kind_are_asked_kindly(app: App) -> None:
    convo = await at_category(app)
    await convo.say("hmm the thing from before")
    assert "I couldn't tell which kind" in convo.text and "not_sure" in convo.choice_ids()
