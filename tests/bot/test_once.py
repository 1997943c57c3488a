"""A turn that dies after its side effect committed, and runs again from the inbox, applies it once."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlmodel import col, func, select

from bot.app import App, build
from bot.config import demo_text, parse
from bot.delivery.inbox import DbInbox, Doorbell, InboxWorker
from dialogs.engine import ONCE
from dialogs.messages import Inbound
from dialogs.ports import ConcernDraft, Person, SavedSession
from storage import people
from storage.models import Audit, Concern, ConcernEvent, InboundEvent, Outbox, TrainingRecord
from tests.helpers import (
    DEPUTY_EMAIL,
    DSL_EMAIL,
    TEACHER_EMAIL,
    Conversation,
    FrozenClock,
    make_settings,
    retry_now,
    start,
    tell_up_to_review,
)
from tests.reminders.harness import make_app

PLATFORM = "console"


class Died(Exception):
    """The process was killed here (after the turn's effect committed, before its session did)."""


class DiesAtNextSave:
    """Wraps the session store: its next save or delete dies before committing, as a killed process would."""

    def __init__(self, real: Any) -> None:
        self.real, self.armed = real, True

    async def load(self, school_id: int, key: str) -> SavedSession | None:
        return await self.real.load(school_id, key)  # type: ignore[no-any-return]

    async def save(self, school_id: int, key: str, person: Person, saved: SavedSession) -> None:
        self._die()
        await self.real.save(school_id, key, person, saved)

    async def delete(self, school_id: int, key: str) -> None:
        self._die()
        await self.real.delete(school_id, key)

    def _die(self) -> None:
        if self.armed:
            self.armed = False
            raise Died


@pytest.fixture
async def any_app(any_db_url: str) -> AsyncIterator[App]:
    """The whole application on SQLite, and on PostgreSQL when PREVENT_TEST_POSTGRES_URL is set."""
    built = await build(make_settings(any_db_url), config=parse(demo_text(), "demo"), clock=FrozenClock())
    yield built
    await built.close()


async def die_then_replay(app: App, convo: Conversation, event_id: str, text: str = "", choice: str = "") -> None:
    """Runs one answer through the inbox, dying before its session is saved; then runs it again after a restart."""
    payload = {"text": text, "choice": choice, "token": convo.token or ""}
    assert await DbInbox(app.db, app.school_id, PLATFORM, Doorbell()).accept(event_id, convo.key, payload)

    async def process(event: dict[str, str]) -> None:
        inbound = Inbound(convo.user, convo.key, text=event["text"] or None, choice=event["choice"] or None,
                          prompt_token=event["token"] or None)
        convo.replies = await app.engine.handle(inbound)

    real = app.engine.store
    app.engine.store = dying = DiesAtNextSave(real)
    try:
        assert await InboxWorker(app.db, PLATFORM, process, Doorbell()).run_once() == 0
    finally:
        app.engine.store = real
    assert not dying.armed, "the turn never reached its session save"
    await retry_now(app)  # the restarted bot finds the event still pending and runs it again
    assert await InboxWorker(app.db, PLATFORM, process, Doorbell()).run_once() == 1
    async with app.db.reading() as session:
        row = (await session.exec(select(InboundEvent).where(InboundEvent.event_id == event_id))).one()
    assert row.status == "done"


async def count(app: App, model: Any, *where: Any) -> int:
    async with app.db.reading() as session:
        return int((await session.exec(select(func.count()).select_from(model).where(*where))).one())


async def concern_id(app: App) -> int:
    async with app.db.reading() as session:
        found = (await session.exec(select(Concern.id))).one()
    assert found is not None
    return found


async def test_a_submit_that_died_before_its_session_was_saved_stores_one_concern(any_app: App) -> None:
    convo = await start(any_app)
    await tell_up_to_review(convo)
    await die_then_replay(any_app, convo, "Ev-submit", choice="submit")
    assert "C-2026-0001" in convo.text  # the receipt, from the first run
    assert await count(any_app, Concern) == 1
    assert await count(any_app, ConcernEvent) == 1
    assert await count(any_app, Outbox, col(Outbox.kind) == "dsl_alert") == 1
    assert await count(any_app, Audit, col(Audit.action) == "concern.submit") == 1
    # The next concern told in the same conversation is a new one (a new dialog run, new keys).
    await convo.tap("go:raise_concern")
    await tell_up_to_review(convo)
    await convo.tap("submit")
    assert "C-2026-0002" in convo.text
    assert await count(any_app, Concern) == 2


async def test_an_urgent_alert_whose_turn_died_goes_once(any_app: App) -> None:
    convo = await start(any_app)
    await convo.tap("yes")
    assert "999" in convo.text and "C-2026" not in convo.text  # the 999 guidance at once; no alert before "who"
    assert await count(any_app, Concern) == 0
    await die_then_replay(any_app, convo, "Ev-about", choice="child")  # who it is about: the alert goes now
    assert "C-2026-0001" in convo.text and "the DSL team" in convo.text
    async with any_app.db.reading() as session:
        team = len(await people.list_staff(session, any_app.school_id, dsl_only=True))
    assert await count(any_app, Concern) == 1
    assert await count(any_app, Outbox, col(Outbox.kind) == "dsl_urgent") == 1
    assert await count(any_app, Outbox, col(Outbox.kind) == "dsl_direct") == team > 0
    assert await count(any_app, ConcernEvent, col(ConcernEvent.kind) == "urgent_alert") == 1


async def test_a_session_saved_before_keys_existed_is_still_told_once(app: App) -> None:
    convo = await start(app)
    await tell_up_to_review(convo)
    saved = await app.engine.store.load(app.school_id, convo.key)
    assert saved is not None and ONCE in saved.data
    del saved.data[ONCE]  # as an older version of the bot saved it
    person = await app.directory.identify(convo.user)
    await app.engine.store.save(app.school_id, convo.key, person, saved)
    await die_then_replay(app, convo, "Ev-submit", choice="submit")
    assert "C-2026-0001" in convo.text
    assert await count(app, Concern) == 1
    assert await count(app, Outbox, col(Outbox.kind) == "dsl_alert") == 1


@pytest.mark.parametrize(("verb", "steps", "kind"), [
    ("note", [], "note"),
    ("action", ["early_help"], "action"),
    ("close", ["nfa"], "closed"),
])
async def test_a_dsl_decision_whose_turn_died_is_recorded_once(app: App, verb: str, steps: list[str],
                                                              kind: str) -> None:
    convo = await start(app)
    await tell_up_to_review(convo)
    await convo.tap("submit")
    dsl = Conversation(app.engine, DSL_EMAIL)
    await dsl.tap(f"dsl:{verb}:{await concern_id(app)}", token=None)
    for step in steps:
        await dsl.tap(step)
    await die_then_replay(app, dsl, f"Ev-{verb}", text="Spoke to the family; agreed next steps")
    assert "C-2026-0001" in dsl.text and "someone else" not in dsl.text
    assert await count(app, ConcernEvent, col(ConcernEvent.kind) == kind) == 1
    assert await count(app, Outbox, col(Outbox.kind) == "dsl_update") == 1
    assert await count(app, Audit, col(Audit.action) == f"concern.{verb}") == 1
    assert await count(app, Outbox, col(Outbox.kind) == "reporter_update") == (1 if verb == "close" else 0)


async def test_two_people_acknowledging_at_once_make_one_acknowledgement(any_app: App) -> None:
    convo = await start(any_app)
    await tell_up_to_review(convo)
    await convo.tap("submit")
    first = await any_app.directory.identify(Conversation(any_app.engine, DSL_EMAIL).user)
    second = await any_app.directory.identify(Conversation(any_app.engine, DEPUTY_EMAIL).user)
    the_concern = await concern_id(any_app)
    summaries = await asyncio.gather(*(any_app.concerns.acknowledge(person, the_concern)
                                       for person in (first, second, first)))
    assert {s.status for s in summaries} == {"acknowledged"}
    assert await count(any_app, ConcernEvent, col(ConcernEvent.kind) == "acknowledged") == 1
    assert await count(any_app, Outbox, col(Outbox.kind) == "reporter_update") == 1
    assert await count(any_app, Outbox, col(Outbox.kind) == "dsl_update") == 1


async def test_the_same_key_submitted_twice_at_once_stores_one_concern(any_app: App) -> None:
    reporter = await any_app.directory.identify(Conversation(any_app.engine, TEACHER_EMAIL).user)
    draft = ConcernDraft(about="child", pupils="Jamie Testpupil", category="neglect", seen_heard="No coat")
    receipts = await asyncio.gather(*(any_app.concerns.submit(reporter, ConcernDraft.from_json(draft.to_json()),
                                                              "submit:same-run") for _ in range(3)))
    assert {r.reference for r in receipts} == {"C-2026-0001"}
    assert await count(any_app, Concern) == 1
    assert await count(any_app, Outbox, col(Outbox.kind) == "dsl_alert") == 1


async def test_training_recorded_by_a_turn_that_died_is_recorded_once(sqlite_url: str, clock: FrozenClock) -> None:
    app = await make_app(sqlite_url, clock)
    try:
        teacher = Conversation(app.engine, TEACHER_EMAIL)
        await teacher.say("I've done my training")
        await teacher.tap("prevent")
        await teacher.tap("today")
        before = await count(app, TrainingRecord)  # the staff file's records
        await die_then_replay(app, teacher, "Ev-certificate", choice="none")
        assert "completed Prevent awareness" in teacher.text
        assert await count(app, TrainingRecord) == before + 1
        assert await count(app, Audit, col(Audit.action) == "training.record") == 1
    finally:
        await app.close()


async def test_a_policy_review_marked_by_a_turn_that_died_is_recorded_once(sqlite_url: str,
                                                                           clock: FrozenClock) -> None:
    app = await make_app(sqlite_url, clock)
    try:
        head = Conversation(app.engine, "head@school.example")
        await head.tap("go:policy_review?policy=safeguarding", token=None)
        await head.tap("today")
        await die_then_replay(app, head, "Ev-review", text="Updated for KCSIE 2025")
        assert "reviewed on" in head.text
        assert await count(app, Audit, col(Audit.action) == "policy.review") == 1
    finally:
        await app.close()


async def test_an_allegation_whose_submit_died_is_stored_once_for_the_head(app: App) -> None:
    convo = await start(app)
    await convo.tap("no")
    await convo.tap("adult")
    await convo.tap("allegation")
    await convo.tap("head")  # no conflict of interest: the headteacher holds it
    await convo.say("Sam Placeholder, supply teacher")
    await convo.say("Saw him hold a pupil by the arm hard enough to leave a mark")
    await convo.tap("done")
    await convo.say("today 09:00")
    await convo.say("Playground")
    await convo.tap("nobody")
    assert convo.choice_ids()[0] == "submit"  # the review
    await die_then_replay(app, convo, "Ev-allegation", choice="submit")
    assert "C-2026-0001" in convo.text and "Jo Placeholder" in convo.text  # the receipt names who holds it
    assert await count(app, Concern) == 1
    assert await count(app, ConcernEvent) == 1
    assert await count(app, Audit, col(Audit.action) == "concern.submit") == 1
    assert await count(app, Outbox, col(Outbox.kind) == "dsl_direct") == 1  # the head, once
    assert await count(app, Outbox, col(Outbox.kind) == "dsl_alert") == 0  # never the DSL channel
    async with app.db.reading() as session:
        concern = (await session.exec(select(Concern))).one()
    assert concern.audience == "headteacher" and concern.about == "adult"
    assert "hold a pupil by the arm" in app.db.cipher.decrypt(concern.details_enc)  # the account is kept (sealed)
