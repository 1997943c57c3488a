"""Storage on SQLite and PostgreSQL: migrations, references, encryption, versions, dedupe."""

from __future__ import annotations

import asyncio
import os
import stat
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text
from sqlmodel import SQLModel

from bot.app import App, build, make_cipher
from bot.config import demo_text, parse
from dialogs.messages import UserRef
from dialogs.ports import SavedSession, VersionConflict
from storage import concerns, people
from storage.crypto import Cipher, key_file_for
from storage.outbox import OutboxKind, StaffDM
from tests.helpers import FrozenClock, make_settings, start, tell_up_to_review


@pytest.fixture
async def db_app(any_db_url: str, clock: FrozenClock) -> AsyncIterator[App]:
    """The app on SQLite or PostgreSQL."""
    built = await build(make_settings(any_db_url), config=parse(demo_text(), "demo"), clock=clock)
    yield built
    await built.close()


async def test_migrations_match_the_models(db_app: App) -> None:
    async with db_app.db.engine.connect() as connection:
        diff = await connection.run_sync(
            lambda sync: compare_metadata(MigrationContext.configure(sync), SQLModel.metadata))
    assert diff == []


async def test_upgrade_twice_is_harmless(db_app: App) -> None:
    from storage.db import upgrade

    await upgrade(db_app.db.engine)
    async with db_app.db.transaction() as session:
        version = (await (await session.connection()).execute(text("SELECT version_num FROM alembic_version"))).scalar()
    assert version is not None


async def test_references_are_unique_under_concurrency(db_app: App) -> None:
    async def take() -> str:
        async with db_app.db.transaction() as session:
            return await concerns.next_reference(session, db_app.school_id, 2026)

    references = await asyncio.gather(*(take() for _ in range(20)))
    assert sorted(references) == [f"C-2026-{n:04d}" for n in range(1, 21)]
    async with db_app.db.transaction() as session:
        assert await concerns.next_reference(session, db_app.school_id, 2027) == "C-2027-0001"


async def test_no_narrative_or_name_in_plain_text(db_app: App) -> None:
    convo = await start(db_app)
    await tell_up_to_review(convo)
    await convo.tap("submit")
    half = await start(db_app)
    await half.tap("no")
    await half.tap("child")
    await half.say("Morgan Halftold")
    async with db_app.db.transaction() as session:
        connection = await session.connection()
        tables = ["concern", "concern_event", "dialog_session", "outbox", "audit"]
        dump = ""
        for table in tables:
            for row in (await connection.execute(text(f"SELECT * FROM {table}"))).all():
                dump += repr(tuple(row))
    for secret in ("Jamie", "Testpupil", "hungry", "eaten since Friday", "Morgan", "Halftold", "Form room"):
        assert secret not in dump


async def test_sqlite_file_holds_no_plain_text(app: App, sqlite_url: str) -> None:
    convo = await start(app)
    await tell_up_to_review(convo)
    await convo.tap("submit")
    await app.close()
    path = Path(sqlite_url.removeprefix("sqlite:///"))
    raw = b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*") if not p.name.endswith(".key"))
    assert b"Jamie" not in raw and b"Testpupil" not in raw and b"eaten since Friday" not in raw
    assert b"C-2026-0001" in raw  # the file really was read


async def test_second_writer_gets_a_version_conflict(db_app: App) -> None:
    person = await db_app.directory.identify(UserRef("console", "t", "a@school.example", "a@school.example"))
    store = db_app.engine.store
    fresh = SavedSession("raise_concern", "about", {"draft": {}}, "t1", [], 0)
    await store.save(person.school_id, "k", person, fresh)
    loaded = await store.load(person.school_id, "k")
    assert loaded is not None and loaded.version == 1
    await store.save(person.school_id, "k", person, loaded)
    with pytest.raises(VersionConflict):
        await store.save(person.school_id, "k", person, loaded)
    with pytest.raises(VersionConflict):
        await store.save(person.school_id, "k", person, fresh)


async def test_events_and_dispatches_are_claimed_once(db_app: App) -> None:
    async with db_app.db.transaction() as session:
        assert await people.claim_event(session, "slack", "Ev1")
        assert not await people.claim_event(session, "slack", "Ev1")
        assert await people.claim_event(session, "teams", "Ev1")
        assert await people.claim_dispatch(session, "training-nudge:2026-W48:1", db_app.school_id)
        assert not await people.claim_dispatch(session, "training-nudge:2026-W48:1", db_app.school_id)


