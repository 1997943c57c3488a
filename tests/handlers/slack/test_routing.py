"""Who hears of a concern in Slack, by who it is about: never the person it names, never the channel for an adult."""

from __future__ import annotations

from sqlmodel import select

from storage import concerns as store
from storage.models import Concern
from tests.handlers.slack.fake_slack import dm
from tests.handlers.slack.harness import DSL_CHANNEL, PEOPLE, Harness
from tests.helpers import DEPUTY_EMAIL, DSL_EMAIL, HEAD_EMAIL

ALEX_DM, SAM_DM, HEAD_DM, TEACHER_DM = (dm(PEOPLE[w][0]) for w in ("alex", "sam", "head", "teacher"))
ACCOUNT = "Saw him shove a Year 7 pupil against the lockers and shout at her to keep quiet"


async def audits(slack: Harness) -> list[tuple[str, str, str, bool]]:
    async with slack.app.db.transaction() as session:
        rows = await store.audit_rows(session, slack.app.school_id)
    return [(r.actor, r.action, r.target, r.allowed) for r in rows]


def posted(slack: Harness, channel: str) -> str:
    """Everything the bot posted or updated in a channel or DM, joined (its look-ups of the channel aside)."""
    return "".join(c.text for c in slack.fake.calls if c.channel == channel and c.method.startswith("chat."))


async def test_an_urgent_concern_about_a_dsl_member_reaches_the_rest_of_the_team_and_the_head_only(
        slack: Harness) -> None:
    await slack.say("teacher", "Raise a concern")
    await slack.tap("teacher", "yes")
    await slack.drain()
    assert not [c for c in slack.fake.calls if c.channel != TEACHER_DM and c.method == "chat.postMessage"], \
        "nobody is alerted before the reporter says who it is about"
    about = await slack.tap("teacher", "dsl_member:1")  # Sam Sample, the deputy DSL
    assert any("the rest of the DSL team and the headteacher, Jo Placeholder" in c.text and "C-2026-0001" in c.text
               for c in about)
    await slack.drain()

    for who in (ALEX_DM, HEAD_DM):
        alerts = [c for c in slack.fake.posts(who) if "URGENT" in c.text and "C-2026-0001" in c.text]
        assert len(alerts) == 1, f"one urgent alert by DM to {who}"
    assert not posted(slack, SAM_DM), "nothing reaches the person it is about"
    assert not posted(slack, DSL_CHANNEL), "nothing goes into the DSL channel, which that person is in"
    assert all(c.args.get("users") != PEOPLE["sam"][0] for c in slack.fake.of("conversations.open"))

    for verb in ("view", "ack"):  # from an old or forged button: refused, audited, nothing shown
        calls = await slack.press("sam", f"dsl:{verb}:1", channel=SAM_DM)
        assert not [c for c in calls if c.method == "views.open"]
        said = [c for c in calls if c.method == "chat.postMessage"]
        assert said and all(c.channel == SAM_DM for c in said) and "C-2026-0001" not in said[0].text
    await slack.drain()
    assert "URGENT" not in posted(slack, SAM_DM) and not posted(slack, DSL_CHANNEL)
    rows = await audits(slack)
    assert (DEPUTY_EMAIL, "concern.exclude", "C-2026-0001", True) in rows
    assert (DEPUTY_EMAIL, "dsl.view", "C-2026-0001", False) in rows
    assert (DEPUTY_EMAIL, "dsl.ack", "C-2026-0001", False) in rows
    assert [r[1] for r in rows if r[0] == DEPUTY_EMAIL and r[3]] == ["concern.exclude"]  # Sam did nothing else
    async with slack.app.db.transaction() as session:
        concern = (await session.exec(select(Concern))).one()
    assert concern.status == "new" and concern.excluded == DEPUTY_EMAIL and concern.about == "dsl"


async def test_an_allegation_about_an_adult_is_stored_for_the_head_and_never_reaches_the_dsl_channel(
        slack: Harness) -> None:
    await slack.say("teacher", "Raise a concern")
    await slack.tap("teacher", "no")
    await slack.tap("teacher", "adult")
    await slack.tap("teacher", "allegation")
    await slack.tap("teacher", "head")  # no conflict of interest: the headteacher
    await slack.say("teacher", "Pat Placeholder, supply teacher")
    await slack.say("teacher", ACCOUNT)
    await slack.tap("teacher", "done")
    await slack.say("teacher", "today 10:15")
    await slack.say("teacher", "Corridor by the lockers")
    review = await slack.tap("teacher", "nobody")
    assert any(ACCOUNT in c.text for c in review)
    receipt = await slack.tap("teacher", "submit")
    assert any("C-2026-0001" in c.text and "Jo Placeholder" in c.text for c in receipt)
    await slack.drain()

    assert not posted(slack, DSL_CHANNEL), "an allegation never goes to the DSL channel"
    assert not posted(slack, ALEX_DM) and not posted(slack, SAM_DM)
    [alert] = [c for c in slack.fake.posts(HEAD_DM) if "C-2026-0001" in c.text]
    assert "recorded privately" in alert.text and ACCOUNT not in alert.text and "Pat Placeholder" not in alert.text
    assert "dsl:view:1" in [choice for choice, _, _ in alert.buttons()]

    calls = await slack.press("head", "dsl:view:1", channel=HEAD_DM)
    [modal] = [c for c in calls if c.method == "views.open"]
    assert ACCOUNT in modal.text and "Pat Placeholder" in modal.text
    for who, where in (("alex", ALEX_DM), ("sam", SAM_DM), ("olly", dm(PEOPLE["olly"][0]))):
        calls = await slack.press(who, "dsl:view:1", channel=where)
        assert not [c for c in calls if c.method == "views.open"], f"{who} may not see it"
        assert ACCOUNT not in "".join(c.text for c in calls)
    rows = await audits(slack)
    assert (HEAD_EMAIL, "concern.view", "C-2026-0001", True) in rows
    for email in (DSL_EMAIL, DEPUTY_EMAIL, PEOPLE["olly"][2]):
        assert (email, "dsl.view", "C-2026-0001", False) in rows
    assert not any(ACCOUNT in c.text for c in slack.fake.calls if c.channel != TEACHER_DM and c is not modal)
    async with slack.app.db.transaction() as session:
        concern = (await session.exec(select(Concern))).one()
    assert concern.audience == "headteacher" and ACCOUNT in slack.app.db.cipher.decrypt(concern.details_enc)
