"""A send cut short by a crash: the restarted sender looks in Slack before posting, so nothing goes twice."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from bot.delivery.dispatcher import OutboxDispatcher
from bot.delivery.platforms import OutboundMessage
from bot.delivery.slack import SlackPlatform
from dialogs.messages import Reply
from storage import outbox, people
from storage.models import Outbox
from storage.outbox import OutboxKind, StaffDM
from tests.handlers.slack.fake_slack import dm
from tests.handlers.slack.harness import DSL_CHANNEL, PEOPLE, Harness, raise_concern
from tests.helpers import TEACHER_EMAIL, drain, outbox_due_now

TEACHER_DM = dm(PEOPLE["teacher"][0])


class Killed(BaseException):
    """The process dying: nothing after it runs, no handler catches it."""


def killed(*_: object, **__: object) -> None:
    """Stands in for a step the dead process never reached."""
    raise Killed


async def alert_row(slack: Harness) -> Outbox:
    async with slack.app.db.reading() as session:
        rows = (await session.exec(select(Outbox).where(Outbox.destination == "dsl"))).all()
    assert len(rows) == 1
    return rows[0]


def restarted(slack: Harness) -> OutboxDispatcher:
    """A new sender with a new Slack platform, as after a restart."""
    return OutboxDispatcher(slack.app.db, slack.app.concerns, {"slack": SlackPlatform(slack.app)}, timedelta(minutes=5))


async def crash_after_slack_accepted(slack: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    """Sends the outbox once, dying after each post Slack accepted and before it is recorded as delivered."""
    with monkeypatch.context() as patch:
        patch.setattr(outbox, "mark_delivered", killed)
        with pytest.raises(Killed):
            await drain(restarted(slack))


async def crash_before_the_post(slack: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    """Sends the outbox once, dying after the attempt was recorded and before anything reached Slack."""
    async def dies(_: SlackPlatform, __: OutboundMessage) -> str:
        raise Killed

    with monkeypatch.context() as patch:
        patch.setattr(SlackPlatform, "deliver", dies)
        with pytest.raises(Killed):
            await drain(restarted(slack))


async def test_an_alert_slack_accepted_before_a_crash_is_recorded_not_posted_again(
        slack: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    await raise_concern(slack)
    await crash_after_slack_accepted(slack, monkeypatch)
    [posted] = slack.fake.posts(DSL_CHANNEL)
    assert posted.args["metadata"]["event_payload"]["outbox"] == (await alert_row(slack)).id
    pending = await alert_row(slack)
    assert pending.status == "pending" and pending.attempt_started_at is not None

    assert await drain(restarted(slack)) >= 1
    assert len(slack.fake.posts(DSL_CHANNEL)) == 1, "the alert was posted again"
    row = await alert_row(slack)
    assert row.status == "delivered" and row.platform_message_id == f"{DSL_CHANNEL}:{posted.result['ts']}"
    [looked] = slack.fake.of("conversations.history")
    assert looked.args["channel"] == DSL_CHANNEL and looked.args["include_all_metadata"] in ("1", "true")


async def test_an_alert_that_never_reached_slack_is_posted_once_after_looking(
        slack: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    await raise_concern(slack)
    await crash_before_the_post(slack, monkeypatch)
    assert slack.fake.posts(DSL_CHANNEL) == []

    await drain(restarted(slack))
    assert len(slack.fake.of("conversations.history")) == 1, "Slack was not checked first"
    [posted] = slack.fake.posts(DSL_CHANNEL)
    row = await alert_row(slack)
    assert posted.args["metadata"] == {"event_type": "prevent_outbox", "event_payload": {"outbox": row.id, "part": 0}}
    assert row.status == "delivered" and row.platform_message_id == f"{DSL_CHANNEL}:{posted.result['ts']}"


async def test_nothing_is_posted_while_the_check_fails(slack: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    await raise_concern(slack)
    await crash_before_the_post(slack, monkeypatch)
    slack.fake.fail("conversations.history", error="internal_error", times=2)
    sender = restarted(slack)
    for _ in range(2):
        await drain(sender)
        await outbox_due_now(slack.app)
    assert slack.fake.posts(DSL_CHANNEL) == [], "posted without knowing whether Slack had it"
    row = await alert_row(slack)
    assert row.status == "pending" and "conversations.history" in row.last_error

    await drain(sender)
    assert len(slack.fake.posts(DSL_CHANNEL)) == 1
    assert (await alert_row(slack)).status == "delivered"


async def test_a_staff_dm_slack_accepted_before_a_crash_is_not_sent_again(
        slack: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    await slack.say("teacher", "help")  # the teacher is known to the bot, and their DM too
    before = len(slack.fake.posts(TEACHER_DM))
    async with slack.app.db.transaction() as session:
        teacher = await people.staff_by_email(session, slack.app.school_id, TEACHER_EMAIL)
        assert teacher is not None and teacher.id is not None
        row = await outbox.enqueue(session, slack.app.school_id, "slack", StaffDM(teacher.id), OutboxKind.REPLY,
                                   {"replies": [Reply("First part").to_json(), Reply("Second part").to_json()]})
        row_id = row.id
    await crash_after_slack_accepted(slack, monkeypatch)
    first = slack.fake.posts(TEACHER_DM)[before:]
    assert [c.args["text"] for c in first] == ["First part", "Second part"]

    await drain(restarted(slack))
    again = slack.fake.posts(TEACHER_DM)[before:]
    assert [c.args["text"] for c in again] == ["First part", "Second part"], "a DM was sent twice"
    async with slack.app.db.reading() as session:
        done = await session.get(Outbox, row_id)
    assert done is not None and done.status == "delivered"
    assert done.platform_message_id == f"{TEACHER_DM}:{first[0].result['ts']}"


async def test_migration_0006_goes_down_and_up(slack: Harness) -> None:
    from alembic import command
    from sqlalchemy import inspect
    from sqlalchemy.engine import Connection

    from storage.db import alembic_config

    def migrate(connection: Connection, target: str) -> list[str]:
        config = alembic_config()
        config.attributes["connection"] = connection
        (command.downgrade if target == "0005" else command.upgrade)(config, target)
        return [c["name"] for c in inspect(connection).get_columns("outbox")]

    await raise_concern(slack)  # a row in place while the column goes and comes back
    async with slack.app.db.engine.begin() as connection:
        assert "attempt_started_at" not in await connection.run_sync(migrate, "0005")
    async with slack.app.db.engine.begin() as connection:
        assert "attempt_started_at" in await connection.run_sync(migrate, "head")
    assert (await alert_row(slack)).attempt_started_at is None
