"""Understands free text well enough that nobody needs exact commands, typos included."""

from __future__ import annotations

import difflib
import re

from rapidfuzz.distance import OSA

# Whole-message commands that work inside any dialog. Matched against the whole message only,
# so "he said cancel the trip" inside a narrative is never taken as "cancel".
_COMMANDS: dict[str, tuple[str, ...]] = {
    "cancel": ("cancel", "stop", "quit", "abort", "cancel this", "cancel it", "never mind"),
    "back": ("back", "go back", "previous", "undo"),
    "restart": ("start again", "start over", "restart", "begin again"),
    "help": ("help", "help me", "?", "what do i do", "i need help"),
    "who": ("who do i talk to", "who should i tell", "who is the dsl", "who do i tell"),
}

# Keywords that point to what someone wants when no dialog is running, with a weight each.
_INTENT_WORDS: dict[str, dict[str, float]] = {
    "raise_concern": {"worried": 2, "worry": 2, "concern": 2, "concerned": 2, "report": 2,
                      "raise": 2, "disclosure": 3, "disclosed": 3, "pupil": 1, "child": 1,
                      "student": 1, "radicalised": 3, "radicalisation": 3, "extremist": 3,
                      "extremism": 3, "safeguarding": 1, "said": 1, "incident": 2},
    "who": {"who": 3, "tell": 1, "talk": 2, "contact": 2, "dsl": 2, "lead": 1, "deputy": 2,
            "number": 2, "phone": 2, "duty": 1, "call": 1},
    "help": {"help": 3, "what": 1, "prevent": 1, "channel": 1, "signs": 2, "values": 2,
             "training": 1, "explain": 2, "information": 1, "guidance": 2},
    "mine": {"my": 2, "status": 3, "mine": 3, "reported": 1, "concerns": 1},
    "dsl_open": {"open": 3, "alerts": 3, "triage": 3, "outstanding": 3, "queue": 3},
    "my_training": {"training": 3, "wrap": 3, "course": 2, "certificate": 1, "elearning": 3},
    "training_done": {"done": 4, "completed": 4, "finished": 4, "passed": 3, "certificate": 2, "training": 1},
}
_VOCAB = sorted({w for words in _INTENT_WORDS.values() for w in words})


def typo_distance(a: str, b: str) -> int:
    """Edit distance counting a swap of two neighbouring letters as one edit (so "hlep" ~ "help")."""
    return int(OSA.distance(a, b))  # optimal string alignment: restricted Damerau-Levenshtein


def allowance(known: str) -> int:
    """How many typos a word or phrase may carry and still be recognised (fewer for short ones)."""
    return 0 if len(known) <= 2 else 1 if len(known) <= 5 else 2


def similar(said: str, known: str) -> bool:
    """True when `said` is `known` with a typo or two (fewer allowed for short words)."""
    allowed = allowance(known)
    # Each edit changes the length by at most one, so a bigger difference needs no distance.
    return abs(len(said) - len(known)) <= allowed and typo_distance(said, known) <= allowed


def _closest(word: str, vocabulary: list[str]) -> str | None:
    """Returns the vocabulary word this word most likely is, or None."""
    if word in vocabulary:
        return word
    candidates = [v for v in vocabulary if similar(word, v)]
    return min(candidates, key=lambda v: typo_distance(word, v)) if candidates else None


def normalise(text: str) -> str:
    """Lower-cases and strips punctuation so matching is forgiving."""
    return " ".join(re.sub(r"[^a-z0-9?' ]+", " ", text.lower()).replace("'", "").split())


def command(text: str) -> str | None:
    """Returns the command a whole short message means (cancel, back, restart, help, who)."""
    if len(text) > 60:  # commands are short; long answers (a narrative) never are one
        return None
    said = normalise(text).rstrip("?").strip() or normalise(text)
    if not said or len(said.split()) > 6:
        return None
    best, best_distance = None, 99
    for name, phrases in _COMMANDS.items():
        for phrase in phrases:
            if abs(len(said) - len(phrase)) > allowance(phrase):
                continue
            distance = typo_distance(said, phrase)
            if distance <= allowance(phrase) and distance < best_distance:
                best, best_distance = name, distance
    return best


def intent(text: str) -> str | None:
    """Returns the dialog someone most likely wants from free text, or None."""
    said = normalise(text)
    if not said:
        return None
    whole = command(said)
    if whole in ("who", "help"):
        return whole
    scores: dict[str, float] = {}
    for word in said.replace("?", " ").split():
        match = _closest(word, _VOCAB) if len(word) > 3 else (word if word in _VOCAB else None)
        if match is None:
            continue
        for name, words in _INTENT_WORDS.items():
            scores[name] = scores.get(name, 0) + words.get(match, 0)
    if not scores:
        return None
    name, score = max(scores.items(), key=lambda item: item[1])
    return name if score >= 2 else None


def pick(text: str, options: list[tuple[str, str]], cutoff: float = 0.6) -> str | None:
    """Matches typed text to one of (id, label) options by number, id or fuzzy label."""
    said = normalise(text)
    if said.isdigit() and len(said) <= 3 and 1 <= int(said) <= len(options):  # int() refuses 4,300 digits and more
        return options[int(said) - 1][0]
    for option_id, label in options:
        if said in (option_id.lower(), normalise(label)):
            return option_id
    labels = {normalise(label): option_id for option_id, label in options}
    close = difflib.get_close_matches(said, list(labels), n=1, cutoff=cutoff)
    if close:
        return labels[close[0]]
    starts = [option_id for option_id, label in options if normalise(label).startswith(said) and said]
    return starts[0] if len(starts) == 1 else None


YES = ("yes", "y", "yeah", "yep", "yes they are", "yes someone is")
NO = ("no", "n", "nope", "no one", "nobody", "not that i know")


def yes_no(text: str) -> bool | None:
    """Reads yes or no from free text, forgiving typos."""
    said = normalise(text)
    if said in YES or _closest(said, list(YES)):
        return True
    if said in NO or _closest(said, list(NO)):
        return False
    return None
