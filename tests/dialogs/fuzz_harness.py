"""The world a property test drives: one event loop, a fresh SQLite file, the real app, crashes on demand."""

from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
import tempfile
from collections.abc import Coroutine, Sequence
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import event
from sqlmodel import SQLModel

from bot.app import App, build
from bot.config import SchoolConfig, demo_text, parse
from dialogs.messages import Inbound, Reply, UserRef
from dialogs.ports import ConcernDraft, Person, SavedSession, SessionStore
from tests.helpers import FrozenClock, make_settings

T = TypeVar("T")
_DEMO: SchoolConfig | None = None


def demo_config() -> SchoolConfig:
    """The demo school, parsed once for the whole run."""
    global _DEMO
    if _DEMO is None:
        _DEMO = parse(demo_text(), "demo")
    return _DEMO


class PostgresWouldRefuse(Exception):
    """A value SQLite takes but PostgreSQL refuses (a NUL character in text), caught before SQLite takes it."""


def refuse_nul(conn: object, cursor: object, statement: str, parameters: object, *args: object) -> None:
    """Raises PostgresWouldRefuse for a NUL in any text parameter (PostgreSQL's text cannot hold one)."""
    rows = parameters if isinstance(parameters, list) else [parameters]
    for row in rows:
        values = row.values() if isinstance(row, dict) else row if isinstance(row, tuple | list) else ()
        if any(isinstance(value, str) and "\x00" in value for value in values):
            raise PostgresWouldRefuse(f"a NUL character in a parameter of: {statement[:80]}")


def too_long(path: Path) -> list[str]:
    """The text columns holding a value longer than the column's declared size (PostgreSQL enforces it)."""
    found = []
    with closing(sqlite3.connect(path)) as db:
        for table in SQLModel.metadata.sorted_tables:
            for column in table.columns:
                size = getattr(column.type, "length", None)
                if size and db.execute(f'SELECT 1 FROM "{table.name}" WHERE length("{column.name}") > ? LIMIT 1',
                                       (size,)).fetchone():
                    found.append(f"{table.name}.{column.name} (more than {size} characters)")
    return found


class SimulatedCrash(Exception):
    """The process dying part-way through a turn (raised by a CrashingStore)."""


class CrashingStore:
    """Wraps the real session store; when armed, the next save or delete dies before writing."""

    def __init__(self, inner: SessionStore) -> None:
        self.inner, self.armed = inner, False

    def _maybe_crash(self) -> None:
        if self.armed:
            self.armed = False
            raise SimulatedCrash("killed before the session was saved")

    async def load(self, school_id: int, key: str) -> SavedSession | None:
        """Loads as the real store does."""
        return await self.inner.load(school_id, key)

    async def save(self, school_id: int, key: str, person: Person, session: SavedSession) -> None:
        """Saves, unless armed: then dies, after the turn's other effects, with nothing saved."""
        self._maybe_crash()
        await self.inner.save(school_id, key, person, session)

    async def delete(self, school_id: int, key: str) -> None:
        """Deletes, unless armed: then dies with nothing deleted."""
        self._maybe_crash()
        await self.inner.delete(school_id, key)


@dataclass(frozen=True, slots=True)
class ConcernRow:
    """What a concern is, as far as the invariants care (never its decrypted text)."""

    reference: str
    reporter_id: int
    status: str
    outcome: str
    acknowledged: bool
    closed: bool
    audience: str = "dsl_team"
    excluded: str = ""  # the emails of anyone it is about, who must never hear of it


@dataclass(frozen=True, slots=True)
class AuditRow:
    """One line of the audit log."""

    actor: str
    action: str
    target: str
    allowed: bool


@dataclass(frozen=True, slots=True)
class World:
    """A snapshot of storage: concerns, the conversations' sessions, and what was written since the last one."""

    concerns: dict[int, ConcernRow]
    sessions: dict[str, SavedSession | None]
    last_event: int
    last_outbox: int
    last_audit: int
    new_outbox: tuple[str, ...] = ()  # payloads of the outbox rows written since the snapshot before
    new_audits: tuple[AuditRow, ...] = ()
    new_sends: tuple[tuple[str, int | None], ...] = ()  # those rows' (destination as an email or "dsl", concern)


