"""The DSL's actions and outcomes are content: today's guidance by default, and a school's own list when it has one."""

from __future__ import annotations

from pathlib import Path

from bot.app import App
from bot.services.wording import Words
from dialogs import dsl_lists
from tests.helpers import DSL_EMAIL, Conversation, raised


async def test_the_actions_follow_current_guidance(app: App) -> None:
    concern_id = await raised(app)
    dsl = Conversation(app.engine, DSL_EMAIL)
    await dsl.tap(f"dsl:action:{concern_id}", token=None)
    offered = {c.id: c.label for c in dsl.last.choices}
    assert offered["police_prevent"] == "Prevent referral made (the police decide on Channel)"
    assert offered["channel_panel"] == "Invited to a Channel panel"
    assert "channel" not in offered  # schools do not refer to Channel
    for action in ("LADO consulted", "Police (not Prevent) told or consulted", "Parents or carers told",
                   "Parents or carers not told (say why)", "Advice sought (who, and what they said)",
                   "National Referral Mechanism (modern slavery)", "Family Help", "Early help"):
        assert action in offered.values(), action
    assert list(offered).index("family_help") == list(offered).index("early_help") + 1  # beside early help
    await dsl.tap("parents_not_told")
    assert "Parents or carers not told (say why)" in dsl.text


def test_a_stored_id_no_longer_offered_still_reads() -> None:
    words = Words()
    assert "channel" not in dsl_lists.ids(words, dsl_lists.ACTION_TYPES)
    assert "police decide on Channel" in dsl_lists.label(words, dsl_lists.ACTION_TYPES, "channel")
    assert dsl_lists.label(words, dsl_lists.OUTCOMES, "channel") == "Supported through Channel"
    assert dsl_lists.label(words, dsl_lists.OUTCOMES, "made_up") == "made_up"


def test_a_school_replaces_the_list_with_its_own_and_old_ids_still_read(tmp_path: Path) -> None:
    ours = tmp_path / "ours.toml"
    ours.write_text('[dsl.action_type]\nsocial_care = "Referral to children\'s social care"\n'
                    'nfa = "No further action"\n')
    words = Words(ours)
    assert dsl_lists.ids(words, dsl_lists.ACTION_TYPES) == ("social_care", "nfa")
    assert dsl_lists.label(words, dsl_lists.ACTION_TYPES, "family_help") == "Family Help"
    assert len(dsl_lists.ids(words, dsl_lists.OUTCOMES)) > 2  # a list it does not give stays as it was
