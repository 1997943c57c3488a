"""What kind of concern: one or more, or "not sure"; the warnings each kind needs; the optional Prevent indicators."""

from __future__ import annotations

import re

from dialogs.concern_draft import (
    FGM_CATEGORY,
    IMAGE_WARNING_CATEGORIES,
    MAX_ANSWER,
    NOT_SURE,
    PREVENT_CATEGORY,
    Step,
    answer_text,
    draft_of,
    is_done,
    keep,
    then,
)
from dialogs.engine import Next, Outcome, Retry, Turn
from dialogs.intents import non_answer, normalise, pick, yes_no
from dialogs.kind_words import kinds_in
from dialogs.messages import Choice, Reply
from dialogs.ports import ConcernDraft


def category_options(turn: Turn) -> list[tuple[str, str]]:
    return [*turn.services.directory.categories(), (NOT_SURE, turn.t("raise.category.not_sure"))]


def _chosen(draft: ConcernDraft) -> list[str]:
    return [c for c in draft.category.split(",") if c]


PROPOSED = "proposed"  # the choice that confirms the kinds the bot read from everyday words
_NOT_SURE_WORDS = frozenset({"not sure", "unsure", "dont know", "do not know", "no idea", "idk", "dunno",
                             "im not sure", "i dont know", "not really sure", "no clue", "the dsl can decide"})


def _labels(turn: Turn, kinds: list[str]) -> str:
    labels = dict(category_options(turn))
    return ", ".join(labels.get(c, c) for c in kinds)


def _proposal(turn: Turn) -> Reply:
    """Proposes the kinds read from everyday words: one tap confirms, or choose others, or "not sure"."""
    proposed = [c for c in str(turn.data["_proposed"]).split(",") if c]
    labels = _labels(turn, proposed)
    options = category_options(turn)
    return Reply(turn.t("raise.category.proposed", kinds=labels),
                 (Choice(PROPOSED, turn.t("raise.category.yes", kinds=labels)),
                  *(Choice(i, label) for i, label in options if i not in proposed)), expects="choice")


async def ask_category(turn: Turn) -> Reply:
    if turn.data.get("_proposed"):
        return _proposal(turn)
    draft = draft_of(turn)
    chosen = _chosen(draft) if turn.data.get("_adding") else []
    options = [(i, label) for i, label in category_options(turn) if i not in chosen]
    if chosen:
        labels = dict(category_options(turn))
        text = turn.t("raise.category.more", chosen=", ".join(labels.get(c, c) for c in chosen))
        return Reply(text, (Choice("done", turn.t("raise.category.done")),
                            *(Choice(i, label) for i, label in options if i != NOT_SURE)), expects="choice")
    return Reply(turn.t("raise.category.question"), tuple(Choice(i, label) for i, label in options),
                 expects="choice")


_BETWEEN = re.compile(r"\s*(?:[,;&/+]|\band\b|\balso\b)\s*", re.IGNORECASE)


def _typed_categories(text: str, options: list[tuple[str, str]]) -> list[str]:
    """Reads one or more categories from typed text: "2", "1, 4", "neglect and online safety"."""
    whole = pick(text, options)
    if whole:
        return [whole]
    parts = [normalise(p) for p in _BETWEEN.split(text)]
    found = [pick(part, options) for part in parts if part]
    return [f for f in found if f] if found and all(found) else []


def _confirmed(turn: Turn) -> list[str]:
    """The kinds proposed, when this answer confirms them (a tap, or "yes")."""
    proposed = [c for c in str(turn.data.pop("_proposed", "")).split(",") if c]
    if proposed and (turn.choice == PROPOSED or (turn.choice is None and yes_no(turn.text) is True)):
        return proposed
    return []


def _understood(turn: Turn, options: list[tuple[str, str]]) -> list[str] | Outcome[Step]:
    """The kinds picked or named; everyday words ("far right stuff", "bruises") are proposed first, to confirm."""
    if turn.choice:
        return [turn.choice]
    said = normalise(turn.text)
    if said in _NOT_SURE_WORDS or non_answer(turn.text) == "not_known":  # "not a clue", "no idea what it counts as"
        return [NOT_SURE]
    named = _typed_categories(turn.text, options)
    if named:
        return named
    read = kinds_in(said, [i for i, _ in options if i != NOT_SURE])
    if read:
        turn.data["_proposed"] = ",".join(read)
        return Next("category")  # asked again as the proposal
    return Retry(Reply(turn.t("raise.category.unclear")))


async def on_category(turn: Turn) -> Outcome[Step]:
    """Adds the kinds of concern chosen or confirmed; "not sure" or "that's all" moves on."""
    options = category_options(turn)
    draft = draft_of(turn)
    adding = bool(turn.data.get("_adding"))
    chosen = _chosen(draft) if adding else []
    confirmed = _confirmed(turn)
    if confirmed:
        draft.category = ",".join(dict.fromkeys([*chosen, *confirmed]))
        return _categories_done(turn, draft)
    if adding and (turn.choice == "done" or (turn.choice is None and is_done(turn.text))):
        return _categories_done(turn, draft)
    picked = _understood(turn, options)
    if not isinstance(picked, list):
        return picked
    valid = {i for i, _ in options}
    if not picked or not all(p in valid for p in picked):
        return Retry(Reply(turn.t("common.pick_one")))
    if NOT_SURE in picked and not chosen:
        draft.category = NOT_SURE
        return _categories_done(turn, draft)
    chosen = list(dict.fromkeys([*chosen, *(p for p in picked if p != NOT_SURE)]))
    draft.category = ",".join(chosen)
    keep(turn, draft)
    turn.data["_adding"] = True
    if len(picked) > 1 or len(chosen) >= len(options) - 1:
        return _categories_done(turn, draft)
    return Retry(Reply(turn.t("raise.category.added")))


def _categories_done(turn: Turn, draft: ConcernDraft) -> Outcome[Step]:
    """Gives the warnings the chosen kinds need, then the Prevent indicators (optional) or when."""
    turn.data.pop("_adding", None)
    chosen = _chosen(draft)
    if PREVENT_CATEGORY not in chosen:
        draft.indicators = ""
    keep(turn, draft)
    before = []
    if any(c in IMAGE_WARNING_CATEGORIES for c in chosen):
        before.append(Reply(turn.t("raise.images_warning")))
    if FGM_CATEGORY in chosen:
        before.append(Reply(turn.t("raise.fgm_duty"), urgent=True))
    if PREVENT_CATEGORY in chosen:
        editing = turn.data.pop("_editing", False)
        if editing:
            turn.data["_editing_after"] = True
        return Next("indicators", *before)
    return then(turn, "when", *before)


async def ask_indicators(turn: Turn) -> Reply:
    return Reply(turn.t("raise.indicators.question"),
                 (Choice("none", turn.t("raise.indicators.none")),), expects="text")


async def on_indicators(turn: Turn) -> Outcome[Step]:
    """Stores the Prevent indicators noticed (optional) and asks when it happened."""
    draft = draft_of(turn)
    if turn.choice == "none" or (turn.choice is None and is_done(turn.text)):
        draft.indicators = ""
    else:
        answer = answer_text(turn)
        if isinstance(answer, Retry):
            return answer
        draft.indicators = answer[:MAX_ANSWER]
    keep(turn, draft)
    if turn.data.pop("_editing_after", False):
        return Next("review")
    return then(turn, "when")
