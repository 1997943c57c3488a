"""The durable inbox: events are stored before the platform is answered, then processed in order, each to the end.

A turn's effects commit in two steps: first what it did (a concern, a DSL decision, a training record),
in the transaction of the desk that did it; then its session, with the event marked done (`settle_with`).
A crash between the two runs the turn again, and the desk applies nothing twice: each effect is claimed
by a key the dialog session keeps (`Turn.once`, `bot.session_store.replayed`), in the same transaction
as the effect, so the second run gets the first run's result (the same receipt) and writes nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.delivery.leases import Lease
from storage import inbox
from storage.db import AFTER_COMMIT, Database, InlineUnavailable, utcnow
from storage.models import InboundEvent

log = logging.getLogger(__name__)
Process = Callable[[dict[str, str]], Awaitable[None]]
MAX_ATTEMPTS = 8


# Acknowledgements first: while platform requests are being answered (Slack waits at most 3 s for each,
# then retries), a turn waits to start, for up to TURN_HOLD_SECONDS. A request stops counting while its
# event waits for the database (waiting, not work). Where the inbox commits on the event loop (SQLite),
# a burst's requests come in waves, so the turns also wait QUIET_SECONDS after the last; on PostgreSQL
# that pause only delayed people's replies. Measured both ways: docs/performance.md.
QUIET_SECONDS = 0.002
TURN_HOLD_SECONDS = 1.0
_ANSWERING: ContextVar[bool] = ContextVar("prevent_answering_a_request", default=False)


class Doorbell:
    """Wakes the inbox worker when an event arrives, and tells it when requests are being answered."""

    def __init__(self, quiet: float = QUIET_SECONDS) -> None:
        self._event = asyncio.Event()
        self._calm = asyncio.Event()
        self._calm.set()
        self.quiet, self.arriving = quiet, 0
        self._settling: asyncio.TimerHandle | None = None

    @contextlib.contextmanager
    def arrival(self) -> Iterator[None]:
        """Counts a platform request, from its arrival until it is answered, while the block runs."""
        self._arrive()
        marked = _ANSWERING.set(True)
        try:
            yield
        finally:
            _ANSWERING.reset(marked)
            self._leave()

    @contextlib.contextmanager
    def storing(self) -> Iterator[None]:
        """Uncounts the request in hand while its event waits for the database (which needs no CPU from us)."""
        if not _ANSWERING.get():
            yield
            return
        self._leave()
        try:
            yield
        finally:
            self._arrive()

    def _arrive(self) -> None:
        self.arriving += 1
        self._calm.clear()

    def _leave(self) -> None:
        self.arriving -= 1
        if not self.arriving:
            if self._settling is not None:
                self._settling.cancel()
            self._settling = asyncio.get_running_loop().call_later(self.quiet, self._settle)

    def _settle(self) -> None:
        if not self.arriving:
            self._calm.set()

    async def calm(self, at_most: float = TURN_HOLD_SECONDS) -> None:
        """Returns once no request is being answered, or after `at_most` seconds (a turn is held, never starved)."""
        if not self._calm.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._calm.wait(), at_most)

    def ring(self) -> None:
        """Says there is work."""
        self._event.set()

    async def wait(self, seconds: float) -> None:
        """Waits for a ring, or for `seconds`."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._event.wait(), seconds)
        self._event.clear()


def doorbell_for(db: Database) -> Doorbell:
    """A doorbell with the quiet period that suits how this database's inbox commits (see QUIET_SECONDS)."""
    return Doorbell(QUIET_SECONDS if db.writes_inline else 0.0)


Waiting = tuple[str, str, str, "asyncio.Future[bool]"]


