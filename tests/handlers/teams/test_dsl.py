"""The DSL team in Teams: buttons on the alert card, details only in personal chat, the reporter told."""

from __future__ import annotations

from dialogs.alerts import ACTIONS
from storage import concerns as store
from tests.handlers.teams.harness import NARRATIVE, PUPIL, TEAM, WORDS, Harness, alert_id, raise_concern


async def audits(teams: Harness) -> list[tuple[str, str, bool]]:
    async with teams.app.db.transaction() as session:
        rows = await store.audit_rows(session, teams.app.school_id)
    return [(r.actor, r.action, r.allowed) for r in rows]


async def test_view_goes_only_to_the_dsl_member_in_personal_chat(teams: Harness) -> None:
    await raise_concern(teams)
    await teams.drain()
    alert = await alert_id(teams)
    channel_before = len(teams.fake.sent_to(TEAM))
    sent = await teams.press("alex", "dsl:view:1", alert)
    details = "".join(c.text for c in sent)
    assert NARRATIVE in details and WORDS in details and PUPIL in details
    assert all(c.conversation == "a:personal-29:alex" for c in sent)
    assert len(teams.fake.sent_to(TEAM)) == channel_before, "nothing about the press goes into the channel"
    assert ("alex.example@school.example", "concern.view", True) in await audits(teams)


async def test_someone_outside_the_dsl_team_is_refused_and_audited(teams: Harness) -> None:
    await raise_concern(teams)
    await teams.drain()
    alert = await alert_id(teams)
    for verb in ("view", "ack", "close"):
        sent = await teams.press("olly", f"dsl:{verb}:1", alert)
        assert "only members of the school's DSL team" in sent[0].text
        assert all(c.conversation == "a:personal-29:olly" for c in sent)
    seen_by_olly = "".join(c.text for c in teams.to_person("olly"))
    assert NARRATIVE not in seen_by_olly and PUPIL not in seen_by_olly
    refused = [a for a in await audits(teams) if a[0] == "olly.outsider@school.example"]
    assert {a[1] for a in refused} == {"dsl.view", "dsl.ack", "dsl.close"}
    assert not any(allowed for _, _, allowed in refused)
    await teams.drain()
    assert not teams.fake.updates(), "a refused press changes nothing"


async def test_acknowledge_note_action_close_with_the_reporter_told(teams: Harness) -> None:
    await raise_concern(teams)
    await teams.drain()
    alert = await alert_id(teams)

    sent = await teams.press("alex", "dsl:ack:1", alert)
    assert "acknowledged C-2026-0001" in sent[0].text
    await teams.drain()
    update = teams.fake.updates()[-1]
    assert update.parts[-1] == alert and "Picked up by the DSL team" in update.text
    assert [c for c, _ in update.choices()] == [f"dsl:{v}:1" for v in ACTIONS], "same place, same id"
    thread = teams.fake.sent_to(TEAM)[-1]
    assert thread.conversation == f"{TEAM};messageid={alert}" and "Acknowledged by Alex Example" in thread.text
    assert "picked up by the DSL team" in teams.to_person("teacher")[-1].text

    question = await teams.press("alex", "dsl:note:1", alert)
    assert "Type the note" in question[-1].text and question[-1].conversation == "a:personal-29:alex"
    done = await teams.say("alex", "Spoke to the family; they will meet the DSL tomorrow")
    assert "Note added to C-2026-0001" in done[0].text
    await teams.drain()
    assert "Note by Alex Example" in teams.fake.sent_to(TEAM)[-1].text
    assert "tomorrow" not in teams.fake.sent_to(TEAM)[-1].text, "the note itself stays out of the channel"

    await teams.press("sam", "dsl:action:1", alert)
    await teams.tap("sam", "police_prevent")
    done = await teams.say("sam", "Indicators of radicalisation; discussed with the local Prevent team")
    assert "Recorded on C-2026-0001" in done[0].text

    await teams.press("alex", "dsl:close:1", alert)
    await teams.tap("alex", "channel")
    done = await teams.say("alex", "Channel panel accepted the referral")
    assert "C-2026-0001 is closed" in done[0].text
    await teams.drain()
    final = teams.fake.updates()[-1]
    assert "Closed" in final.text and [c for c, _ in final.choices()] == [f"dsl:{v}:1" for v in ACTIONS]
    told = [c.text for c in teams.to_person("teacher")]
    assert any("has been closed by the DSL team" in t for t in told)
    assert not any("Channel panel accepted" in t for t in told), "the reporter never gets the details"


async def test_typed_ack_in_personal_chat_acknowledges_the_alert(teams: Harness) -> None:
    await raise_concern(teams)
    await teams.drain()
    sent = await teams.say("alex", "acknowledge it")
    assert sent and "acknowledged C-2026-0001" in sent[0].text
    assert all(c.conversation == teams.personal_id("alex") for c in sent)
    async with teams.app.db.transaction() as session:
        concern = await store.get(session, teams.app.school_id, 1)
    assert concern is not None and concern.status == "acknowledged"
    await teams.drain()
    assert "picked up by the DSL team" in teams.to_person("teacher")[-1].text
