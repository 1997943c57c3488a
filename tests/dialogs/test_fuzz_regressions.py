"""What fuzzing found, kept: forged button values, NUL characters, "start again" and crashed turns replayed."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from sqlmodel import select

from bot.app import App, build
from bot.config import demo_text, parse
from dialogs.alerts import parse_concern_id
from dialogs.intents import pick
from dialogs.messages import Inbound, Reply
from handlers.console import ConsoleChat
from storage.models import Audit, Concern, ConcernEvent, Outbox, TrainingRecord
from tests.dialogs import fuzz_inputs as inputs
from tests.dialogs.fuzz_harness import CrashingStore, SimulatedCrash
from tests.helpers import (
    DSL_EMAIL,
    TEACHER_EMAIL,
    Conversation,
    FrozenClock,
    make_settings,
    raised,
    start,
    tell_from_account,
    tell_up_to_review,
)

INT64_MAX = 2**63 - 1
PICK_ONE = "Sorry, I didn't recognise that. Please choose one of the options below (you can type its number)."


@given(st.integers(1, INT64_MAX))
def test_every_id_a_button_carries_parses_back(concern_id: int) -> None:
    assert parse_concern_id(str(concern_id)) == concern_id


@given(inputs.concern_id_text())
@example("99999999999999999999")  # past SQLite's 64-bit integers: was an OverflowError out of the engine
@example(str(INT64_MAX + 1))
@example("9" * 5_000)  # past Python's 4,300-digit limit for int(): was a ValueError
@example("²")  # str.isdigit() is true for it, int() refuses it: was a ValueError
@example("٣")  # an Arabic-Indic three: int() reads 3, but no button is written so
@example("0")
@example("-1")
@example("1.5")
@example(" 1")
@example("01")
def test_an_id_is_read_only_as_the_bot_writes_it(text: str) -> None:
    assert parse_concern_id(text) == as_written(text)


def as_written(text: str) -> int | None:
    """The id `text` is when it is exactly how the bot writes one (the oracle)."""
    if not (text.isascii() and text.isdigit()) or len(text) > 19:
        return None
    value = int(text)
    return value if str(value) == text and 0 < value <= INT64_MAX else None


FORGED_IDS = ("99999999999999999999", str(INT64_MAX + 1), "9" * 5_000, "²", "٣", "", "abc", "-1", "1.5", "0", "03")


async def test_a_forged_id_is_not_found_for_the_dsl_and_changes_nothing(app: App) -> None:
    for _ in range(3):  # concerns 1 to 3 exist: "٣" and "03" must not reach concern 3
        convo = await start(app)
        await tell_up_to_review(convo)
        await convo.tap("submit")
    dsl = Conversation(app.engine, DSL_EMAIL)
    for verb in ("view", "ack", "note", "action", "close"):
        for concern in FORGED_IDS:
            await dsl.tap(f"dsl:{verb}:{concern}", token=None)
            assert dsl.replies[0].text == "I can't find that concern.", (verb, concern[:30])
    async with app.db.transaction() as session:
        statuses = {c.status for c in (await session.exec(select(Concern))).all()}
        events = (await session.exec(select(ConcernEvent))).all()
        views = (await session.exec(select(Audit).where(Audit.action == "concern.view"))).all()
    assert statuses == {"new"} and len(events) == 3 and views == []


@pytest.mark.parametrize("choice", ["dsl:view:99999999999999999999", "dsl:ack:" + "9" * 5_000, "dsl:" + "x" * 500,
                                    "dsl:view:²", "dsl::", "dsl:"])
async def test_a_forged_button_from_outside_the_dsl_team_is_refused_and_audited(app: App, choice: str) -> None:
    teacher = Conversation(app.engine, TEACHER_EMAIL)
    await teacher.tap(choice, token=None)
    assert teacher.replies[0].text.startswith("Sorry, only members of the school's DSL team")
    async with app.db.transaction() as session:
        [audit] = (await session.exec(select(Audit))).all()
    assert (audit.actor, audit.allowed) == (TEACHER_EMAIL, False)
    assert len(audit.action) <= 60 and len(audit.target) <= 100  # the columns' sizes (PostgreSQL enforces them)


async def test_a_forged_verb_is_an_unknown_button_for_the_dsl(app: App) -> None:
    concern_id = await raised(app)
    dsl = Conversation(app.engine, DSL_EMAIL)
    for verb in ("delete", "VIEW", "view ", "x" * 500):
        await dsl.tap(f"dsl:{verb}:{concern_id}", token=None)
        assert dsl.replies[0].text == "Sorry, I don't recognise that button, so I haven't done anything."


@pytest.fixture
async def any_app(any_db_url: str, clock: FrozenClock) -> AsyncIterator[App]:
    """The app with the demo school, on SQLite and (when CI gives one) PostgreSQL."""
    built = await build(make_settings(any_db_url), config=parse(demo_text(), "demo"), clock=clock)
    yield built
    await built.close()


async def test_a_nul_character_in_the_year_group_still_submits(any_app: App) -> None:
    convo = await start(any_app)
    await convo.tap("no")
    await convo.tap("child")
    await convo.say("Jamie Testpupil")
    await convo.say("Year\x00 9")  # PostgreSQL's text cannot hold a NUL: the submit raised out of the turn
    await tell_from_account(convo)
    await convo.tap("submit")
    assert "C-2026-0001" in convo.text
    async with any_app.db.transaction() as session:
        [concern] = (await session.exec(select(Concern))).all()
    assert concern.year_group == "Year 9"


async def test_nul_characters_in_training_answers_are_dropped(any_app: App) -> None:
    dsl = Conversation(any_app.engine, DSL_EMAIL)
    await Conversation(any_app.engine, TEACHER_EMAIL).say("hello")
    await dsl.tap("go:training_done?for=other", token=None)
    await dsl.say(f"\x00{TEACHER_EMAIL}")  # was a look-up PostgreSQL refused
    await dsl.tap(dsl.choice_ids()[0])
    await dsl.tap("today")
    await dsl.say("cert\x00ificate.pdf")  # was a row PostgreSQL refused
    assert f"Recorded: {TEACHER_EMAIL} completed" in dsl.text
    async with any_app.db.transaction() as session:
        [record] = (await session.exec(select(TrainingRecord))).all()
    assert record.certificate == "certificate.pdf"


@pytest.mark.parametrize("policy", ["safe\x00guarding", "x" * 500, "../safeguarding", ""])
async def test_a_forged_policy_button_is_not_yours(any_app: App, policy: str) -> None:
    dsl = Conversation(any_app.engine, DSL_EMAIL)
    await dsl.tap(f"go:policy_review?policy={policy}", token=None)
    assert dsl.replies[0].text == "Only the policy's owner or the DSL team can mark this review done."


# Found by the property tests (crash_then_replay) and fixed by the exactly-once work (Turn.once, turn_effect):
# the process dies after a turn's effects, before its session is saved, and the same message comes again.


def crashing(app: App) -> CrashingStore:
    """Puts a crash-on-demand store in front of the app's session store."""
    store = CrashingStore(app.engine.store)
    app.engine.store = store
    return store


