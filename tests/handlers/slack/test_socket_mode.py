"""Socket Mode: with SLACK_APP_TOKEN set, events come over a WebSocket and /slack/events is not served."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.handlers.slack.fake_slack import TEAM, FakeSlack, dm
from tests.handlers.slack.harness import PEOPLE, Harness, start
from tests.helpers import FrozenClock

TEACHER = PEOPLE["teacher"][0]


@pytest.fixture
async def socket_mode(tmp_path: Path, clock: FrozenClock, fake: FakeSlack) -> AsyncIterator[Harness]:
    async for harness in start(tmp_path, clock, fake, SLACK_APP_TOKEN="xapp-test", SLACK_SIGNING_SECRET=""):
        worker = asyncio.create_task(harness.platform.inbox_worker.run_forever())  # as `serve` runs it
        yield harness
        harness.platform.inbox_worker.stop()
        await asyncio.wait_for(worker, 10)  # stopped cleanly before the database closes


async def until(condition: object, what: str) -> None:
    """Waits for the app to act on a WebSocket message (it answers asynchronously)."""
    for _ in range(500):
        if callable(condition) and condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"never happened: {what}")


async def test_events_arrive_over_the_socket_and_are_acknowledged(socket_mode: Harness) -> None:
    fake = socket_mode.fake
    assert fake.sockets, "the app connected to the URL from apps.connections.open"
    assert [c for c in fake.calls if c.method == "apps.connections.open"]
    event = {"type": "message", "channel_type": "im", "channel": dm(TEACHER), "user": TEACHER,
             "text": "Raise a concern", "ts": "1700000005.000001"}
    envelope = {"envelope_id": "env-1", "type": "events_api", "accepts_response_payload": False,
                "payload": {"team_id": TEAM, "api_app_id": "A0PREVENT", "type": "event_callback",
                            "event_id": "Ev0SOCKET", "event_time": 1700000005, "event": event}}
    await fake.sockets[-1].send_str(json.dumps(envelope))
    await until(lambda: "env-1" in fake.acks and fake.posts(dm(TEACHER)), "acknowledged and answered")
    assert "immediate danger" in fake.posts(dm(TEACHER))[-1].text


async def test_no_http_endpoint_and_no_signing_secret_needed(socket_mode: Harness) -> None:
    async with socket_mode.http.post(f"{socket_mode.url}/slack/events", data=b"{}") as response:
        assert response.status in (404, 405)
    problems = await socket_mode.platform.readiness()
    assert not [p for p in problems if "SIGNING_SECRET" in p]
