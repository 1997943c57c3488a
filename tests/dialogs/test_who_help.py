"""Who do I talk to, and help from the content file."""

from datetime import datetime

from bot.app import App
from tests.helpers import LONDON, TEACHER_EMAIL, Conversation, FrozenClock


async def test_who_gives_today_contacts_and_numbers(app: App) -> None:
    convo = Conversation(app.engine, TEACHER_EMAIL)
    await convo.tap("go:who", token=None)
    facts = dict(convo.replies[0].facts)
    assert "Alex Example" in facts["DSL on duty today"]  # Wednesday in the demo rota
    assert "020 7946 0101" in facts["DSL on duty today"]
    assert "Sam Sample" in facts["Deputy DSLs"]
    assert "Jo Placeholder" in facts["About an adult who works with children: the headteacher"]
    assert "Chris Governor" in facts["About the headteacher: the chair of governors"]
    assert "020 7340 7264" in facts["DfE counter-extremism helpline (non-emergency advice)"]
    assert "999" in convo.text and "101" in convo.text
    assert "DEMO SCHOOL" in convo.text


async def test_every_help_topic_has_words(app: App) -> None:
    topics = dict(app.words.help_topics())
    assert set(topics) == {"disclosure", "prevent", "signs", "channel", "images", "sharing", "controversial",
                           "british_values", "training"}
    for topic_id, title in topics.items():
        convo = Conversation(app.engine, TEACHER_EMAIL)
        await convo.tap("go:help", token=None)
        await convo.tap(topic_id)
        assert title in convo.text
        assert len(convo.replies[0].text) > 150


async def test_help_topic_by_typed_words(app: App) -> None:
    convo = Conversation(app.engine, TEACHER_EMAIL)
    await convo.say("help")
    await convo.say("british valus")
    assert "democracy" in convo.text


async def test_wording_can_be_overridden_by_the_school(tmp_path: object) -> None:
    from pathlib import Path

    from bot.services.wording import Words

    override = Path(str(tmp_path)) / "ours.toml"
    override.write_text('[menu]\nraise = "Tell the DSL about a worry"\n'
                        '[help_topics.local]\ntitle = "Our policy"\nbody = "See the staff handbook."\n')
    words = Words(override)
    assert words("menu.raise") == "Tell the DSL about a worry"
    assert words("menu.who") == "Who do I talk to?"
    assert ("local", "Our policy") in words.help_topics()
    assert words("no.such.key") == "no.such.key"


async def test_a_deputy_on_duty_is_not_also_called_missing(app: App, clock: FrozenClock) -> None:
    clock.now = datetime(2026, 11, 27, 10, 0, tzinfo=LONDON)  # a Friday: the demo deputy is on duty too
    convo = Conversation(app.engine, TEACHER_EMAIL)
    await convo.tap("go:who", token=None)
    facts = dict(convo.replies[0].facts)
    assert "Alex Example" in facts["DSL on duty today"] and "Sam Sample" in facts["DSL on duty today"]
    assert "Deputy DSLs" not in facts  # it said "Nobody is listed — speak to the headteacher"
    assert "Nobody is listed" not in convo.text
