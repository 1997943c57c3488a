"""A concern being told: its saved draft, who it is about, and the small steps every question shares."""

from __future__ import annotations

from typing import Literal

from dialogs.engine import Next, Outcome, Retry, Turn
from dialogs.intents import normalise
from dialogs.messages import Choice, Reply
from dialogs.ports import ConcernDraft, Contacts

MAX_ANSWER = 20_000
PREVENT_CATEGORY = "radicalisation"
NOT_SURE = "not_sure"  # "Not sure — the DSL will decide": always offered
FGM_CATEGORY = "fgm"
# UKCIS (2024): never view, copy, forward or save an image; the same care for terrorist material.
IMAGE_WARNING_CATEGORIES = ("sexual_abuse", "online_safety", "exploitation", "child_on_child", PREVENT_CATEGORY)
CHILD_ABOUT = ("child", "children", "learner")
ADULT_ABOUT = ("adult", "head", "dsl")
ADULT_KINDS = ("allegation", "low_level", "extremism")
DSL_MEMBER = "dsl_member:"  # an "about" choice naming one member of the DSL team, by their place in the list
Step = Literal["danger", "about", "adult_kind", "adult_route", "adult_name", "pupil", "pupils", "pupil_check",
               "year_group",
               "seen_heard", "seen_more", "child_words", "category", "indicators", "when", "place",
               "actions_taken", "others_aware", "present", "child_told", "review"]  # the diagram's states
CHILD_EDITABLE: tuple[Step, ...] = ("about", "seen_heard", "child_words", "category", "when", "place",
                                    "actions_taken", "others_aware", "present", "child_told")
ADULT_EDITABLE: tuple[Step, ...] = ("about", "seen_heard", "when", "place", "present")
_ABOUT_NEXT: dict[str, Step] = {"child": "pupil", "children": "pupils", "learner": "pupil"}
CHILD_TOLD = ("yes", "no", "not_applicable")



_DONE_WORDS = {"no", "nope", "nah", "done", "thats all", "that is all", "thats it", "nothing else", "no thats all",
               "nothing more", "no more", "finished", "thats everything", "no nothing else", "all done"}


def draft_in(data: dict[str, object]) -> ConcernDraft:
    """Returns the concern being told, from a raise_concern session's data."""
    saved = data.get("draft")
    return ConcernDraft.from_json(saved) if isinstance(saved, dict) else ConcernDraft()


def draft_of(turn: Turn) -> ConcernDraft:
    """Returns the concern being told, from the session data."""
    return draft_in(turn.data)


def keep(turn: Turn, draft: ConcernDraft) -> None:
    """Writes the draft back into the session data."""
    turn.data["draft"] = draft.to_json()


def then(turn: Turn, state: Step, *before: Reply) -> Outcome[Step]:
    """Goes to the next question, or back to the review when an answer was being changed."""
    if turn.data.pop("_editing", False):
        return Next("review", *before)
    return Next(state, *before)


def choices_of(turn: Turn, *ids: str, prefix: str = "common") -> tuple[Choice, ...]:
    return tuple(Choice(i, turn.t(f"{prefix}.{i}")) for i in ids)


def yes_no_choices(turn: Turn) -> tuple[Choice, ...]:
    return choices_of(turn, "yes", "no")


def answer_text(turn: Turn) -> str | Retry:
    """Returns the text answer, or a kind Retry if it is empty (a too-long one is handled by the caller)."""
    text = turn.text
    if turn.choice is not None or not text:
        return Retry(Reply(turn.t("raise.empty")))
    return text


def person_word(turn: Turn, draft: ConcernDraft) -> str:
    """How the questions name who it is about: the child, the children, the learner (never "child" for 18+)."""
    return turn.t(f"raise.person.{draft.about if draft.about in CHILD_ABOUT else 'child'}")


def contacts_now(turn: Turn) -> Contacts:
    return turn.services.directory.contacts(turn.now)


_DONE_START = ("nope thats", "no thats", "nah thats", "thats all", "thats it", "thats everything", "nothing else",
               "nothing more", "no nothing", "thats about it", "i think thats", "no more", "that is all", "no that is")


def is_done(text: str) -> bool:
    """True when a short message says there is nothing to add ("that's all i saw", "nope that's everything")."""
    said = normalise(text)
    return said in _DONE_WORDS or (len(said.split()) <= 7 and said.startswith(_DONE_START))
