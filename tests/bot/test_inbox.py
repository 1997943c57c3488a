"""The durable inbox: stored before the platform is answered, processed once, in order, after restarts."""

from __future__ import annotations

import asyncio
import re
import sqlite3
from collections.abc import AsyncIterator, Callable
from typing import TypeVar

import pytest
from sqlmodel import select

from bot.app import App, build
from bot.config import demo_text, parse
from bot.delivery.inbox import MAX_ATTEMPTS, TURN_HOLD_SECONDS, DbInbox, Doorbell, InboxWorker
from dialogs.messages import UserRef
from dialogs.ports import SavedSession
from storage.db import InlineUnavailable
from storage.models import InboundEvent
from tests.helpers import FrozenClock, make_settings, retry_now

T = TypeVar("T")


@pytest.fixture
async def any_app(any_db_url: str) -> AsyncIterator[App]:
    """The whole application on SQLite, and on PostgreSQL when PREVENT_TEST_POSTGRES_URL is set."""
    built = await build(make_settings(any_db_url), config=parse(demo_text(), "demo"), clock=FrozenClock())
    yield built
    await built.close()


async def rows(app: App) -> list[InboundEvent]:
    async with app.db.transaction() as session:
        return list((await session.exec(select(InboundEvent))).all())


async def test_accepted_once_encrypted_and_processed_in_order(app: App) -> None:
    inbox = DbInbox(app.db, app.school_id, "slack", Doorbell())
    assert await inbox.accept("Ev1", "slack:T:D1", {"text": "Jamie Testpupil said something"})
    assert not await inbox.accept("Ev1", "slack:T:D1", {"text": "Jamie Testpupil said something"})
    assert await inbox.accept("Ev2", "slack:T:D1", {"text": "second"})
    assert await inbox.accept("Ev3", "slack:T:D2", {"text": "other conversation"})
    assert all("Jamie" not in r.payload_enc for r in await rows(app))
    seen: list[str] = []

    async def process(payload: dict[str, str]) -> None:
        seen.append(payload["text"])

    # A new worker (as after a restart) finds what was accepted before.
    assert await InboxWorker(app.db, "slack", process, Doorbell()).run_once() == 3
    assert seen.index("Jamie Testpupil said something") < seen.index("second")
    assert {r.status for r in await rows(app)} == {"done"}
    assert all(r.payload_enc == "" for r in await rows(app))
    assert await InboxWorker(app.db, "slack", process, Doorbell()).run_once() == 0


async def test_a_failure_holds_the_conversation_and_is_retried(app: App, caplog: pytest.LogCaptureFixture) -> None:
    inbox = DbInbox(app.db, app.school_id, "slack", Doorbell())
    await inbox.accept("Ev1", "slack:T:D1", {"text": "first"})
    await inbox.accept("Ev2", "slack:T:D1", {"text": "second"})
    failing, seen = [True], []

    async def process(payload: dict[str, str]) -> None:
        if failing[0]:
            raise RuntimeError("Slack is down")
        seen.append(payload["text"])

    worker = InboxWorker(app.db, "slack", process, Doorbell())
    assert await worker.run_once() == 0
    assert [r.attempts for r in await rows(app)] == [1, 0]  # the second waits behind the first
    assert "first" not in caplog.text
    failing[0] = False
    await retry_now(app)
    assert await worker.run_once() == 2
    assert seen == ["first", "second"]


async def test_a_later_message_waits_while_an_earlier_one_waits_for_its_retry(any_app: App) -> None:
    inbox = DbInbox(any_app.db, any_app.school_id, "slack", Doorbell())
    await inbox.accept("Ev1", "slack:T:D1", {"text": "first"})
    failing, seen = [True], []

    async def process(payload: dict[str, str]) -> None:
        if failing[0] and payload["text"] == "first":
            raise RuntimeError("Slack is down")
        seen.append(payload["text"])

    worker = InboxWorker(any_app.db, "slack", process, Doorbell())
    assert await worker.run_once() == 0  # failed: its retry is due in two seconds
    await inbox.accept("Ev2", "slack:T:D1", {"text": "second"})
    await inbox.accept("Ev3", "slack:T:D2", {"text": "someone else"})
    assert await worker.run_once() == 1  # the other conversation runs; "second" waits behind "first"
    assert seen == ["someone else"]
    failing[0] = False
    await retry_now(any_app)
    assert await worker.run_once() == 2
    assert seen == ["someone else", "first", "second"]


