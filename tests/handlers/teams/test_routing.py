"""Who hears of a concern in Teams, by who it is about: never the person it names, never the channel for an adult."""

from __future__ import annotations

from sqlmodel import select

from storage import concerns as store
from storage.models import Concern
from tests.handlers.teams.fake_connector import Call
from tests.handlers.teams.harness import PEOPLE, TEAM, Harness
from tests.helpers import DEPUTY_EMAIL, DSL_EMAIL, HEAD_EMAIL

ACCOUNT = "Saw him shove a Year 7 pupil against the lockers and shout at her to keep quiet"


async def audits(teams: Harness) -> list[tuple[str, str, str, bool]]:
    async with teams.app.db.transaction() as session:
        rows = await store.audit_rows(session, teams.app.school_id)
    return [(r.actor, r.action, r.target, r.allowed) for r in rows]


async def forged(teams: Harness, who: str, choice: str) -> list[Call]:
    """Sends a DSL button's value from someone's personal chat, as an old or forged card would."""
    return await teams.post_and_read(teams.personal(who, value={"choice": choice, "token": ""}))


async def head_says_hello(teams: Harness) -> None:
    """The headteacher, who is not in the DSL team, opens a chat with the bot once (so Teams can reach them)."""
    await teams.say("head", "hello")
    await teams.say("head", "cancel")


async def test_an_urgent_concern_about_a_dsl_member_reaches_the_rest_of_the_team_and_the_head_only(
        teams: Harness) -> None:
    await head_says_hello(teams)
    before = {who: len(teams.to_person(who)) for who in PEOPLE}
    await teams.say("teacher", "Raise a concern")
    await teams.tap("teacher", "yes")
    await teams.drain()
    assert all(len(teams.to_person(who)) == before[who] for who in PEOPLE if who != "teacher")
    assert not teams.fake.sent_to(TEAM), "nobody is alerted before the reporter says who it is about"
    about = await teams.tap("teacher", "dsl_member:1")  # Sam Sample, the deputy DSL
    assert any("the rest of the DSL team and the headteacher, Jo Placeholder" in c.text and "C-2026-0001" in c.text
               for c in about)
    await teams.drain()

    for who in ("alex", "head"):
        alerts = [c for c in teams.to_person(who) if "URGENT" in c.text and "C-2026-0001" in c.text]
        assert len(alerts) == 1, f"one urgent alert in {who}'s personal chat"
    assert teams.to_person("sam") == [], "nothing reaches the person it is about"
    assert not teams.fake.sent_to(TEAM), "nothing goes into the DSL channel, which that person is in"
    assert not [c for c in teams.fake.calls if c.method == "POST" and c.parts == ["v3", "conversations"]
                and c.body["members"][0]["id"] == PEOPLE["sam"][0]], "no chat is even opened with them"

    for verb in ("view", "ack"):  # from an old or forged card: refused, audited, nothing shown
        said = await forged(teams, "sam", f"dsl:{verb}:1")
        assert said and "C-2026-0001" not in "".join(c.text for c in said)
        assert all(c.conversation == teams.personal_id("sam") for c in said)
    await teams.drain()
    assert not any("URGENT" in c.text for c in teams.to_person("sam")) and not teams.fake.sent_to(TEAM)
    assert not teams.fake.updates()
    rows = await audits(teams)
    assert (DEPUTY_EMAIL, "concern.exclude", "C-2026-0001", True) in rows
    assert (DEPUTY_EMAIL, "dsl.view", "C-2026-0001", False) in rows
    assert (DEPUTY_EMAIL, "dsl.ack", "C-2026-0001", False) in rows
    assert [r[1] for r in rows if r[0] == DEPUTY_EMAIL and r[3]] == ["concern.exclude"]  # Sam did nothing else
    async with teams.app.db.transaction() as session:
        concern = (await session.exec(select(Concern))).one()
    assert concern.status == "new" and concern.excluded == DEPUTY_EMAIL and concern.about == "dsl"


async def test_an_allegation_about_an_adult_is_stored_for_the_head_and_never_reaches_the_dsl_channel(
        teams: Harness) -> None:
    await head_says_hello(teams)
    channel_before = len(teams.fake.sent_to(TEAM))
    await teams.say("teacher", "Raise a concern")
    await teams.tap("teacher", "no")
    await teams.tap("teacher", "adult")
    await teams.tap("teacher", "allegation")
    await teams.tap("teacher", "head")  # no conflict of interest: the headteacher
    await teams.say("teacher", "Pat Placeholder, supply teacher")
    await teams.say("teacher", ACCOUNT)
    await teams.tap("teacher", "done")
    await teams.say("teacher", "today 10:15")
    await teams.say("teacher", "Corridor by the lockers")
    review = await teams.tap("teacher", "nobody")
    assert any(ACCOUNT in c.text for c in review)
    receipt = await teams.tap("teacher", "submit")
    assert any("C-2026-0001" in c.text and "Jo Placeholder" in c.text for c in receipt)
    await teams.drain()

    assert len(teams.fake.sent_to(TEAM)) == channel_before, "an allegation never goes to the DSL channel"
    assert not any("C-2026-0001" in c.text for who in ("alex", "sam") for c in teams.to_person(who))
    [alert] = [c for c in teams.to_person("head") if "C-2026-0001" in c.text]
    assert "recorded privately" in alert.text and ACCOUNT not in alert.text and "Pat Placeholder" not in alert.text
    assert "dsl:view:1" in [choice for choice, _ in alert.choices()]

    shown = "".join(c.text for c in await teams.tap("head", "dsl:view:1"))
    assert ACCOUNT in shown and "Pat Placeholder" in shown
    for who in ("alex", "sam", "olly"):
        said = await forged(teams, who, "dsl:view:1")
        assert said and ACCOUNT not in "".join(c.text for c in said), f"{who} may not see it"
    rows = await audits(teams)
    assert (HEAD_EMAIL, "concern.view", "C-2026-0001", True) in rows
    for email in (DSL_EMAIL, DEPUTY_EMAIL, PEOPLE["olly"][2]):
        assert (email, "dsl.view", "C-2026-0001", False) in rows
    readers = {c.conversation for c in teams.fake.sent() if ACCOUNT in c.text}
    assert readers <= {teams.personal_id("teacher"), teams.personal_id("head")}, "only the reporter and the head"
    async with teams.app.db.transaction() as session:
        concern = (await session.exec(select(Concern))).one()
    assert concern.audience == "headteacher" and ACCOUNT in teams.app.db.cipher.decrypt(concern.details_enc)