def test_cipher_round_trip_and_rotation() -> None:
    old_key, new_key = "b2xkLWtleS0zMi1ieXRlcy1sb25nLTEyMzQ1Njc4OTA", "bmV3LWtleS0zMi1ieXRlcy1sb25nLTEyMzQ1Njc4OTA"
    old = Cipher.from_keys(old_key)
    sealed = old.encrypt("Jamie Testpupil")
    assert "Jamie" not in sealed
    rotated = Cipher.from_keys(new_key, old_key)
    assert rotated.decrypt(sealed) == "Jamie Testpupil"
    assert rotated.decrypt(rotated.encrypt("x")) == "x"
    assert old.name_hash("Jamie  TESTPUPIL") == old.name_hash("jamie testpupil")


def test_local_key_file_is_private_and_announced(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    settings = make_settings(f"sqlite:///{tmp_path / 'school.db'}", PREVENT_DATA_KEY="")
    cipher = make_cipher(settings)
    key_file = key_file_for(tmp_path / "school.db")
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    assert "WARNING" in capsys.readouterr().err
    again = make_cipher(settings)
    assert again.decrypt(cipher.encrypt("same key")) == "same key"
    assert capsys.readouterr().err == ""


async def test_the_sqlite_database_and_its_wal_files_are_private(tmp_path: Path, clock: FrozenClock) -> None:
    database = tmp_path / "prevent.db"
    was = os.umask(0o022)  # the usual umask: files would be readable by everyone
    try:
        app = await build(make_settings(f"sqlite:///{database}"), config=parse(demo_text(), "demo"), clock=clock)
        async with app.db.transaction() as session:
            await concerns.audit(session, app.school_id, "someone@school.example", "test.write", "x")
        files = [database, database.with_name("prevent.db-wal"), database.with_name("prevent.db-shm")]
        modes = {path.name: stat.S_IMODE(path.stat().st_mode) for path in files}  # all exist while it is open
        await app.close()
    finally:
        os.umask(was)
    assert modes == {"prevent.db": 0o600, "prevent.db-wal": 0o600, "prevent.db-shm": 0o600}


def test_postgres_without_key_is_refused() -> None:
    from storage.crypto import DataKeyError

    with pytest.raises(DataKeyError, match="PREVENT_DATA_KEY must be set"):
        make_cipher(make_settings("postgresql://nobody@127.0.0.1/none", PREVENT_DATA_KEY=""))


async def test_old_event_ids_are_forgotten(db_app: App) -> None:
    from datetime import timedelta

    from storage.db import utcnow

    async with db_app.db.transaction() as session:
        assert await people.claim_event(session, "slack", "old")
    async with db_app.db.transaction() as session:
        assert await people.prune_events(session, utcnow() + timedelta(seconds=1)) == 1
        assert await people.claim_event(session, "slack", "old")
        assert await people.prune_events(session, utcnow() - timedelta(days=1)) == 0


async def test_a_commit_that_queued_outbox_rows_wakes_the_sender(db_app: App) -> None:
    from storage import outbox

    calls: list[str] = []
    db_app.db.on_outbox_commit(lambda: calls.append("woken"))
    async with db_app.db.transaction() as session:
        await people.claim_event(session, "slack", "Ev-no-outbox")
    assert calls == []  # nothing queued: no wake

    async def queue_then_fail() -> None:
        async with db_app.db.transaction() as session:
            await outbox.enqueue(session, db_app.school_id, "console", StaffDM(1), OutboxKind.REPLY, {"text": "x"})
            raise RuntimeError("rolled back")

    with pytest.raises(RuntimeError):
        await queue_then_fail()
    assert calls == []  # rolled back: nothing to send
    async with db_app.db.transaction() as session:
        await outbox.enqueue_many(session, db_app.school_id, "console", [(StaffDM(1), OutboxKind.REPLY, {"text": "x"})])
    assert calls == ["woken"]


async def test_a_read_does_not_wait_for_a_writer(db_app: App) -> None:
    from sqlmodel import select

    from storage.models import School

    writing, finish = asyncio.Event(), asyncio.Event()

    async def slow_writer() -> None:
        async with db_app.db.transaction() as session:
            await people.claim_event(session, "slack", "Ev-slow")  # holds the write lock from here
            writing.set()
            await finish.wait()

    writer = asyncio.create_task(slow_writer())
    await writing.wait()
    async with asyncio.timeout(5):  # SQLite's busy wait would be 30 s; a read needs none
        async with db_app.db.reading() as session:
            schools = (await session.exec(select(School))).all()
    assert [s.id for s in schools] == [db_app.school_id]
    finish.set()
    await writer
    async with db_app.db.transaction() as session:  # the writer committed; writes go on as before
        assert not await people.claim_event(session, "slack", "Ev-slow")
