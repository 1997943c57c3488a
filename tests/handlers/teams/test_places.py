"""Where the bot talks: channel mentions move to personal chat; the DSL channel is learned safely."""

from __future__ import annotations

from pathlib import Path

from bot.config import demo_text, parse
from handlers.teams import DSL_TARGET
from tests.handlers.teams.fake_connector import FakeConnector
from tests.handlers.teams.harness import NARRATIVE, OTHER_TEAM, PEOPLE, TEAM, Harness, raise_concern, start
from tests.helpers import FrozenClock


async def test_a_channel_mention_moves_to_personal_chat(teams: Harness) -> None:
    mention = teams.channel("teacher", text=f"<at>Prevent bot</at> {NARRATIVE}",
                           entities=[{"type": "mention", "text": "<at>Prevent bot</at>",
                                      "mentioned": {"id": "28:prevent-bot", "name": "Prevent bot"}}])
    mention["conversation"]["id"] = OTHER_TEAM
    assert await teams.post(mention) == 200
    in_channel = teams.fake.sent_to(OTHER_TEAM)
    assert len(in_channel) == 1 and "personal chat" in in_channel[0].text
    greeting = teams.to_person("teacher")
    assert greeting and "Hello Terry Teacher" in greeting[-1].text
    assert NARRATIVE not in "".join(c.text for c in teams.fake.sent()), "nothing said in a channel is taken"


async def test_an_urgent_alert_mentions_the_dsl_team(teams: Harness) -> None:
    await teams.say("teacher", "Raise a concern")
    sent = await teams.tap("teacher", "yes")
    assert any("Call 999 now" in c.text for c in sent)
    sent = await teams.tap("teacher", "child")  # who it is about: the alert goes now, to the DSL team
    assert any("urgent alert to the DSL team" in c.text for c in sent)
    await teams.drain()
    urgent = teams.fake.sent_to(TEAM)[-1]
    mentioned = {e["mentioned"]["id"] for e in urgent.body.get("entities") or [] if e["type"] == "mention"}
    assert mentioned == {PEOPLE["alex"][0], PEOPLE["sam"][0]}
    for entity in urgent.body["entities"]:
        assert entity["text"] in urgent.body["text"]
    assert "URGENT" in urgent.text
    for who in ("alex", "sam"):
        assert any("URGENT" in c.text for c in teams.to_person(who)), "each DSL member is also told directly"


async def test_the_dsl_channel_is_not_bound_while_someone_outside_the_dsl_team_is_in_it(teams: Harness) -> None:
    assert await teams.platform.store.reference(DSL_TARGET) is not None
    teams.fake.teams[TEAM]["members"].append(PEOPLE["olly"][0])
    joined = teams.install()
    joined["membersAdded"] = [{"id": PEOPLE["olly"][0]}]
    assert await teams.post(joined) == 200
    assert await teams.platform.store.reference(DSL_TARGET) is None
    problems = await teams.platform.readiness()
    assert any("not in the school file's DSL team" in p for p in problems)
    teams.fake.teams[TEAM]["members"].remove(PEOPLE["olly"][0])
    left = teams.install()
    left["membersAdded"], left["membersRemoved"] = [], [{"id": PEOPLE["olly"][0]}]
    assert await teams.post(left) == 200
    assert await teams.platform.store.reference(DSL_TARGET) is not None


async def test_a_team_that_is_not_the_dsl_team_never_gets_alerts(teams: Harness) -> None:
    removed = teams.install()
    removed["membersAdded"], removed["membersRemoved"] = [], [{"id": "28:prevent-bot"}]
    assert await teams.post(removed) == 200
    assert await teams.platform.store.reference(DSL_TARGET) is None
    assert await teams.post(teams.install(team=OTHER_TEAM, name="Staff room")) == 200
    assert await teams.platform.store.reference(DSL_TARGET) is None
    assert any("removed from the DSL team" in p for p in await teams.platform.readiness())


async def test_the_dsl_channel_can_be_a_named_standard_channel(
        tmp_path: Path, clock: FrozenClock, fake: FakeConnector) -> None:
    school = parse(demo_text().replace('platform = "console"', 'platform = "teams"')
                   .replace('dsl_channel_name = "General"', 'dsl_channel_name = "Concerns"'), "demo")
    fake.teams[TEAM]["channels"] = [{"id": TEAM}, {"id": "19:concerns@thread.tacv2", "name": "Concerns"}]
    async for teams in start(tmp_path, clock, fake, school=school):
        assert await teams.post(teams.install()) == 200
        reference = await teams.platform.store.reference(DSL_TARGET)
        conversation = reference["conversation"] if reference else None
        assert isinstance(conversation, dict) and conversation["id"] == "19:concerns@thread.tacv2"
        await raise_concern(teams)
        await teams.drain()
        assert len(teams.fake.sent_to("19:concerns@thread.tacv2")) == 1
        assert teams.fake.sent_to(TEAM) == []


async def test_a_team_event_without_the_team_name_asks_teams_for_it(teams: Harness) -> None:
    removed = teams.install()
    removed["membersAdded"], removed["membersRemoved"] = [], [{"id": "28:prevent-bot"}]
    assert await teams.post(removed) == 200
    assert await teams.platform.store.reference(DSL_TARGET) is None
    nameless = teams.install()
    nameless["channelData"]["team"] = {"id": TEAM}
    assert await teams.post(nameless) == 200
    assert await teams.platform.store.reference(DSL_TARGET) is not None
    assert any(c.path == f"/v3/teams/{TEAM}" for c in teams.fake.calls)


async def test_an_installation_update_binds_the_dsl_channel_and_removal_unbinds_it(teams: Harness) -> None:
    for action, bound in (("remove", False), ("add", True)):
        update = teams.install()
        del update["membersAdded"]
        update.update(type="installationUpdate", action=action)
        assert await teams.post(update) == 200
        assert (await teams.platform.store.reference(DSL_TARGET) is not None) is bound
