"""With an app registration, a token signed as the Bot Connector signs it is accepted; any other is refused.

The SDK's own validation runs unchanged (the production code path); only where it fetches the signing keys
is pointed at a local stand-in (`ChannelValidation.open_id_metadata_endpoint`, the SDK's override), and the
bot's outgoing token (which would come from Microsoft's login service) is a fixed string.
"""

from __future__ import annotations

import socket

import pytest
from botframework.connector.auth import ChannelValidation
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlmodel import func, select

from storage.models import DialogSession, Staff
from tests.handlers.teams.fake_identity import FakeIdentity
from tests.handlers.teams.harness import APP_ID, Harness


async def count(harness: Harness, table: type[Staff] | type[DialogSession]) -> int:
    async with harness.app.db.transaction() as session:
        return int((await session.exec(select(func.count()).select_from(table))).one())


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_a_message_signed_by_the_connector_is_answered(signed: Harness, identity: FakeIdentity) -> None:
    token = identity.token(APP_ID, signed.fake.url)
    assert await signed.post(signed.personal("teacher", text="who do I talk to?"), headers=bearer(token)) == 200
    replies = signed.to_person("teacher")
    assert replies, "the bot answered in the teacher's personal chat"
    assert "020 7946 0101" in " ".join(str(call.body) for call in replies)  # today's DSL's number


@pytest.mark.parametrize("forgery", [
    {"aud": "00000000-0000-0000-0000-00000000dead"},  # meant for another bot
    {"serviceurl": "https://evil.example/"},  # claims a different connector
    {"exp": 1_700_000_000, "nbf": 1_699_990_000},  # expired
    {"iss": "https://login.example/"},  # not issued by the Bot Framework
    {"key": "other"},  # signed with a key that is not the connector's
    {"kid": "unknown-key"},  # names a key the connector never published
])
async def test_a_token_that_is_not_right_gets_401_and_changes_nothing(
        signed: Harness, identity: FakeIdentity, forgery: dict[str, object]) -> None:
    staff, sessions = await count(signed, Staff), await count(signed, DialogSession)
    if forgery.get("key") == "other":
        forgery = {**forgery, "key": rsa.generate_private_key(public_exponent=65537, key_size=2048)}
    token = identity.token(APP_ID, signed.fake.url, **forgery)
    assert await signed.post(signed.personal("teacher", text="hello"), headers=bearer(token)) == 401
    assert signed.fake.calls == []
    assert (await count(signed, Staff), await count(signed, DialogSession)) == (staff, sessions)


async def test_unreachable_signing_keys_get_503_so_the_connector_retries(
        signed: Harness, identity: FakeIdentity, monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket() as closed:  # a port nothing listens on
        closed.bind(("127.0.0.1", 0))
        nowhere = f"http://127.0.0.1:{closed.getsockname()[1]}/v1/.well-known/openidconfiguration"
    monkeypatch.setattr(ChannelValidation, "open_id_metadata_endpoint", nowhere)
    token = identity.token(APP_ID, signed.fake.url)
    assert await signed.post(signed.personal("teacher", text="hello"), headers=bearer(token)) == 503
    assert signed.fake.calls == []