async def test_a_slow_turn_does_not_hold_up_other_conversations(app: App) -> None:
    import asyncio

    inbox = DbInbox(app.db, app.school_id, "slack", Doorbell())
    slow_started, release, seen = asyncio.Event(), asyncio.Event(), []

    async def process(payload: dict[str, str]) -> None:
        if payload["text"] == "slow":
            slow_started.set()
            await release.wait()
        seen.append(payload["text"])

    worker = InboxWorker(app.db, "slack", process, inbox.doorbell)
    running = asyncio.create_task(worker.run_forever())
    await inbox.accept("Ev1", "slack:T:D1", {"text": "slow"})
    await asyncio.wait_for(slow_started.wait(), 5)
    await inbox.accept("Ev2", "slack:T:D2", {"text": "quick"})  # arrives while the slow turn runs
    for _ in range(100):
        if seen:
            break
        await asyncio.sleep(0.02)
    assert seen == ["quick"]
    release.set()
    for _ in range(100):
        if len(seen) == 2:
            break
        await asyncio.sleep(0.02)
    assert seen == ["quick", "slow"]
    worker.stop()
    await asyncio.wait_for(running, 5)


async def test_an_event_that_always_fails_is_parked_not_lost(app: App) -> None:
    inbox = DbInbox(app.db, app.school_id, "slack", Doorbell())
    await inbox.accept("Ev1", "slack:T:D1", {"text": "x"})

    async def process(payload: dict[str, str]) -> None:
        raise RuntimeError("a bug")

    worker = InboxWorker(app.db, "slack", process, Doorbell())
    for _ in range(MAX_ATTEMPTS):
        await retry_now(app)
        await worker.run_once()
    [row] = await rows(app)
    assert (row.status, row.attempts) == ("failed", MAX_ATTEMPTS)
    assert row.payload_enc  # kept for an admin to look at


async def test_events_arriving_together_share_a_commit_and_repeats_are_still_dropped(any_app: App) -> None:
    import asyncio

    inbox = DbInbox(any_app.db, any_app.school_id, "slack", Doorbell())
    accepted = await asyncio.gather(*(inbox.accept(f"Ev{n % 30}", f"slack:T:D{n}", {"text": str(n)})
                                      for n in range(40)))
    assert accepted.count(True) == 30 and accepted.count(False) == 10
    assert len(await rows(any_app)) == 30


async def test_one_batch_skips_ids_stored_before_and_repeats_within_it(any_app: App) -> None:
    import asyncio

    inbox = DbInbox(any_app.db, any_app.school_id, "slack", Doorbell())
    assert await inbox.accept("Ev1", "slack:T:D1", {"text": "first"})
    accepted = await asyncio.gather(inbox.accept("Ev1", "slack:T:D1", {"text": "Slack's retry"}),
                                    inbox.accept("Ev2", "slack:T:D2", {"text": "new"}),
                                    inbox.accept("Ev2", "slack:T:D2", {"text": "new, retried at once"}),
                                    inbox.accept("Ev3", "slack:T:D3", {"text": "also new"}))
    assert list(accepted) == [False, True, False, True]
    stored = {row.event_id: any_app.db.cipher.decrypt(row.payload_enc) for row in await rows(any_app)}
    assert stored == {"Ev1": '{"text": "first"}', "Ev2": '{"text": "new"}', "Ev3": '{"text": "also new"}'}


async def test_a_cancelled_request_does_not_strand_the_rest_of_its_batch(any_app: App) -> None:
    import asyncio

    inbox = DbInbox(any_app.db, any_app.school_id, "slack", Doorbell())
    gone = asyncio.create_task(inbox.accept("Ev1", "slack:T:D1", {"text": "the sender hung up"}))
    kept = asyncio.create_task(inbox.accept("Ev2", "slack:T:D2", {"text": "still waiting"}))
    await asyncio.sleep(0)
    gone.cancel()
    assert await asyncio.wait_for(kept, 5)
    # Stored all the same: when Slack retries it, the retry is a repeat.
    assert {row.event_id for row in await rows(any_app)} == {"Ev1", "Ev2"}


async def test_a_turn_and_its_event_done_commit_together(app: App, caplog: pytest.LogCaptureFixture) -> None:
    person = await app.directory.identify(UserRef("slack", "T", "UTEACHER", "teacher@school.example"))
    store = app.engine.store
    inbox = DbInbox(app.db, app.school_id, "slack", Doorbell())
    await inbox.accept("Ev1", "slack:T:D1", {"text": "Jamie Testpupil"})
    await inbox.accept("Ev2", "slack:T:D2", {"text": "a reply Slack then refused"})
    saved: list[str] = []

    async def process(payload: dict[str, str]) -> None:
        """A turn that saves its session, then fails (e.g. posting the reply); the second one conflicts."""
        key = "k2" if "refused" in payload["text"] else "k1"
        version = 0 if key == "k1" else 99  # k2: a version that does not exist, so the save is refused
        await store.save(person.school_id, key, person,
                         SavedSession("raise_concern", "pupil", {"draft": {}}, "t", [], version))
        saved.append(key)
        raise RuntimeError("Slack was down")

    assert await InboxWorker(app.db, "slack", process, Doorbell()).run_once() == 1
    statuses = {r.event_id: (r.status, r.attempts) for r in await rows(app)}
    # The saved turn is done and never run again (it would apply the answer to the next question too) …
    assert statuses["Ev1"] == ("done", 0)
    assert "failed after its turn was saved; not run again" in caplog.text
    # … and a turn whose save did not commit is not done: it is retried.
    assert statuses["Ev2"] == ("pending", 1)
    assert saved == ["k1"]


