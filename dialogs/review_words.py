"""The review's answers in people's words: "ok send it", "change the name", "add to what he said"."""

from __future__ import annotations

from dialogs.intents import normalise

# What people call each answer, whole words after normalise; the longest phrase found wins.
FIELD_WORDS: dict[str, tuple[str, ...]] = {
    "names": ("name", "names", "surname", "surnames", "first name", "spelling", "spelt", "spelled", "his name",
              "her name", "their names", "childs name", "pupils name", "pupil", "pupils", "the child", "the kid"),
    "year_group": ("year", "year group", "class", "form", "form group", "tutor group"),
    "about": ("who its about", "who it is about", "who the concern is about", "about"),
    "seen_heard": ("what happened", "what i saw", "what i heard", "what i seen", "seen", "heard", "saw", "account",
                   "my account", "story", "description", "details", "seen or heard"),
    "child_words": ("what he said", "what she said", "what they said", "what the child said", "his words",
                    "her words", "their words", "childs words", "words", "quote", "what was said"),
    "category": ("kind", "type", "category", "categories", "kind of concern", "sort of concern", "label",
                 "radicalisation", "extremism", "neglect", "abuse", "self harm", "exploitation", "bullying",
                 "online safety", "mental health", "domestic abuse"),
    "when": ("time", "date", "when", "day", "timing", "what time"),
    "place": ("place", "where", "location", "room", "where it happened", "hall", "canteen", "corridor", "classroom",
              "playground", "field", "toilets", "library", "bus"),
    "actions_taken": ("what ive done", "what i did", "what i have done", "what has been done", "done already",
                      "action", "actions", "what was done"),
    "others_aware": ("who else knows", "who knows", "else knows", "others aware", "who else"),
    "present": ("who was there", "present", "witness", "witnesses", "who was present", "was there"),
    "child_told": ("told it will be shared", "whether they were told", "told them", "shared", "sharing"),
}
_ADDING = ("add to", "add more to", "add something to", "more to add to", "add")
_SUBMIT_WORDS = ("send", "submit", "sent")
_SUBMIT_WHOLE = ("ok", "okay", "yes", "yeah", "yep", "looks good", "all good", "thats right", "thats correct",
                 "correct", "fine", "go ahead", "perfect", "great", "its fine", "all correct", "good", "done",
                 "thats all", "all fine", "lgtm", "yes please", "ok thanks", "thanks")
_NEGATIONS = ("dont", "do not", "not", "no", "never", "wait", "hold on", "hang on")


def _has(said: str, phrase: str) -> bool:
    return f" {phrase} " in f" {said} "


def _field(said: str, fields: tuple[str, ...]) -> str | None:
    """The answer named in the words, among those that may be changed (the longest phrase first)."""
    named = sorted(((p, f) for f, phrases in FIELD_WORDS.items() if f in fields for p in phrases),
                   key=lambda pair: -len(pair[0]))
    return next((f for p, f in named if _has(said, p)), None)


def review_answer(text: str, fields: tuple[str, ...]) -> str | None:
    """Returns "submit", "edit:FIELD" or "add:FIELD" from what someone typed at the review, or None."""
    said = normalise(text).replace("?", " ").strip()
    if not said or len(said.split()) > 15:
        return None
    field = _field(said, fields)
    if field is not None:
        adds = field in ("seen_heard", "child_words") and any(said.startswith(a + " ") for a in _ADDING)
        return f"add:{field}" if adds else f"edit:{field}"
    if any(_has(said, n) for n in _NEGATIONS):
        return None
    if any(_has(said, w) for w in _SUBMIT_WORDS) or said in _SUBMIT_WHOLE:
        return "submit"
    first, *rest = said.split()
    if first in ("yes", "yeah", "yep", "ok", "okay") and " ".join(rest) in (*_SUBMIT_WHOLE, "thats all correct",
                                                                            "its all correct", "all looks good"):
        return "submit"  # "yes thats all correct"
    return None