class DbInbox:
    """Accepts events into the inbox table, encrypted, once per event id.

    Events arriving together share one transaction (group commit): each caller still returns only
    once its event is committed, and a failed commit fails every event in it (the platform retries).
    """

    def __init__(self, db: Database, school_id: int, platform: str, doorbell: Doorbell) -> None:
        self.db, self.school_id, self.platform, self.doorbell = db, school_id, platform, doorbell
        self._waiting: list[Waiting] = []
        self._committer: asyncio.Task[None] | None = None

    async def accept(self, event_id: str, conversation_key: str, payload: dict[str, str]) -> bool:
        """Stores the event durably; False if it was accepted before (a platform's repeat)."""
        sealed = self.db.cipher.encrypt(json.dumps(payload))
        done: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._waiting.append((event_id, conversation_key, sealed, done))
        if self._committer is None or self._committer.done():
            self._committer = asyncio.create_task(self._commit_all())
        with self.doorbell.storing():
            return await done

    def arrival(self) -> contextlib.AbstractContextManager[None]:
        """Counts a platform request from its arrival to its answer (turns wait while a burst is on)."""
        return self.doorbell.arrival()

    async def _commit_all(self) -> None:
        """Commits waiting events in batches until none is left."""
        await asyncio.sleep(0)  # let events that arrived together join this batch
        while self._waiting:
            batch, self._waiting = self._waiting, []
            try:
                new = await self._store([(event_id, key, sealed) for event_id, key, sealed, _ in batch])
                results = [_first_time(event_id, new) for event_id, *_ in batch]
            except Exception as exc:
                for *_, done in batch:
                    if not done.done():  # its request may have been cancelled meanwhile
                        done.set_exception(exc)
                continue
            for (*_, done), accepted in zip(batch, results, strict=True):
                if not done.done():
                    done.set_result(accepted)
            if any(results):
                self.doorbell.ring()

    async def _store(self, events: list[tuple[str, str, str]]) -> set[str]:
        """Commits a batch in one transaction; returns the event ids that were new."""
        if self.db.writes_inline:
            dialect = self.db.engine.dialect
            with contextlib.suppress(InlineUnavailable):  # another process is writing: the usual way, then
                return await self.db.write_inline(
                    lambda connection: inbox.accept_here(connection, dialect, self.school_id, self.platform, events))
        if self.db.engine.dialect.name == "postgresql":
            return await self.db.on_driver(
                lambda driver: inbox.accept_on_postgres(driver, self.school_id, self.platform, events))
        async with self.db.transaction() as session:
            return await inbox.accept(session, self.school_id, self.platform, events)


def _first_time(event_id: str, new: set[str]) -> bool:
    """True for the first of a batch's events with an id that was new (a repeat in the same batch is not)."""
    if event_id not in new:
        return False
    new.discard(event_id)
    return True


