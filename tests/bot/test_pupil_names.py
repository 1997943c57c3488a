"""A concern about several children is found by each child's full name, including concerns from before 0004."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlmodel import select

from bot.app import App, build
from bot.config import demo_text, parse
from bot.services.concerns import named_pupils
from storage import concerns as concern_store
from storage.db import alembic_config
from storage.models import Concern, PupilName
from tests.helpers import (
    CONCERN,
    NEW_KEY,
    TEACHER_EMAIL,
    FrozenClock,
    Line,
    chat,
    make_settings,
    run,
    start,
    tell_from_account,
)


@pytest.mark.parametrize(("typed", "names"), [
    ("Jamie Testpupil", ["Jamie Testpupil"]),
    ("Jamie Testpupil, Robin Madeup", ["Jamie Testpupil, Robin Madeup", "Jamie Testpupil", "Robin Madeup"]),
    ("Ann-Marie Madeup & Robin Madeup\nKit Example", ["Ann-Marie Madeup & Robin Madeup\nKit Example",
                                                       "Ann-Marie Madeup", "Robin Madeup", "Kit Example"]),
    ("Sam and Alex Example", ["Sam and Alex Example", "Alex Example"]),  # "Sam" alone could be anyone
    ("Alexander Example AND Jo Madeup; Kit", ["Alexander Example AND Jo Madeup; Kit", "Alexander Example",
                                              "Jo Madeup"]),
    ("   ", []),
])
def test_each_full_name_is_taken_from_what_was_typed(typed: str, names: list[str]) -> None:
    assert named_pupils(typed) == names


def test_export_finds_a_concern_about_several_children_by_each_name(tmp_path: Path) -> None:
    several: list[Line] = [*CONCERN[:2], {"choice": "children"}, "Jamie Testpupil, Robin Madeup", *CONCERN[4:]]
    chat(tmp_path, TEACHER_EMAIL, several)

    def exported(name: str) -> list[str]:
        out = run(tmp_path, "concerns", "export", "--pupil", name, "--json", "--reason", "Transfer").stdout
        return [c["reference"] for c in json.loads(out)["concerns"]]

    assert exported("Robin Madeup") == ["C-2026-0001"]  # used to find nothing: one hash of both names
    assert exported("jamie  TESTPUPIL") == ["C-2026-0001"]
    assert exported("Jamie Testpupil, Robin Madeup") == ["C-2026-0001"]
    first_name_only = run(tmp_path, "concerns", "export", "--pupil", "Robin", "--reason", "Transfer", refused=True)
    assert "No concerns about that pupil" in first_name_only.stderr


async def built(url: str, clock: FrozenClock, **keys: str) -> App:
    return await build(make_settings(url, **keys), config=parse(demo_text(), "demo"), clock=clock)


async def test_concerns_stored_before_names_were_indexed_are_indexed_at_start(any_db_url: str,
                                                                             clock: FrozenClock) -> None:
    app = await built(any_db_url, clock)
    convo = await start(app)
    await convo.tap("no")
    await convo.tap("children")
    await convo.say("Jamie Testpupil, Robin Madeup")
    await convo.say("Year 8")
    await tell_from_account(convo)
    await convo.tap("submit")
    robin = app.db.cipher.name_hashes("Robin Madeup")
    async with app.db.engine.begin() as connection:  # back to the schema before 0004: one hash per concern
        await connection.run_sync(_downgrade_to_0003)
        await connection.execute(text("UPDATE concern SET pupil_hash = 'a hash of the names as typed'"))
    await app.close()

    unreadable = await built(any_db_url, clock, PREVENT_DATA_KEY=NEW_KEY)  # starts, leaves the concern for later
    async with unreadable.db.reading() as session:
        [concern] = (await session.exec(select(Concern))).all()
        assert not concern.names_indexed
        assert (await session.exec(select(PupilName.name_hash))).all() == ["a hash of the names as typed"]
    await unreadable.close()

    app = await built(any_db_url, clock)
    try:
        async with app.db.reading() as session:
            found = await concern_store.about_pupil(session, app.school_id, robin)
            assert [c.reference for c in found] == ["C-2026-0001"] and found[0].names_indexed
    finally:
        await app.close()


def _downgrade_to_0003(connection: Connection) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    command.downgrade(config, "0003")