class Harness:
    """Owns one event loop, a fresh SQLite file, and the app built over it (rebuilt to restart)."""

    def __init__(self) -> None:
        self.loop = asyncio.Runner()
        self.folder = tempfile.TemporaryDirectory(prefix="prevent-fuzz-")
        self.path = Path(self.folder.name) / "prevent.db"
        self.url = f"sqlite:///{self.path}"
        self.clock = FrozenClock()
        self.app = self.run(self._build())

    def run(self, work: Coroutine[Any, Any, T]) -> T:
        """Runs a coroutine on the harness's own loop (the database connections live on it)."""
        return self.loop.run(work)

    async def _build(self) -> App:
        app = await build(make_settings(self.url), config=demo_config(), clock=self.clock)
        app.engine.store = CrashingStore(app.engine.store)
        event.listen(app.db.engine.sync_engine, "before_cursor_execute", refuse_nul)  # PostgreSQL's rule, on SQLite
        return app

    @property
    def store(self) -> CrashingStore:
        """The crash-on-demand session store of the running app."""
        store = self.app.engine.store
        assert isinstance(store, CrashingStore)
        return store

    def restart(self) -> None:
        """Stops the app and builds a new one over the same database file, as a process restart does."""
        self.run(self.app.close())
        self.app = self.run(self._build())

    def close(self) -> None:
        """Closes the app, the loop and the temporary folder."""
        try:
            self.run(self.app.close())
        finally:
            self.loop.close()
            self.folder.cleanup()

    def handle(self, inbound: Inbound) -> list[Reply]:
        """Sends one message to the engine and returns its replies."""
        return self.run(self.app.engine.handle(inbound))

    def greet(self, inbound: Inbound) -> list[Reply]:
        """Opens the conversation, as the console does on start."""
        return self.run(self.app.engine.greet(inbound))

    def staff_id(self, user: UserRef) -> int:
        """The staff id behind a platform user."""
        return self.run(self.app.directory.identify(user)).staff_id

    def world(self, keys: Sequence[str], since: World | None = None) -> World:
        """Takes a snapshot of storage: concerns, these conversations' sessions, rows written after `since`.

        Read straight from the SQLite file (committed rows only, as WAL shows them to any reader): the app's own
        async engine would cost more per step than the turn it checks.
        """
        with closing(sqlite3.connect(self.path)) as db:
            concerns = {i: ConcernRow(reference, reporter, status, outcome, acked is not None, closed is not None,
                                      audience, excluded)
                        for i, reference, reporter, status, outcome, acked, closed, audience, excluded in db.execute(
                            "SELECT id, reference, reporter_id, status, outcome, acknowledged_at, closed_at, audience, "
                            "excluded FROM concern")}
            found = {row[0]: self._unseal(*row[1:]) for row in db.execute(
                "SELECT conversation_key, dialog, state, data_enc, prompt_token, history, version FROM dialog_session")}
            event, outbox, audit = (value or 0 for value in db.execute(
                "SELECT (SELECT max(id) FROM concern_event), (SELECT max(id) FROM outbox), (SELECT max(id) FROM audit)"
            ).fetchone())
            sessions = {key: found.get(key) for key in keys}
            if since is None:
                return World(concerns, sessions, event, outbox, audit)
            payloads = tuple(row[0] for row in db.execute("SELECT payload FROM outbox WHERE id > ?",
                                                          (since.last_outbox,)))
            audits = tuple(AuditRow(who, action, target, bool(allowed)) for who, action, target, allowed in db.execute(
                "SELECT actor, action, target, allowed FROM audit WHERE id > ? ORDER BY id", (since.last_audit,)))
            emails = {f"staff:{i}": email for i, email in db.execute("SELECT id, email FROM staff")}
            sends = tuple((emails.get(where, where), concern) for where, concern in db.execute(
                "SELECT destination, concern_id FROM outbox WHERE id > ?", (since.last_outbox,)))
        return World(concerns, sessions, event, outbox, audit, payloads, audits, sends)

    def _unseal(self, dialog: str, state: str, sealed: str, token: str, history: str, version: int) -> SavedSession:
        """A session row as the session store loads it."""
        data = json.loads(self.app.db.cipher.decrypt(sealed))
        return SavedSession(dialog, state, data, token, json.loads(history), version)

    def draft_of(self, reference: str) -> ConcernDraft:
        """The stored, decrypted details of a concern."""
        with closing(sqlite3.connect(self.path)) as db:
            [(sealed,)] = db.execute("SELECT details_enc FROM concern WHERE reference = ?", (reference,)).fetchall()
        return ConcernDraft.from_json(json.loads(self.app.db.cipher.decrypt(sealed)))


class LogTrap(logging.Handler):
    """Keeps every line the app logs (INFO and up) so a test can check none holds what staff typed."""

    PACKAGES = ("bot", "dialogs", "handlers", "storage")  # the app's loggers (not the libraries', nor the root)

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.lines: list[str] = []
        self._levels: dict[str, int] = {}

    def emit(self, record: logging.LogRecord) -> None:
        """Keeps the formatted line, traceback included."""
        self.lines.append(self.format(record))

    def __enter__(self) -> LogTrap:
        for name in self.PACKAGES:
            logger = logging.getLogger(name)
            self._levels[name] = logger.level
            logger.addHandler(self)
            logger.setLevel(logging.INFO)
        return self

    def __exit__(self, *exc: object) -> None:
        for name, level in self._levels.items():
            logging.getLogger(name).removeHandler(self)
            logging.getLogger(name).setLevel(level)
