"""Rotating PREVENT_DATA_KEY: nothing becomes unreadable or unfindable, and `db rekey` finishes the job."""

from __future__ import annotations

import base64
import json
import sqlite3
from collections.abc import Sequence
from pathlib import Path

import pytest
from sqlmodel import col, select

from bot.app import App, build
from bot.config import demo_text, parse
from bot.delivery.inbox import DbInbox, Doorbell
from bot.services.keys import key_problems, reseal_all
from storage import concerns as concern_store
from storage import sealed
from storage.crypto import Cipher, sealed_prefix
from storage.models import DialogSession, PupilName
from tests.helpers import (
    CONCERN,
    DEPUTY_EMAIL,
    DSL_EMAIL,
    NEW_KEY,
    TEACHER_EMAIL,
    TEST_KEY,
    FrozenClock,
    chat,
    make_settings,
    run,
    start,
    tell_up_to_review,
    up_to_account,
)

ROTATING = {"PREVENT_DATA_KEY": NEW_KEY, "PREVENT_DATA_KEY_OLD": TEST_KEY}
NEW_ONLY = {"PREVENT_DATA_KEY": NEW_KEY}
OLD_ID, NEW_ID = Cipher.from_keys(TEST_KEY).current_id, Cipher.from_keys(NEW_KEY).current_id
SEALED_SQL = ("SELECT details_enc FROM concern UNION ALL SELECT detail_enc FROM concern_event "
              "UNION ALL SELECT data_enc FROM dialog_session UNION ALL SELECT payload_enc FROM inbound_event")


def sealed_values(workdir: Path) -> list[str]:
    with sqlite3.connect(workdir / "prevent.db") as db:
        return [value for (value,) in db.execute(SEALED_SQL).fetchall() if value]


def exported(workdir: Path, keys: dict[str, str]) -> list[dict[str, object]]:
    out = run(workdir, "concerns", "export", "--pupil", "Jamie Testpupil", "--json", "--reason", "Transfer",
              env=keys).stdout
    return json.loads(out)["concerns"]  # type: ignore[no-any-return]


def doctor(workdir: Path, keys: dict[str, str]) -> str:
    result = run(workdir, "doctor", env=keys, refused=True)  # the demo school is always reported
    return "\n".join(line for line in result.stdout.splitlines() if line.startswith("PROBLEM"))


def test_rotating_the_key_loses_nothing_and_rekey_finishes_it(tmp_path: Path) -> None:
    chat(tmp_path, TEACHER_EMAIL, CONCERN)  # C-2026-0001, sealed with the first key
    [alert] = [r for r in chat(tmp_path, DSL_EMAIL, []) if r["notification"]]
    buttons = {c["label"]: c["id"] for c in alert["choices"]}
    chat(tmp_path, DSL_EMAIL, [{"choice": buttons["Acknowledge"]}, {"choice": buttons["Add note"]},
                               "Spoke to form tutor"])
    chat(tmp_path, TEACHER_EMAIL, CONCERN[:5])  # a second concern, stopped half-way (at the category)

    # The new key is in place and the old one kept for reading: a new concern about the same pupil.
    chat(tmp_path, DEPUTY_EMAIL, CONCERN, env=ROTATING)
    assert [c["reference"] for c in exported(tmp_path, ROTATING)] == ["C-2026-0001", "C-2026-0002"]
    said = doctor(tmp_path, ROTATING)
    assert f"still use the previous data key (id {OLD_ID})" in said and "prevent-bot db rekey" in said
    assert f"data key (id {OLD_ID}) that is not configured" in doctor(tmp_path, NEW_ONLY)

    said = run(tmp_path, "db", "rekey", env=ROTATING).stdout
    assert "concerns 1" in said and "chronology entries 1" in said and "conversations in progress" in said
    assert "Every encrypted value now uses the current key" in said
    assert all(value.startswith(sealed_prefix(NEW_ID) + ".") for value in sealed_values(tmp_path))
    assert "Re-sealed 0 value(s)" in run(tmp_path, "db", "rekey", env=ROTATING).stdout  # again: nothing to do
    assert f"PREVENT_DATA_KEY_OLD (id {OLD_ID}) is set but no value uses it" in doctor(tmp_path, ROTATING)

    # The old key retired: every record opens, the pupil's concerns are all found, the half-told one carries on.
    assert "data key" not in doctor(tmp_path, NEW_ONLY)
    records = exported(tmp_path, NEW_ONLY)
    assert [c["reference"] for c in records] == ["C-2026-0001", "C-2026-0002"]
    assert "they are the only ones who get me" in json.dumps(records[0])  # the child's words, readable
    assert "Spoke to form tutor" in json.dumps(records[0]["chronology"])
    replies = chat(tmp_path, TEACHER_EMAIL, CONCERN[5:], env=NEW_ONLY)
    assert "C-2026-0003" in "\n".join(str(r["text"]) for r in replies)
    with sqlite3.connect(tmp_path / "prevent.db") as db:
        rekeys = db.execute("SELECT target FROM audit WHERE action = 'data.rekey' ORDER BY id").fetchall()
    assert rekeys == [(f"3 values to key {NEW_ID}",), (f"0 values to key {NEW_ID}",)]


