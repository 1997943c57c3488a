"""Personal installs, other tenants, replies queued when Teams fails, and logs kept free of concern text."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.handlers.teams.fake_connector import FakeConnector
from tests.handlers.teams.harness import BOT, NARRATIVE, PUPIL, TENANT, WORDS, Harness, raise_concern, start
from tests.helpers import FrozenClock


async def test_installing_the_app_for_yourself_greets_you(teams: Harness) -> None:
    installed = teams.personal("teacher", type="conversationUpdate", membersAdded=[{"id": BOT}])
    assert await teams.post(installed) == 200
    greeting = teams.to_person("teacher")
    assert greeting and "Hello Terry Teacher" in greeting[-1].text
    assert {c for c, _ in greeting[-1].choices()} >= {"go:raise_concern", "go:who", "go:help"}


async def test_a_reply_teams_refuses_is_queued_and_delivered_later(teams: Harness) -> None:
    await teams.say("teacher", "hello")
    teams.fake.fail_next = [503, 503]  # the typing indicator, then the reply
    activity = teams.personal("teacher", text="Who do I talk to")
    assert await teams.post(activity) == 200
    assert not any("Who to talk to" in c.text for c in teams.to_person("teacher"))
    assert await teams.drain() == 1
    assert any("Who to talk to" in c.text for c in teams.to_person("teacher"))


@pytest.fixture
async def one_tenant(tmp_path: Path, clock: FrozenClock, fake: FakeConnector) -> AsyncIterator[Harness]:
    """Local mode, but only the school's tenant is served."""
    async for harness in start(tmp_path, clock, fake, MicrosoftAppTenantId=TENANT):
        yield harness


async def test_activities_from_another_tenant_are_ignored(one_tenant: Harness) -> None:
    stranger = one_tenant.personal("alex", text="hello")
    stranger["conversation"]["tenantId"] = "someone-else"
    stranger["channelData"] = {"tenant": {"id": "someone-else"}}
    assert await one_tenant.post(stranger) == 200
    assert one_tenant.fake.calls == []
    assert await one_tenant.post(one_tenant.personal("alex", text="hello")) == 200
    assert one_tenant.to_person("alex")


async def test_logs_never_hold_concern_text(teams: Harness, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    await raise_concern(teams)
    await teams.drain()
    logged = "\n".join(r.getMessage() for r in caplog.records)
    for secret in (NARRATIVE, WORDS, PUPIL):
        assert secret not in logged


async def test_the_manifest_commands_work_in_personal_chat(teams: Harness) -> None:
    who = await teams.say("teacher", "Who do I talk to")
    assert any("Who to talk to" in c.text and "999" in c.text for c in who)
    helped = await teams.say("teacher", "Help")
    assert any("What is Prevent?" in c.text for c in helped)
    started = await teams.say("teacher", "Raise a concern")
    assert "immediate danger" in started[-1].text
    await teams.tap("teacher", "no")
    again = await teams.say("teacher", "Raise a concern")
    assert "already doing this" in again[0].text and "Who is the concern about?" in again[-1].text


async def test_a_tap_on_an_old_card_is_refused_kindly(teams: Harness) -> None:
    await teams.say("teacher", "Raise a concern")
    old = teams.token("teacher", "no")
    await teams.tap("teacher", "no")
    await teams.tap("teacher", "child")
    stale = await teams.tap("teacher", "no", token=old)
    assert "That button is from an earlier message" in stale[0].text
    assert "full name" in stale[-1].text, "and the current question is asked again"


async def test_uninstalling_forgets_the_personal_chat(teams: Harness) -> None:
    await teams.say("teacher", "hello")
    assert await teams.platform.store.reference("user:29:teacher") is not None
    removed = teams.personal("teacher", type="installationUpdate", action="remove")
    assert await teams.post(removed) == 200
    assert await teams.platform.store.reference("user:29:teacher") is None
    await teams.say("teacher", "hello again")
    assert await teams.platform.store.reference("user:29:teacher") is not None
