"""The neutral DSL alert: what the DSL team needs to act, never the narrative."""

from __future__ import annotations

import re
from collections.abc import Callable

from dialogs.intents import similar
from dialogs.messages import Choice, Reply
from dialogs.ports import ConcernSummary

Words = Callable[..., str]
ACTIONS = ("view", "ack", "note", "action", "close")
_ID = re.compile(r"[1-9][0-9]{0,18}")  # as alert_choices writes it: ASCII digits, no sign, no leading zero
INT64_MAX = 2**63 - 1  # the largest id SQLite and PostgreSQL store


def parse_concern_id(text: str) -> int | None:
    """Returns the concern id in a DSL button's value, or None unless it is one exactly as the bot writes it."""
    if _ID.fullmatch(text) is None:  # str.isdigit() would let "²" and "٣" through
        return None
    value = int(text)
    return value if value <= INT64_MAX else None


def alert_choices(words: Words, summary: ConcernSummary) -> tuple[Choice, ...]:
    """Returns the alert's five DSL buttons, always in the same order with the same ids: a step done is marked."""
    done = {"ack": summary.status != "new", "close": summary.status == "closed"}
    return tuple(Choice(f"dsl:{verb}:{summary.concern_id}",
                        words(f"dsl.button.{verb}_done" if done.get(verb) else f"dsl.button.{verb}"))
                 for verb in ACTIONS)


# Typed actions: what a hurried DSL types in place of pressing a button, matched on the whole message.
_TYPED: dict[str, tuple[str, ...]] = {
    "ack": ("ack", "acknowledge", "acknowledged", "acknowledging", "ackd", "acked", "ack it", "got it",
            "on it", "im on it", "ill take it", "ill take this", "ive got it", "ive got this", "picked up",
            "pick it up", "picking it up", "seen", "seen it", "received", "mark as acknowledged",
            "mark acknowledged", "accept", "accepted", "taking it", "ill deal with it", "got this", "yep got this",
            "yes got this", "mine", "ill have it", "dealing with it", "ill look at it", "leave it with me"),
    "view": ("view", "view details", "details", "show details", "see details", "show", "show me",
             "read", "read it", "more details", "more info", "full details", "what happened",
             "whats it about", "what is it", "view concern", "see it", "look", "have a look", "view it",
             "let me see", "let me see it", "see what was reported", "what was reported", "open", "open it",
             "see the details", "whats been reported"),
    "note": ("note", "add note", "add a note", "notes", "make a note", "write a note", "add notes", "note it",
             "add to chronology", "add a comment", "comment", "log a note"),
    "action": ("action", "record action", "record an action", "add action", "add an action", "record a referral",
               "referral", "refer", "make a referral", "log an action", "log action", "record referral",
               "actions", "record action or referral", "refer it", "referred", "referring", "referring to channel",
               "referring to prevent", "referring to social care", "referred to channel", "referred to prevent"),
    "close": ("close", "close it", "close this", "close concern", "close the concern", "closed", "shut it",
              "close off", "close it off", "resolve", "close case", "close the case"),
}
_FILLER = frozenset(("please", "pls", "plz", "it", "this", "that", "the", "concern", "alert", "one", "can", "you",
                     "ok", "okay", "just", "now", "thanks", "thank", "ta", "cheers", "for", "me", "i", "will",
                     "to", "on", "c", "new", "latest", "last", "yes", "yeah", "right", "so"))
_OUTCOME_WORDS = {"nfa": ("nfa", "no further action", "no action", "nothing further", "no further"),
                  "resolved": ("resolved", "sorted", "dealt with"),
                  "monitor": ("monitor", "monitoring", "keep an eye")}
_REFERENCE = re.compile(r"\bc\s*-?\s*(\d{4})\s*-?\s*(\d{1,6})\b", re.IGNORECASE)
_WITH = re.compile(r"\b(with|as|and|outcome|because)\b")


def typed_action(text: str) -> dict[str, str] | None:
    """Returns what a typed DSL action asks for (verb, and a reference or outcome if named), or None."""
    if len(text) > 80:
        return None
    params: dict[str, str] = {"typed": "1"}
    reference = _REFERENCE.search(text)
    if reference:
        params["reference"] = f"C-{reference.group(1)}-{int(reference.group(2)):04d}"
        text = text[:reference.start()] + " " + text[reference.end():]
    said = " ".join(re.sub(r"[^a-z0-9 ]+", " ", text.lower().replace("'", "").replace("’", "")).split())
    whole = said
    for outcome, phrases in _OUTCOME_WORDS.items():
        if any(re.search(rf"\b{p}\b", said) for p in phrases):
            params["outcome"] = outcome
            said = _WITH.split(said)[0] if _WITH.search(said) else said.split(" ")[0]
            break
    core = " ".join(w for w in said.split() if w not in _FILLER) or said
    if not core or len(core.split()) > 5:
        return None
    for verb, phrases in _TYPED.items():
        if any(said == p or core == p or (len(p) > 3 and similar(core, p)) for p in phrases):
            if "outcome" in params and verb != "close":
                return None
            return {**params, "verb": verb}
    if "outcome" in params and whole in _OUTCOME_WORDS[params["outcome"]]:
        return {**params, "verb": "close"}
    return None


def alert_facts(words: Words, summary: ConcernSummary, category_label: str) -> tuple[tuple[str, str], ...]:
    """Returns the alert's label/value pairs (about an adult: that, in place of the kind and the class)."""
    if summary.audience != "dsl_team":
        what: tuple[tuple[str, str], ...] = ((words("fact.about"), words("dsl.alert.about_adult")),)
    else:
        what = ((words("fact.category"), category_label or words("dsl.not_yet_told")),
                (words("fact.year_group"), summary.year_group or words("dsl.not_yet_told")))
    return (
        (words("fact.reference"), summary.reference),
        (words("fact.urgency"), words("dsl.urgency.immediate") if summary.urgent else words("dsl.urgency.standard")),
        *what,
        (words("fact.reporter"), summary.reporter),
        (words("fact.raised_at"), summary.raised_at.strftime("%a %d %b %Y %H:%M")),
        (words("fact.status"), words(f"status.{summary.status}")),
    )


def alert_reply(words: Words, summary: ConcernSummary, category_label: str, holder: str = "",
                demo: bool = False) -> Reply:
    """Returns a concern's alert: the DSL channel's, or, about an adult, one that says who holds it."""
    if summary.audience != "dsl_team":
        key = "dsl.alert.adult_urgent" if summary.urgent else "dsl.alert.adult"
    else:
        key = "dsl.alert.urgent" if summary.urgent else "dsl.alert.new"
    text = words(key, reference=summary.reference, holder=holder)
    if demo:
        text = words("dsl.alert.demo") + "\n" + text
    return Reply(
        text,
        alert_choices(words, summary),
        expects="choice",
        facts=alert_facts(words, summary, category_label),
        urgent=summary.urgent,
    )