async def test_a_sqlite_inbox_commits_on_the_loop_and_gives_way_to_another_process(
        app: App, sqlite_url: str) -> None:
    """Stored on the event loop's own connection; while another process writes, the usual way, with the same rows."""
    inbox = DbInbox(app.db, app.school_id, "slack", Doorbell())
    assert app.db.writes_inline
    outcomes: list[str] = []
    write_inline = app.db.write_inline

    async def watched(work: Callable[[sqlite3.Connection], T]) -> T:
        try:
            result = await write_inline(work)
        except InlineUnavailable:
            outcomes.append("the usual way")
            raise
        outcomes.append("on the loop")
        return result

    app.db.write_inline = watched  # type: ignore[method-assign]
    assert await inbox.accept("EvHere", "slack:T:D1", {"text": "first"})
    other = sqlite3.connect(sqlite_url.removeprefix("sqlite:///"), isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another process (a CLI command, say) holds SQLite's write lock
    waiting = asyncio.create_task(inbox.accept("EvAway", "slack:T:D1", {"text": "second"}))
    await asyncio.sleep(0.2)
    assert not waiting.done()  # it waits for the lock off the loop, rather than failing or blocking the loop
    other.execute("COMMIT")
    assert await waiting
    assert outcomes == ["on the loop", "the usual way"]
    raw = other.execute("SELECT event_id, status, attempts, received_at, next_attempt_at FROM inbound_event "
                        "ORDER BY id").fetchall()
    other.close()
    assert [row[:3] for row in raw] == [("EvHere", "pending", 0), ("EvAway", "pending", 0)]
    stamp = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}")  # as SQLAlchemy writes a DATETIME on SQLite
    assert all(stamp.fullmatch(value) for row in raw for value in row[3:])
    assert not await inbox.accept("EvHere", "slack:T:D1", {"text": "first"})  # a repeat, stored once
    seen: list[str] = []

    async def process(payload: dict[str, str]) -> None:
        seen.append(payload["text"])

    assert await InboxWorker(app.db, "slack", process, Doorbell()).run_once() == 2
    assert seen == ["first", "second"]


async def test_turns_wait_while_a_burst_of_requests_is_being_answered(app: App) -> None:
    """A turn starts once no request is waiting for its answer, or after the hold: never starved."""
    doorbell = Doorbell()
    inbox = DbInbox(app.db, app.school_id, "slack", doorbell)
    await inbox.accept("Ev1", "slack:T:D1", {"text": "first"})
    started: list[float] = []

    async def process(payload: dict[str, str]) -> None:
        started.append(asyncio.get_running_loop().time())

    with inbox.arrival():  # a request is being answered
        worker = asyncio.create_task(InboxWorker(app.db, "slack", process, doorbell).run_once())
        await asyncio.sleep(0.3)
        assert started == []
        answered = asyncio.get_running_loop().time()
    assert await worker == 1
    assert started[0] >= answered
    with inbox.arrival():  # a request that never ends does not stop the turns for good
        await inbox.accept("Ev2", "slack:T:D1", {"text": "second"})
        begun = asyncio.get_running_loop().time()
        assert await InboxWorker(app.db, "slack", process, doorbell).run_once() == 1
        assert TURN_HOLD_SECONDS - 0.05 <= started[1] - begun < TURN_HOLD_SECONDS + 2


async def test_a_request_waiting_for_the_database_does_not_hold_the_turns() -> None:
    """Counted while it needs the CPU, not while its event is on its way to the database."""
    doorbell = Doorbell(quiet=0)
    with doorbell.arrival():
        assert doorbell.arriving == 1
        with doorbell.storing():
            assert doorbell.arriving == 0
            await asyncio.wait_for(doorbell.calm(at_most=5), 1)  # at once, not after the hold
        assert doorbell.arriving == 1
    with doorbell.storing():  # outside a request (a job or a test storing an event): nothing to uncount
        assert doorbell.arriving == 0
    await asyncio.wait_for(doorbell.calm(at_most=5), 1)


async def test_events_arriving_together_are_stored_once_each_in_the_order_they_came(any_app: App) -> None:
    """One group commit (one statement on PostgreSQL): a repeat in the same group is stored once, the order kept."""
    inbox = DbInbox(any_app.db, any_app.school_id, "slack", Doorbell())
    told = [inbox.accept(f"Ev{n}", "slack:T:D1", {"text": f"message {n}"}) for n in range(6)]
    results = await asyncio.gather(*told, inbox.accept("Ev2", "slack:T:D1", {"text": "message 2"}))
    assert results == [True] * 6 + [False]
    assert sorted(r.event_id for r in await rows(any_app)) == [f"Ev{n}" for n in range(6)]
    seen: list[str] = []

    async def process(payload: dict[str, str]) -> None:
        seen.append(payload["text"])

    assert await InboxWorker(any_app.db, "slack", process, Doorbell()).run_once() == 6
    assert seen == [f"message {n}" for n in range(6)]
