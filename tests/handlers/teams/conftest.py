"""The real server on 127.0.0.1 with Teams on, and a fake Bot Connector it calls; helpers to talk as people."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from botframework.connector.auth import ChannelValidation, MicrosoftAppCredentials

from tests.handlers.teams.fake_connector import FakeConnector
from tests.handlers.teams.fake_identity import FakeIdentity
from tests.handlers.teams.harness import APP_ID, OTHER_TEAM, PEOPLE, TEAM, TENANT, Harness, start
from tests.helpers import FrozenClock, serve


@pytest.fixture
async def fake() -> AsyncIterator[FakeConnector]:
    """The fake Bot Connector, with the DSL team and a staff room team."""
    connector = FakeConnector()
    for who, (user_id, name, email) in PEOPLE.items():
        connector.roster[user_id] = {"id": user_id, "name": name, "email": email,
                                     "userPrincipalName": email, "aadObjectId": f"aad-{who}"}
    connector.teams[TEAM] = {"name": "DSL team", "channels": [{"id": TEAM}],
                             "members": [PEOPLE["alex"][0], PEOPLE["sam"][0]]}
    connector.teams[OTHER_TEAM] = {"name": "Staff room", "channels": [{"id": OTHER_TEAM}],
                                   "members": [PEOPLE["teacher"][0], PEOPLE["olly"][0]]}
    runner, connector.url = await serve(connector.app())
    yield connector
    await runner.cleanup()
    assert connector.invalid_cards == [], "a card the bot sent is not valid Adaptive Card 1.5"


@pytest.fixture
async def teams(tmp_path: Path, clock: FrozenClock, fake: FakeConnector,
                any_db_url: str) -> AsyncIterator[Harness]:
    """The server with Teams in local mode, the bot already in the DSL team; SQLite, and PostgreSQL in CI."""
    async for harness in start(tmp_path, clock, fake, database_url=any_db_url):
        assert await harness.post(harness.install()) == 200
        yield harness


@pytest.fixture
def identity(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeIdentity]:
    """The local signing service, and the SDK pointed at it."""
    fake_identity = FakeIdentity()
    fake_identity.start()
    monkeypatch.setattr(ChannelValidation, "open_id_metadata_endpoint", fake_identity.metadata_url)
    monkeypatch.setattr(MicrosoftAppCredentials, "get_access_token", lambda self, force_refresh=False: "outbound")
    yield fake_identity
    fake_identity.stop()


@pytest.fixture
async def signed(tmp_path: Path, clock: FrozenClock, fake: FakeConnector,
                 identity: FakeIdentity) -> AsyncIterator[Harness]:
    """The Teams app with an app registration: every request must carry a Bot Connector token."""
    env = {"MicrosoftAppId": APP_ID, "MicrosoftAppPassword": "not-a-real-secret",
           "MicrosoftAppType": "SingleTenant", "MicrosoftAppTenantId": TENANT}
    async for harness in start(tmp_path, clock, fake, **env):
        yield harness