class InboxWorker:
    """Processes accepted events: one conversation's in order, up to `concurrency` conversations side by side.

    Due events are read in batches into per-conversation queues; a conversation starts as soon as a
    slot is free, so one slow turn (Slack slow to answer) never holds up anyone else's.
    """

    def __init__(self, db: Database, platform: str, process: Process, doorbell: Doorbell,
                 concurrency: int = 2, poll_seconds: float = 1.0) -> None:
        self.db, self.platform, self.process, self.doorbell = db, platform, process, doorbell
        self.concurrency, self.poll_seconds = concurrency, poll_seconds  # polls also find work a wake-up missed
        self.processed = 0  # events processed since this worker was made
        # Read and not finished, per conversation, oldest first; the one running stays first until it is done.
        self._queued: dict[str, list[InboundEvent]] = {}
        self._running: dict[str, asyncio.Task[None]] = {}  # conversation key -> the task running its events
        self._finished: dict[int, int] = {}  # id -> finish number, for ids a read in flight may still return
        self._finish_count = 0
        self._lease: Lease | None = None
        self._stopping = False

    def stop(self) -> None:
        """Asks `run_forever` to return once the turns in progress are recorded (a clean shutdown)."""
        self._stopping = True
        self.doorbell.ring()

    async def run_forever(self, lease: Lease | None = None) -> None:
        """Processes events until stopped or cancelled (events accepted before a restart included).

        With a lease, only while this instance holds it: other instances accept events, this one runs them.
        """
        self._lease = lease
        if lease is not None:
            lease.on_taken(self.doorbell.ring)
        try:
            while not self._stopping:
                if not self._may_work():  # another instance may run them now: read afresh if this one takes over
                    self._unqueue_waiting()
                elif len(self._running) < self.concurrency:  # a full house reads again when a slot frees
                    try:
                        await self.read_due()
                    except Exception:
                        log.exception("inbox pass failed; will try again")
                await self.doorbell.wait(self.poll_seconds)
            if self._running:  # stopping: each conversation ends after the turn in hand
                await asyncio.wait(list(self._running.values()))
        finally:
            for task in list(self._running.values()):
                task.cancel()

    def _may_work(self) -> bool:
        return not self._stopping and (self._lease is None or self._lease.held())

    async def read_due(self) -> int:
        """Queues the due events not queued yet, starts what can start; returns how many were new."""
        read_after = self._finish_count
        async with self.db.reading() as session:
            rows = list(await inbox.due(session, self.platform, utcnow()))
        # Rows finished while this read ran may be in it (read before they were marked done): skip them.
        queued = {row.id for queue in self._queued.values() for row in queue}
        new = [row for row in rows if row.id not in queued and row.id not in self._finished]
        self._finished = {key: n for key, n in self._finished.items() if n > read_after}
        for row in new:
            self._queued.setdefault(row.conversation_key, []).append(row)
        self._start_queued()
        return len(new)

    def _start_queued(self) -> None:
        """Starts a task for each queued conversation not running, while slots are free."""
        for key in list(self._queued):
            if len(self._running) >= self.concurrency or not self._may_work():
                return
            if key not in self._running:
                self._running[key] = asyncio.create_task(self._in_order(key))

    def _unqueue_waiting(self) -> None:
        """Drops the queued events of conversations not running (not run: the next read finds them again)."""
        for key in [key for key in self._queued if key not in self._running]:
            del self._queued[key]

    async def run_once(self) -> int:
        """Processes every due event until none is left; returns how many were processed."""
        before = self.processed
        while True:
            await self.read_due()
            if not self._running:
                return self.processed - before
            await asyncio.wait(list(self._running.values()), return_when=asyncio.FIRST_COMPLETED)

    async def _in_order(self, key: str) -> None:
        """Processes one conversation's queued events oldest first, stopping at a failure to keep the order."""
        try:
            while self._queued.get(key) and self._may_work():
                row = self._queued[key][0]
                await self.doorbell.calm()
                ok = await self._one(row)
                self._forget(self._queued[key].pop(0))
                if not ok:  # the rest wait behind the retry (read again once it has run)
                    for later in self._queued.pop(key, []):
                        self._forget(later)
                    break
                self.processed += 1
        except Exception:  # recording the outcome failed (the database is away): the event stays pending
            log.exception("%s inbox: could not record an event's outcome; will try again", self.platform)
            for row in self._queued.pop(key, []):
                self._forget(row)
        finally:
            self._queued.pop(key, None)  # anything left was not run (lease lost, stopping): read afresh later
            self._running.pop(key, None)
            self._start_queued()
            if len(self._running) < self.concurrency:
                self.doorbell.ring()  # a slot is free and nothing queued can use it: read again

    def _forget(self, row: InboundEvent) -> None:
        """Records that a row left the queue (run, or held back by a retry), so a read in flight cannot requeue it."""
        assert row.id is not None
        self._finish_count += 1
        self._finished[row.id] = self._finish_count

    async def _one(self, row: InboundEvent) -> bool:
        """Processes one event; on failure schedules a retry (or parks it after many), logging no content.

        A retry runs the whole turn again; its effects are applied once (see the module docstring).
        """
        assert row.id is not None
        claim = _Claim(row.id)
        running = _RUNNING.set(claim)
        try:
            await self.process(json.loads(self.db.cipher.decrypt(row.payload_enc)))
        except Exception:
            if claim.settled:  # its session moved on: run again, the answer would be applied to the next question
                log.exception("%s event %s failed after its turn was saved; not run again", self.platform, row.id)
                return True
            attempts = row.attempts + 1
            give_up = attempts >= MAX_ATTEMPTS
            log.exception("processing %s event %s failed (attempt %s)%s", self.platform, row.id, attempts,
                          "; parked as failed: an admin must look" if give_up else "")
            async with self.db.transaction() as session:
                await inbox.retry(session, row.id, attempts, timedelta(seconds=min(2 ** attempts, 300)), give_up)
            return False
        finally:
            _RUNNING.reset(running)
        if not claim.settled:  # a turn that saved no session (a greeting, a menu): a crash before this runs it
            # again, which repeats only its replies (such turns change nothing that is stored twice)
            async with self.db.transaction() as session:
                await inbox.done(session, row.id)
        return True


@dataclass
class _Claim:
    """The inbox event whose turn is running in this task, and whether it is marked done yet."""

    event_id: int
    settled: bool = False

    def settle(self) -> None:
        """Records that the transaction marking the event done has committed."""
        self.settled = True


_RUNNING: ContextVar[_Claim | None] = ContextVar("prevent_inbox_event", default=None)


async def settle_with(session: AsyncSession) -> None:
    """Marks the inbox event whose turn is running done in this transaction (the turn's session save or delete).

    The session's new state and "this event is done" commit together, so a turn whose session was saved
    never runs again (it would apply the answer to the next question as well), and one whose session was
    not saved is run again. Its other effects (a concern, a DSL decision) committed earlier in their own
    transactions and are applied once by their keys, so running it again repeats none of them.

    The event is deliberately not marked done in the effect's own transaction: the turn would then end
    there, and a crash before its session was saved would leave the dialog a step behind, never run
    again. The turn's replies are posted after this commits: a crash in between loses those replies (the
    person sees no answer and can ask again), never anything stored.
    """
    claim = _RUNNING.get()
    if claim is None or claim.settled:
        return
    await inbox.done(session, claim.event_id)
    session.info.setdefault(AFTER_COMMIT, []).append(claim.settle)