async def concerns_and_events(app: App) -> tuple[list[str], list[str]]:
    async with app.db.transaction() as session:
        concerns = [c.reference for c in (await session.exec(select(Concern))).all()]
        events = [e.kind for e in (await session.exec(select(ConcernEvent))).all()]
    return concerns, events


async def test_a_crash_after_the_urgent_alert_is_replayed_without_a_second_concern(app: App) -> None:
    convo = await start(app)
    await convo.tap("yes")
    crashing(app).armed = True
    with pytest.raises(SimulatedCrash):
        await convo.tap("child")  # the urgent concern and its alerts are stored, then the process dies
    await convo.tap("child")  # the inbox runs the same event again
    assert await concerns_and_events(app) == (["C-2026-0001"], ["urgent_alert"])
    assert "C-2026-0001" in convo.text


async def test_a_crash_after_submitting_is_replayed_without_a_second_concern(app: App) -> None:
    convo = await start(app)
    await tell_up_to_review(convo)
    crashing(app).armed = True
    with pytest.raises(SimulatedCrash):
        await convo.tap("submit")
    await convo.tap("submit")
    assert await concerns_and_events(app) == (["C-2026-0001"], ["created"])
    assert "C-2026-0001" in convo.text


async def test_a_crash_after_a_note_is_replayed_without_a_second_note(app: App) -> None:
    concern_id = await raised(app)
    dsl = Conversation(app.engine, DSL_EMAIL)
    await dsl.tap(f"dsl:note:{concern_id}", token=None)
    crashing(app).armed = True
    with pytest.raises(SimulatedCrash):
        await dsl.say("Spoke to the form tutor")
    await dsl.say("Spoke to the form tutor")
    assert (await concerns_and_events(app))[1] == ["created", "note"]


