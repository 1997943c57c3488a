"""The Prevent referral draft: every DfE heading, what it leaves out, its route, and earlier referrals by name."""

from __future__ import annotations

import pytest
import typer
from sqlmodel import select

from bot.app import App
from bot.cli.export import _referral
from bot.config import SchoolConfig, demo_text, parse
from bot.services.records import Sharing
from bot.services.referral import Draft, prevent_referral
from bot.services.wording import Words
from storage.models import Concern
from tests.helpers import DSL_EMAIL, Conversation, start, tell_up_to_review

SHARED = Sharing("cli:test", "Prevent referral")
WORDS = Words()


def config(**school: object) -> SchoolConfig:
    """The demo school, with school-file settings changed."""
    return parse(demo_text(), "demo").model_copy(update=school)


def record(reference: str = "C-2026-0001", **fields: object) -> dict[str, object]:
    """A concern as the export reads it: about Jamie Testpupil, Prevent, with the given fields."""
    base: dict[str, object] = {
        "reference": reference, "pupils": "Jamie Testpupil", "year_group": "Year 9", "about": "child",
        "audience": "dsl_team", "seen_heard": "Watches a group's videos", "child_words": "", "occurred_at": "",
        "when_text": "this morning", "place": "Library", "indicators": "", "category": "radicalisation",
        "category_label": "Radicalisation or extremism (Prevent)", "actions_taken": "", "child_told": "",
        "chronology": [], "outcome": None}
    return {**base, **fields}


def under(draft: str, heading: str) -> str:
    """The block of the draft under one heading."""
    return next(block for block in draft.split("\n\n") if block.startswith(heading))


def drafted(*records: dict[str, object], school: SchoolConfig | None = None, **options: object) -> str:
    draft = Draft(subject="Jamie Testpupil", **options)  # type: ignore[arg-type]
    return prevent_referral(list(records), school or config(), WORDS, draft)


def test_every_dfe_heading_is_there_with_a_gap_or_a_prompt() -> None:
    draft = drafted(record())
    for heading, prompt in [
        ("Support for school shooters, public massacres or the murder of public figures", "Not recorded"),
        ("Worrying phone, internet or social media use, and how the school found out", "How the school found out"),
        ("Contact with groups or individuals of concern: who, and how often", "and how often: complete"),
        ("Whether the parents or carers are supportive", "Not recorded"),
        ("Known or suspected special educational needs or disabilities (SEND)", "involve the SENCO"),
        ("Previous referrals and their outcomes", "ask whether there were earlier referrals"),
        ("Sympathetic interest in hate crime", "Not recorded"),
        ("What staff fear may happen if the child's needs are not met", "Not recorded"),
    ]:
        assert prompt in under(draft, heading), heading
    assert "An ideology is not required for a Prevent referral" in draft
    assert "no concern that the child may be drawn into terrorism, other local support" in draft


def test_online_use_the_indicators_name_fills_its_heading_and_none_is_never_an_indicator() -> None:
    online = record(indicators="Shares videos in a group chat on an encrypted app")
    unsure = record("C-2026-0002", indicators="None of these / not sure")
    draft = drafted(online, unsure)
    heading = under(draft, "Worrying phone, internet")
    assert "- C-2026-0001: Shares videos in a group chat" in heading and "Not recorded" not in heading
    assert "None of these" not in draft
    assert "C-2026-0002" not in under(draft, "Indicators")


def test_other_children_are_redacted_with_a_prompt() -> None:
    several = record(pupils="Jamie Testpupil, Riley Example",
                     seen_heard="Jamie and Riley watched it; Riley Example laughed",
                     child_words="Riley showed me", actions_taken="Told Riley's tutor",
                     indicators="Riley Example sends him videos")
    draft = drafted(several)
    assert "Riley" not in draft
    assert "Jamie and [another child] watched it; [another child] laughed" in draft
    assert "names 1 other child(ren)" in under(draft, "How and why")
    assert "Child: Jamie Testpupil (Year 9)" in draft


def test_notes_only_when_asked_for() -> None:
    chronology = [{"at": "2026-11-24T10:00:00", "kind": "note", "by": "Alex", "detail": "Mum is unsure about it"},
                  {"at": "2026-11-24T11:00:00", "kind": "action", "by": "Alex",
                   "detail": "Early help — family agreed"}]
    without = drafted(record(chronology=chronology))
    assert "Mum is unsure" not in without and "internal notes (1) are left out" in without
    assert "Action or referral: Early help — family agreed" in without
    assert "Note: Mum is unsure about it" in drafted(record(chronology=chronology), with_notes=True)


def test_the_route_is_both_at_once_for_a_child_by_default_and_a_setting() -> None:
    draft = drafted(record())
    assert ("police Prevent team and the children's services front door at the same time (a child under 18): "
            "Example Police Prevent team") in draft and "Example Council children's front door" in draft
    school = config()
    school.referral.route = "police_prevent"
    alone = drafted(record(), school=school)
    assert "Send it to the police Prevent team: Example Police Prevent team" in alone and "front door" not in alone
    learner = drafted(record(about="learner"))
    assert "Learner (18 or over): Jamie Testpupil" in learner and "their own consent" in learner
    assert "Child:" not in learner


async def dsl_decides(app: App, concern_id: int, action: str, outcome: str) -> None:
    """The DSL records an action with a reason, then closes the concern with an outcome."""
    dsl = Conversation(app.engine, DSL_EMAIL)
    await dsl.tap(f"dsl:action:{concern_id}", token=None)
    await dsl.tap(action)
    await dsl.say("Discussed with the police Prevent team")
    await dsl.tap(f"dsl:close:{concern_id}", token=None)
    await dsl.tap(outcome)
    await dsl.say("Police said no further Prevent action")


async def raise_about_jamie(app: App, category: str = "radicalisation") -> int:
    """A teacher raises a concern about Jamie Testpupil; returns its id."""
    convo = await start(app)
    await tell_up_to_review(convo, category)
    await convo.tap("submit")
    async with app.db.transaction() as session:
        return max(c.id or 0 for c in (await session.exec(select(Concern))).all())


async def test_previous_referrals_are_found_by_name_across_two_concerns(app: App) -> None:
    first = await raise_about_jamie(app)
    await dsl_decides(app, first, "police_prevent", "nfa")
    await raise_about_jamie(app, "neglect")
    draft = await _referral(app, ["C-2026-0002"], "", SHARED, False)
    previous = under(draft, "Previous referrals")
    assert ("- C-2026-0001: Prevent referral made (the police decide on Channel) (25 Nov 2026); "
            "outcome: No further action") in previous
    assert "check each one is about this child" in previous
    assert "From the school's records: C-2026-0002" in draft  # the earlier one is listed, not exported whole
    assert "Came in hungry" in draft


async def test_a_concern_about_an_adult_is_never_in_a_pupil_referral(app: App) -> None:
    await raise_about_jamie(app)
    second = await raise_about_jamie(app, "neglect")
    async with app.db.transaction() as session:  # as if the second concern had been about an adult
        adult = (await session.exec(select(Concern).where(Concern.id == second))).one()
        adult.audience = "headteacher"
        session.add(adult)
    draft = await _referral(app, ["C-2026-0001", "C-2026-0002"], "", SHARED, False)
    assert "C-2026-0002" not in draft and "From the school's records: C-2026-0001\n" in draft
    with pytest.raises(typer.Exit):
        await _referral(app, ["C-2026-0002"], "", SHARED, False)
