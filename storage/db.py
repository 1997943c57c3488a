"""The database engine (SQLite with WAL by default, PostgreSQL by URL) and schema upgrades."""

from __future__ import annotations

import asyncio
import contextlib
import os
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import Executable, event, make_url, text
from sqlalchemy.dialects.postgresql import insert as postgres_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.clock import utcnow as utcnow  # re-exported: storage and bot stamp rows with it
from storage.crypto import Cipher

if TYPE_CHECKING:
    from alembic.config import Config

SQLITE_BUSY_TIMEOUT_MS = 30_000
# Every SQLite connection's settings (WAL: readers never block the writer; NORMAL: a commit is durable
# against a crash of the process, and against power loss once the next checkpoint has run).
SQLITE_PRAGMAS = ("journal_mode=WAL", f"busy_timeout={SQLITE_BUSY_TIMEOUT_MS}", "foreign_keys=ON",
                  "synchronous=NORMAL")
READ_ONLY = "prevent_read_only"  # execution option: a transaction that only reads (SQLite: no write lock)
OUTBOX_WRITTEN = "prevent_outbox_written"  # session.info flag: this transaction queued outbox rows
AFTER_COMMIT = "prevent_after_commit"  # session.info list: callables to run once this transaction commits
ANNOUNCE = "prevent_announce"  # session.info set: work other instances should hear of once this commits
WORK_CHANNEL = "prevent_work"  # the PostgreSQL LISTEN/NOTIFY channel that carries those announcements
_NOTIFY = text("SELECT pg_notify(:channel, :payload)")
PG_MIGRATION_LOCK = 7_727_274
PG_STARTUP_LOCK = 7_727_275
HEAD_REVISION = "0007"  # the newest migration (storage/migrations/versions); a test checks it is Alembic's head


_INSERT_NEW: dict[tuple[str, str, tuple[str, ...], str], Executable] = {}


def insert_new(dialect: str, model: Any, unique: tuple[str, ...], returning: str) -> Executable:
    """INSERT … ON CONFLICT (unique) DO NOTHING RETURNING one column, for a dialect; built once per statement."""
    key = (dialect, model.__name__, unique, returning)
    if key not in _INSERT_NEW:
        insert = postgres_insert if dialect == "postgresql" else sqlite_insert
        _INSERT_NEW[key] = (insert(model).on_conflict_do_nothing(index_elements=list(unique))
                            .returning(getattr(model, returning)))
    return _INSERT_NEW[key]


def normalise_url(url: str) -> str:
    """Picks the async driver for a database URL (aiosqlite or asyncpg)."""
    if url.startswith("sqlite:"):
        return "sqlite+aiosqlite:" + url[len("sqlite:"):]
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+asyncpg://" + url[len(prefix):]
    return url


def _sqlite_pragmas(engine: AsyncEngine) -> None:
    """Turns on WAL, a busy timeout, foreign keys, and BEGIN IMMEDIATE for safe concurrent writes."""

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        for pragma in SQLITE_PRAGMAS:
            cursor.execute(f"PRAGMA {pragma}")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Connection) -> None:
        reading = connection.get_execution_options().get(READ_ONLY, False)
        connection.exec_driver_sql("BEGIN" if reading else "BEGIN IMMEDIATE")


def sqlite_file(url: str) -> Path | None:
    """Returns the file a SQLite URL names, or None for other databases, in-memory SQLite and URI file names."""
    parsed = make_url(normalise_url(url))
    name = parsed.database or ""
    if not parsed.drivername.startswith("sqlite") or name in ("", ":memory:") or name.startswith("file:"):
        return None
    return Path(name)


