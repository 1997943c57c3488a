"""A school in Wales (jurisdiction = "wales"): the DSP, Keeping learners safe, the council safeguarding team."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import pytest

from bot.app import App, build
from bot.config import demo_text, parse
from dialogs.messages import Reply
from tests.helpers import TEACHER_EMAIL, Conversation, FrozenClock, make_settings, tell_up_to_review

# The demo school's people, as a school in Wales would name them in its own school file.
WELSH_SCHOOL = (demo_text().replace('"Deputy DSL"', '"Deputy DSP"').replace('"Designated Safeguarding Lead"',
                '"Designated Safeguarding Person"').replace('name = "Example Council LADO"',
                'name = "Example Council safeguarding team"').replace('role = "LADO"', 'role = "Safeguarding team"')
                .replace('dsl_team_name = "DSL team"', 'dsl_team_name = "DSP team"'))
ENGLAND_ONLY = re.compile(r"\bDSLs?\b|\bLADO\b|KCSIE|Keeping children safe|UKCIS")


@pytest.fixture
async def wales(sqlite_url: str, clock: FrozenClock) -> AsyncIterator[App]:
    """The demo school, in Wales."""
    config = parse('jurisdiction = "wales"\n' + WELSH_SCHOOL, "demo in Wales")
    built = await build(make_settings(sqlite_url), config=config, clock=clock)
    yield built
    await built.close()


def english_words(text: str) -> list[str]:
    return ENGLAND_ONLY.findall(text)


@dataclass
class Heard(Conversation):
    """A conversation that keeps every reply it was given: text, facts and choice labels."""

    said: list[str] = field(default_factory=list)

    def _keep(self, replies: list[Reply]) -> list[Reply]:
        self.said += [self.everything, *(c.label for r in replies for c in r.choices)]
        return replies

    async def say(self, text: str) -> list[Reply]:
        return self._keep(await super().say(text))

    async def tap(self, choice: str, token: str | None = "current") -> list[Reply]:
        return self._keep(await super().tap(choice, token))

    @property
    def heard(self) -> str:
        return "\n".join(self.said)


async def start(app: App) -> Heard:
    convo = Heard(app.engine, TEACHER_EMAIL)
    await convo.greet()
    await convo.tap("go:raise_concern")
    return convo


async def test_raising_a_concern_in_wales_uses_the_welsh_words_throughout(wales: App) -> None:
    convo = await start(wales)
    await tell_up_to_review(convo, "child_on_child")  # with the images warning, which cites the nudes guidance
    await convo.tap("submit")
    said = convo.heard
    assert english_words(said) == []
    assert "sent privately to the DSP team" in said
    assert "Welsh Government guidance, Sharing nudes and semi-nudes" in said


async def test_an_allegation_with_a_conflict_of_interest_goes_to_the_local_authority_safeguarding_team(
        wales: App) -> None:
    convo = await start(wales)
    await convo.tap("no")
    await convo.tap("adult")
    assert "Keeping learners safe; the Wales Safeguarding Procedures" in convo.text
    await convo.tap("allegation")
    assert "I will go to the local authority's safeguarding team directly" in convo.heard
    await convo.tap("lado")
    assert "the local authority's safeguarding team" in convo.heard
    assert english_words(convo.heard) == []


async def test_who_do_i_talk_to_in_wales(wales: App) -> None:
    convo = Heard(wales.engine, TEACHER_EMAIL)
    await convo.tap("go:who", token=None)
    facts = dict(convo.replies[0].facts)
    assert "Alex Example" in facts["DSP on duty today"] and "Sam Sample" in facts["Deputy DSPs"]
    assert "Example Council safeguarding team" in facts["Local authority safeguarding team"]
    assert english_words(convo.heard) == []


async def test_the_dsl_action_list_and_help_follow_the_jurisdiction(wales: App) -> None:
    assert wales.words("dsl.action_type.lado") == "local authority's safeguarding team consulted"
    assert "the DSP" in wales.words("help.topic.disclosure")
    assert "Wales Safeguarding Procedures" in wales.words("who.ooh_anyone")