# "start again" inside a dialog that a button started with what it is about: the dialog forgot it. Found by
# the long profile (a policy review: KeyError out of the turn).
async def test_start_again_in_a_policy_review_keeps_the_policy(app: App) -> None:
    dsl = Conversation(app.engine, DSL_EMAIL)
    await dsl.tap("go:policy_review?policy=safeguarding", token=None)
    await dsl.say("start again")
    assert "'Safeguarding and child protection'" in dsl.last.text
    await dsl.say("today")
    await dsl.say("Reviewed with governors")
    assert dsl.replies[0].text.startswith("Recorded: 'Safeguarding and child protection' reviewed on 2026-11-25")


async def test_start_again_in_a_dsl_action_keeps_the_concern_and_the_action(app: App) -> None:
    concern_id = await raised(app)
    dsl = Conversation(app.engine, DSL_EMAIL)
    await dsl.tap(f"dsl:close:{concern_id}", token=None)
    await dsl.tap("nfa")
    await dsl.say("start again")
    assert dsl.last.text == "What is the outcome for C-2026-0001?"  # the close, not a note
    await dsl.tap("monitor")
    await dsl.say("Watching attendance")
    assert dsl.replies[0].text.startswith("C-2026-0001 is closed")
    await dsl.tap(f"dsl:note:{concern_id}", token=None)
    await dsl.say("start again")
    assert dsl.last.text == "Type the note to add to C-2026-0001's chronology."
    await dsl.say("Called home")  # was UnknownConcern out of the turn: the concern id was forgotten
    assert dsl.replies[0].text.startswith("Note added to C-2026-0001.")


async def test_start_again_when_recording_someone_elses_training_keeps_asking_whose(app: App) -> None:
    dsl = Conversation(app.engine, DSL_EMAIL)
    await dsl.tap("go:training_done?for=other", token=None)
    await dsl.say("start again")
    assert dsl.last.text == "Whose training are you recording? Type their email address."  # not the DSL's own


# A message sent twice (a double tap, a platform's retry) answers the next question too: the children's names
# became the year group, which the DSL alert shows. Found by the long profile (the teacher's marker in an alert).
async def test_a_name_sent_again_is_not_taken_as_the_year_group(app: App) -> None:
    convo = await start(app)
    await convo.tap("no")
    await convo.tap("children")
    await convo.say("Jamie Testpupil and Ana Example")
    for again in ("Jamie Testpupil and Ana Example", "Jamie's form", "year 9 (ana)"):
        await convo.say(again)
        assert convo.replies[0].text.startswith("That looks like a name."), again
    await convo.say("Year 9")
    await tell_from_account(convo)
    await convo.tap("submit")
    async with app.db.transaction() as session:
        [concern] = (await session.exec(select(Concern))).all()
        [alert] = (await session.exec(select(Outbox))).all()
    assert concern.year_group == "Year 9"
    assert "Jamie" not in alert.payload and "Ana" not in alert.payload


@given(inputs.free_text())
@example("9" * 5_000)  # past Python's 4,300-digit limit for int(): was a ValueError out of the turn (long profile)
@example("3")
def test_picking_from_typed_text_never_raises(text: str) -> None:
    options = [("yes", "Yes"), ("no", "No"), ("maybe", "Not sure")]
    assert pick(text, options) in (None, "yes", "no", "maybe")


async def test_five_thousand_digits_at_a_choice_are_not_a_choice(app: App) -> None:
    convo = await start(app)
    await convo.tap("no")
    await convo.say("9" * 5_000)  # who is it about? (a choice read from typed text)
    assert convo.replies[0].text == PICK_ONE


@pytest.mark.parametrize("line", ["²", "٣", "9" * 5_000])
async def test_the_console_reads_odd_digits_as_text(app: App, line: str) -> None:
    chat = ConsoleChat(app.engine, NoMail(), TEACHER_EMAIL, "demo", jsonl=False, out=io.StringIO(), interactive=False)
    chat.shown.buttons = [("go:who", None), ("go:help", None), ("go:mine", None)]
    assert chat.parse(line) == Inbound(chat.user, chat.key, text=line)  # was a ValueError: int("²"), 5,000 digits
    assert chat.parse("2") == Inbound(chat.user, chat.key, choice="go:help")


class NoMail:
    """A console mailbox with nothing waiting."""

    async def collect(self, email: str) -> list[Reply]:
        return []