def create_private_file(path: Path) -> None:
    """Creates an empty file that only its owner can read and write, unless it exists (or its folder does not).

    SQLite treats an empty file as an empty database, and makes the -wal and -shm files beside it with the
    main file's permissions, so the concerns and the audit log are never readable by other local users.
    """
    if path.exists() or not path.parent.is_dir():
        return  # SQLite itself says plainly when the folder is missing
    with contextlib.suppress(FileExistsError):  # another process made it first, the same way
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def make_engine(url: str) -> AsyncEngine:
    """Creates the async engine for a database URL (a new SQLite file is made readable by its owner only)."""
    url = normalise_url(url)
    if url.startswith("sqlite"):
        if (path := sqlite_file(url)) is not None:
            create_private_file(path)
        engine = create_async_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})
        _sqlite_pragmas(engine)
        return engine
    return create_async_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10)


T = TypeVar("T")


class InlineUnavailable(Exception):
    """A write cannot run on the event loop's thread now (not a SQLite file, or another process is writing)."""


class Database:
    """The engine, a session factory and the cipher for encrypted columns."""

    def __init__(self, engine: AsyncEngine, cipher: Cipher) -> None:
        self.engine = engine
        self.cipher = cipher
        self._sessions = async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)
        # SQLite has one writer at a time. Queueing transactions here, in the process, is far cheaper
        # than letting pooled connections collide in SQLite's busy handler (which sleeps up to 100 ms).
        self._sqlite_turn = asyncio.Lock() if engine.dialect.name == "sqlite" else None
        self._turn_holder: asyncio.Task[object] | None = None
        self._outbox_listeners: list[Callable[[], None]] = []
        self._inline: sqlite3.Connection | None = None
        self._inline_file = sqlite_file(engine.url.render_as_string(hide_password=False))
        self.writes_inline = self._sqlite_turn is not None and self._inline_file is not None  # see write_inline

    def on_outbox_commit(self, listener: Callable[[], None]) -> None:
        """Calls `listener` after each commit that queued outbox rows (the sender wakes at once)."""
        self._outbox_listeners.append(listener)

    async def _announce(self, session: AsyncSession) -> None:
        """On PostgreSQL, tells the other instances (at commit) what work this transaction stored."""
        if self.engine.dialect.name != "postgresql":
            return
        news = set(session.info.pop(ANNOUNCE, ()))
        if session.info.get(OUTBOX_WRITTEN):
            news.add("outbox")
        for payload in sorted(news):
            await (await session.connection()).execute(_NOTIFY, {"channel": WORK_CHANNEL, "payload": payload})

    def _committed(self, session: AsyncSession) -> None:
        for callback in session.info.pop(AFTER_COMMIT, []):
            callback()
        if session.info.pop(OUTBOX_WRITTEN, False):
            for listener in self._outbox_listeners:
                listener()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """Yields a session inside one transaction, committed on success, rolled back on error."""
        lock, me = self._sqlite_turn, asyncio.current_task()
        if lock is None or self._turn_holder is me:
            async with self._sessions() as session:
                async with session.begin():
                    yield session
                    await self._announce(session)
                self._committed(session)
            return
        async with lock:
            self._turn_holder = me
            try:
                async with self._sessions() as session:
                    async with session.begin():
                        yield session
                    self._committed(session)
            finally:
                self._turn_holder = None

    async def write_inline(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """Runs `work` in one transaction on a SQLite connection of this thread, in the write queue.

        For small hot writes (the inbox): SQLite answers a short write in microseconds, far less than a hop
        to a driver thread and back. It never waits for another process's write lock (the event loop would
        stop meanwhile): then, or on any other database, it raises InlineUnavailable and the caller uses
        `transaction`. The commit is as durable as any other (the same pragmas).
        """
        connection = self._inline_connection()
        assert self._sqlite_turn is not None
        async with self._sqlite_turn:
            try:
                connection.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as exc:  # another process holds the write lock
                raise InlineUnavailable(str(exc)) from exc
            try:
                result = work(connection)
                connection.execute("COMMIT")
            except BaseException:
                if connection.in_transaction:
                    connection.execute("ROLLBACK")
                raise
        return result

    async def on_driver(self, work: Callable[[Any], Awaitable[T]]) -> T:
        """Runs `work` with a pooled connection's own driver connection (asyncpg), outside SQLAlchemy.

        For the hottest write on PostgreSQL (the inbox's group): a single statement, which commits by itself,
        with none of the BEGIN and COMMIT round trips or SQLAlchemy's statement machinery of `transaction`.
        """
        async with self.engine.connect() as connection:
            raw = await connection.get_raw_connection()
            return await work(raw.driver_connection)

    def _inline_connection(self) -> sqlite3.Connection:
        """The SQLite connection for `write_inline`, opened on first use with the engine's pragmas."""
        if self._inline is None:
            if self._inline_file is None:
                raise InlineUnavailable("not a SQLite file")
            connection = sqlite3.connect(self._inline_file, isolation_level=None)
            # busy_timeout=0 (the later one wins): never wait for another process on the loop. No checkpoints
            # here either (copying the log into the database, with an fsync): the pooled connections, on
            # their driver threads, do them as they commit.
            for pragma in (*SQLITE_PRAGMAS, "busy_timeout=0", "wal_autocheckpoint=0"):
                connection.execute(f"PRAGMA {pragma}")
            self._inline = connection
        return self._inline

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[AsyncSession]:
        """Yields a session for reads only: one consistent snapshot, without waiting for writers.

        On SQLite (WAL) readers never block the one writer, so these skip the in-process write queue
        and SQLite's write lock. Writing inside one is a bug: it may fail with "database is locked".
        """
        async with self._sessions() as session:  # closing it hands the connection back, rolled back
            await session.connection(execution_options={READ_ONLY: True})
            yield session

    async def close(self) -> None:
        """Closes every pooled connection (and the inline one)."""
        if self._inline is not None:
            self._inline.close()
            self._inline = None
        await self.engine.dispose()


def alembic_config() -> Config:
    """Returns the Alembic configuration pointing at the packaged migrations."""
    from alembic.config import Config  # start-up time: Alembic loads only when a migration is to run

    config = Config()
    config.set_main_option("script_location", str(resources.files("storage") / "migrations"))
    return config


def applied_revisions(connection: Connection) -> list[str]:
    """The revisions alembic_version records (none before the first migration), read without loading Alembic."""
    if not connection.dialect.has_table(connection, "alembic_version"):
        return []
    return list(connection.execute(text("SELECT version_num FROM alembic_version")).scalars())


def _upgrade(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({PG_MIGRATION_LOCK})")
    if applied_revisions(connection) == [HEAD_REVISION]:
        return  # another instance upgraded it while this one waited for the lock
    from alembic import command  # start-up time: only an upgrade that is needed loads Alembic

    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, "head")


async def startup_lock(session: AsyncSession) -> None:
    """On PostgreSQL, waits until no other instance is syncing the school file (held until this transaction ends)."""
    connection = await session.connection()
    if connection.dialect.name == "postgresql":
        await connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({PG_STARTUP_LOCK})")


def _missing_migrations(connection: Connection) -> int:
    """Counts the migrations not yet applied to this database."""
    applied = applied_revisions(connection)
    if applied == [HEAD_REVISION]:
        return 0
    from alembic.script import ScriptDirectory  # start-up time: only a database behind the code loads Alembic

    scripts = ScriptDirectory.from_config(alembic_config())
    return len(list(scripts.iterate_revisions("heads", applied[0] if applied else "base")))


async def missing_migrations(db: Database) -> int:
    """Returns how many migrations `prevent-bot db upgrade` would apply (reads only; changes nothing)."""
    async with db.reading() as session:
        return await (await session.connection()).run_sync(_missing_migrations)


async def schema_is_current(engine: AsyncEngine) -> bool:
    """True when the newest migration is applied: read in a read-only transaction (SQLite: no write lock)."""
    async with engine.connect() as connection:
        await connection.execution_options(**{READ_ONLY: True})
        return await connection.run_sync(applied_revisions) == [HEAD_REVISION]


async def upgrade(engine: AsyncEngine) -> None:
    """Brings the schema up to the newest migration (safe to run from several instances).

    A database already at the newest revision is only read, and Alembic is not loaded at all.
    """
    if await schema_is_current(engine):
        return
    async with engine.begin() as connection:
        await connection.run_sync(_upgrade)
