"""A concern as label/value pairs in the dialogs' wording: the review, the DSL's view, the written record."""

from __future__ import annotations

from collections.abc import Callable

from dialogs.concern_draft import ADULT_ABOUT, CHILD_ABOUT
from dialogs.ports import ConcernDraft


def as_typed(occurred_at: str) -> str:
    """When it happened, as stored: the school's local time the reporter gave ("2026-11-24 14:30")."""
    return occurred_at.replace("T", " ")[:16]


def when_fact(t: Callable[..., str], draft: ConcernDraft, when: Callable[[str], str] = as_typed) -> str:
    """When it happened as the record shows it: the exact time given, else the reporter's words, else not known."""
    if draft.occurred_at:
        return when(draft.occurred_at)
    return draft.when_text or (t("fact.not_known") if draft.about else "")


def _about_fact(t: Callable[..., str], draft: ConcernDraft) -> str:
    if draft.about == "dsl":
        return t("raise.about.dsl_fact")
    if draft.about == "head":
        return t("raise.about.head_fact")
    return t(f"raise.about.{draft.about}") if draft.about in (*CHILD_ABOUT, "adult") else draft.about


def draft_facts(t: Callable[..., str], categories: dict[str, str], draft: ConcernDraft,
                when: Callable[[str], str] = as_typed) -> tuple[tuple[str, str], ...]:
    """Returns a concern as label/value pairs in the dialogs' wording (the review, the DSL's view, the CLI)."""
    facts = [(t("fact.urgent"), t("common.yes") if draft.urgent else t("common.no")),
             (t("fact.about"), _about_fact(t, draft))]
    if draft.about in ADULT_ABOUT:
        facts.append((t("fact.adult_kind"), t(f"raise.adult_kind.{draft.adult_kind}") if draft.adult_kind else ""))
        if draft.adult_route == "lado":
            facts.append((t("fact.adult_route"), t("raise.adult_route.lado")))
        if draft.adult_name:
            facts.append((t("fact.adult_name"), draft.adult_name))
    else:
        facts += [(t("fact.pupils"), draft.pupils), (t("fact.year_group"), draft.year_group)]
    facts.append((t("fact.seen_heard"), draft.seen_heard))
    if draft.about not in ADULT_ABOUT:
        kinds = ", ".join(categories.get(c, c) for c in draft.category.split(",") if c)
        words_label = t("fact.learner_words") if draft.about == "learner" else t("fact.child_words")
        facts += [(words_label, draft.child_words), (t("fact.category"), kinds)]
        if draft.indicators:
            facts.append((t("fact.indicators"), draft.indicators))
    facts += [(t("fact.when"), when_fact(t, draft, when)), (t("fact.place"), draft.place)]
    if draft.about not in ADULT_ABOUT:
        facts += [(t("fact.actions_taken"), draft.actions_taken), (t("fact.others_aware"), draft.others_aware)]
    facts.append((t("fact.present"), draft.present))
    if draft.about not in ADULT_ABOUT:
        told = t(f"raise.child_told.{draft.child_told}", person=t("raise.person.child")) if draft.child_told else ""
        facts.append((t("fact.child_told"), told))
    if draft.source_link:
        facts.append((t("fact.source_link"), draft.source_link))
    return tuple(facts)