async def built(url: str, clock: FrozenClock, **keys: str) -> App:
    return await build(make_settings(url, **keys), config=parse(demo_text(), "demo"), clock=clock)


async def test_rekey_never_overwrites_a_value_saved_while_it_runs(any_db_url: str, clock: FrozenClock,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    first = await built(any_db_url, clock)
    convo = await start(first)
    await tell_up_to_review(convo)
    await convo.tap("submit")
    await up_to_account(await start(first))  # a half-told concern
    await DbInbox(first.db, first.school_id, "slack", Doorbell()).accept("Ev1", "slack:T:D1", {"text": "hi"})
    await first.close()

    app = await built(any_db_url, clock, PREVENT_DATA_KEY=NEW_KEY, PREVENT_DATA_KEY_OLD=TEST_KEY)
    try:
        async with app.db.reading() as session:
            assert (await sealed.count_by_key(session))[OLD_ID] >= 3
            [(session_id, old)] = await sealed.not_sealed_with(session, "conversations in progress",
                                                               sealed_prefix(NEW_ID), 0, 10)
        async with app.db.transaction() as session:  # a stale value is never swapped in
            assert not await sealed.replace(session, "conversations in progress", session_id, "stale", "new")

        saved_meanwhile = app.db.cipher.encrypt(json.dumps({"pupils": "Jamie Testpupil"}))
        reading = sealed.not_sealed_with

        async def a_turn_saves_meanwhile(*args: object) -> Sequence[tuple[int, str]]:
            rows = await reading(*args)  # type: ignore[arg-type]
            if args[1] == "conversations in progress" and rows:
                async with app.db.transaction() as session:
                    row = await session.get(DialogSession, session_id)
                    assert row is not None
                    row.data_enc = saved_meanwhile
            return rows

        monkeypatch.setattr(sealed, "not_sealed_with", a_turn_saves_meanwhile)
        report = await reseal_all(app.db)
        assert report.changed_meanwhile == 1 and not report.finished
        assert report.resealed == {"concerns": 1, "chronology entries": 0, "conversations in progress": 0,
                                   "messages waiting to be processed": 1}
        async with app.db.reading() as session:
            row = await session.get(DialogSession, session_id)
            assert row is not None and row.data_enc == saved_meanwhile != old  # the turn's save kept
            assert dict(await sealed.count_by_key(session)) == {NEW_ID: 3}
            hashes = (await session.exec(select(PupilName.name_hash))).all()
            assert hashes == [Cipher.from_keys(NEW_KEY).name_hash("jamie testpupil")]  # the old key's is gone
            found = await concern_store.about_pupil(session, app.school_id, hashes)
            assert [c.reference for c in found] == ["C-2026-0001"]
        assert await key_problems(app.db) == [
            f"PREVENT_DATA_KEY_OLD (id {OLD_ID}) is set but no value uses it any more: remove it, so the "
            "retired key no longer opens anything"]
    finally:
        await app.close()


async def test_serve_says_at_start_when_values_need_a_key_that_is_not_configured(
        sqlite_url: str, clock: FrozenClock, caplog: pytest.LogCaptureFixture) -> None:
    from bot.server import log_key_problems

    first = await built(sqlite_url, clock)
    await up_to_account(await start(first))  # a half-told concern, sealed with the first key
    await first.close()
    app = await built(sqlite_url, clock, PREVENT_DATA_KEY=NEW_KEY)  # rotated without PREVENT_DATA_KEY_OLD
    try:
        with caplog.at_level("WARNING"):
            await log_key_problems(app)
    finally:
        await app.close()
    assert f"data keys: 1 encrypted value(s) use a data key (id {OLD_ID}) that is not configured" in caplog.text
    assert TEST_KEY not in caplog.text and NEW_KEY not in caplog.text


async def test_a_damaged_value_is_left_and_reported_and_the_rest_are_resealed(
        sqlite_url: str, clock: FrozenClock, caplog: pytest.LogCaptureFixture) -> None:
    first = await built(sqlite_url, clock)
    for n in range(2):  # two people, two conversations in progress
        await up_to_account(await start(first, f"teacher{n}@school.example"))
    await first.close()
    app = await built(sqlite_url, clock, PREVENT_DATA_KEY=NEW_KEY, PREVENT_DATA_KEY_OLD=TEST_KEY)
    try:
        async with app.db.transaction() as session:
            [broken, whole] = (await session.exec(select(DialogSession).order_by(col(DialogSession.id)))).all()
            broken.data_enc = damaged(broken.data_enc)
            session.add(broken)
        with caplog.at_level("ERROR"):
            report = await reseal_all(app.db)
        assert report.damaged == 1 and not report.finished
        assert report.resealed["conversations in progress"] == 1
        assert f"conversations in progress value in row {broken.id}" in caplog.text
        async with app.db.reading() as session:
            assert (await session.get(DialogSession, whole.id)).data_enc.startswith(sealed_prefix(NEW_ID))  # type: ignore[union-attr]
    finally:
        await app.close()


def damaged(token: str) -> str:
    """The sealed value with one bit of its ciphertext flipped (so it no longer opens)."""
    kid, nonce, body = token.split(".")
    raw = bytearray(base64.urlsafe_b64decode(body))
    raw[0] ^= 1
    return ".".join((kid, nonce, base64.urlsafe_b64encode(bytes(raw)).decode()))
