"""`prevent-bot concerns show`: the dialogs' labels and the school's time, ids kept for --json."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime
from pathlib import Path

import pytest
from sqlmodel import select

from bot.app import App
from storage.models import Concern
from tests.helpers import DSL_EMAIL, LONDON, Conversation, FrozenClock, invoke, start, tell_up_to_review


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(datetime(2026, 6, 10, 14, 5, tzinfo=LONDON))  # British Summer Time: UTC+1


async def closed_to_police_prevent(app: App) -> None:
    convo = await start(app)
    await tell_up_to_review(convo)  # "today 09:00"
    await convo.tap("submit")
    async with app.db.transaction() as session:
        concern_id = (await session.exec(select(Concern.id))).one()
    dsl = Conversation(app.engine, DSL_EMAIL)
    await dsl.tap(f"dsl:close:{concern_id}", token=None)
    await dsl.tap("police_prevent")
    await dsl.say("Referred after talking to the family")


async def test_show_uses_the_dialog_wording_and_the_school_time(app: App, tmp_path: Path) -> None:
    await closed_to_police_prevent(app)
    result = await asyncio.to_thread(invoke, tmp_path, "concerns", "show", "C-2026-0001")  # its own event loop
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert {"Status: Closed", "About: A child", "Seen or heard: Came in hungry again, no coat",
            "Child's words: I haven't eaten since Friday", "When: Wed 10 Jun 2026 09:00 BST",
            "Outcome: Prevent referral made (the police decide on Channel)", "Chronology:"} <= set(lines)
    assert any(line.startswith("  Wed 10 Jun 2026 14:05 BST  Concern raised") for line in lines)  # 13:05 UTC
    closed = next(line for line in lines if "  Closed  " in line)
    assert "Prevent referral made (the police decide on Channel) — Referred after talking to the family" in closed
    for raw in ("seen_heard", "police_prevent", "occurred_at", "UTC", "13:05", "category_label"):
        assert raw not in result.stdout

    record = json.loads((await asyncio.to_thread(invoke, tmp_path, "concerns", "show", "C-2026-0001", "--json")).stdout)
    assert (record["outcome"], record["about"], record["seen_heard"]) == (
        "police_prevent", "child", "Came in hungry again, no coat")
