"""The DSL team's buttons: view, acknowledge, add a note, record an action, close."""

from __future__ import annotations

import dataclasses
from typing import Literal

from dialogs import dsl_lists
from dialogs.alerts import ACTIONS, alert_choices, alert_reply, parse_concern_id
from dialogs.engine import Dialog, Done, Next, Outcome, Retry, Shown, State, Turn
from dialogs.intents import pick
from dialogs.messages import Choice, Reply
from dialogs.ports import ConcernClosed, ConcernDetails, ConcernSummary, NotPermitted, UnknownConcern
from dialogs.raise_concern import review_facts  # the details share the review's labels

ACTION_TYPES, OUTCOMES = dsl_lists.ACTION_TYPES, dsl_lists.OUTCOMES  # content tables: bot/content/en.toml
MAX_REASON = 20_000
Step = Literal["which", "note_text", "action_type", "action_reason", "close_outcome", "close_reason"]  # the .mmd
_FIRST: dict[str, Step] = {"note": "note_text", "action": "action_type", "close": "close_outcome"}  # by verb


def _concern_id(turn: Turn) -> int:
    """Returns the concern the dialog is about (0 for none: no concern has that id)."""
    value = turn.data.get("concern")
    return value if isinstance(value, int) else parse_concern_id(str(value)) or 0  # a string: saved before parsing


def _category_label(turn: Turn, category: str) -> str:
    """The labels of a concern's kinds (one or more, comma-separated ids)."""
    labels = {**dict(turn.services.directory.categories()), "not_sure": turn.t("raise.category.not_sure")}
    return ", ".join(labels.get(c, c) for c in category.split(",") if c)


def details_reply(turn: Turn, details: ConcernDetails) -> Reply:
    """Returns the whole concern and its chronology, for a DSL-team member."""
    chronology = "\n".join(f"{at:%d %b %H:%M} · {who} · {what}" for at, who, what in details.chronology)
    text = turn.t("dsl.details", reference=details.summary.reference,
                  status=turn.t(f"status.{details.summary.status}"), reporter=details.summary.reporter)
    written = ((turn.t("fact.written_at"), f"{details.summary.raised_at:%a %d %b %Y %H:%M}"),)
    return Reply(text + "\n" + chronology, facts=(*review_facts(turn, details.draft), *written))


async def setup(turn: Turn, params: dict[str, str]) -> Outcome[Step] | None:
    """Checks the person is on the DSL team, then carries out or starts the action (typed: on which concern)."""
    verb = params.get("verb", "")
    verb = verb if verb in ACTIONS else "unknown"  # a forged verb is refused (and audited) as "unknown"
    if params.get("typed") and turn.choice is None and verb != "unknown":
        return await _typed(turn, verb, params)
    concern_id = parse_concern_id(params.get("concern", "")) or 0
    return await _act(turn, verb, concern_id)


async def _typed(turn: Turn, verb: str, params: dict[str, str]) -> Outcome[Step]:
    """Finds the concern a typed action is about: the only one it fits, or asks which (newest first)."""
    try:
        concerns = await turn.services.desk.open_concerns(turn.person)
    except NotPermitted:
        return Done(Reply(turn.t("dsl.not_permitted")))
    named = params.get("reference")
    fits = [s for s in concerns if s.reference == named] if named else \
        [s for s in concerns if verb != "ack" or s.status == "new"]
    if params.get("outcome") in dsl_lists.ids(turn.services.words, OUTCOMES):
        turn.data["outcome"] = params["outcome"]
    if len(fits) == 1:
        return await _act(turn, verb, fits[0].concern_id)
    if not fits:
        return Done(Reply(turn.t("dsl.unknown" if named else "dsl.typed.none",
                                 action=turn.t(f"dsl.button.{verb}").lower())))
    turn.data["verb"] = verb
    turn.data["which"] = [[str(s.concern_id), _which_label(turn, s)] for s in fits]
    return Next("which")


def _which_label(turn: Turn, summary: ConcernSummary) -> str:
    """A concern as the 'which one?' question lists it: reference, kind, class and when it was raised."""
    return turn.t("dsl.typed.label", reference=summary.reference, status=turn.t(f"status.{summary.status}"),
                  category=_category_label(turn, summary.category) or turn.t("dsl.not_yet_told"),
                  year_group=summary.year_group or turn.t("dsl.not_yet_told"),
                  raised_at=f"{summary.raised_at:%a %d %b %H:%M}")


def _which_options(turn: Turn) -> list[tuple[str, str]]:
    listed = turn.data.get("which")
    return [(str(i), str(label)) for i, label in listed] if isinstance(listed, list) else []


async def ask_which(turn: Turn) -> Reply:
    options = _which_options(turn)
    return Reply(turn.t("dsl.typed.which", action=turn.t(f"dsl.button.{turn.data.get('verb')}").lower()),
                 tuple(Choice(i, label) for i, label in options), expects="choice")


async def on_which(turn: Turn) -> Outcome[Step]:
    """Takes the concern the typed action is about and carries the action out (or asks its first question)."""
    options = _which_options(turn)
    said = turn.text.upper().replace(" ", "")
    named = [i for i, label in options if said and label.upper().startswith(said)]  # "C-2026-0002"
    chosen = turn.choice or (named[0] if len(named) == 1 else pick(turn.text, options))
    if chosen not in {i for i, _ in options}:
        return Retry(Reply(turn.t("common.pick_one")))
    return await _act(turn, str(turn.data.get("verb")), parse_concern_id(str(chosen)) or 0)


def _with_actions(turn: Turn, text: str, summary: ConcernSummary) -> Reply:
    """A reply that offers the alert's actions again, in the same order with the same ids."""
    return Reply(text, alert_choices(turn.t, summary), expects="choice")


async def _act(turn: Turn, verb: str, concern_id: int) -> Outcome[Step]:
    """Carries out view or acknowledge at once; starts a note, an action or closing."""
    turn.data["concern"] = concern_id
    desk = turn.services.desk
    try:
        summary = await desk.authorise(turn.person, concern_id, verb)
        if verb == "unknown":
            return Done(Reply(turn.t("engine.unknown_button")))
        if verb == "view":
            details = details_reply(turn, await desk.details(turn.person, concern_id))
            return Done(dataclasses.replace(details, choices=alert_choices(turn.t, summary), expects="choice"))
        if verb == "ack":
            if summary.status != "new":
                return Done(_with_actions(turn, turn.t("dsl.already", reference=summary.reference,
                                                       status=turn.t(f"status.{summary.status}")), summary))
            summary = await desk.acknowledge(turn.person, concern_id)
            return Done(_with_actions(turn, turn.t("dsl.acknowledged", reference=summary.reference), summary))
    except NotPermitted:
        return Done(Reply(turn.t("dsl.not_permitted")))
    except UnknownConcern:
        return Done(Reply(turn.t("dsl.unknown")))
    if summary.status == "closed" and verb != "note":
        return Done(_with_actions(turn, turn.t("dsl.closed_already", reference=summary.reference), summary))
    turn.data["reference"] = summary.reference
    if verb == "close" and turn.data.get("outcome") in dsl_lists.ids(turn.services.words, OUTCOMES):  # "close, nfa"
        return Next("close_reason")
    first = _FIRST.get(verb)
    return Next(first) if first else Done(Reply(turn.t("engine.unknown_button")))


def _options(turn: Turn, table: str) -> list[tuple[str, str]]:
    return dsl_lists.options(turn.services.words, table)


def _reason(turn: Turn) -> str | Retry:
    if turn.choice is not None or not turn.text:
        return Retry(Reply(turn.t("dsl.reason_needed")))
    if len(turn.text) > MAX_REASON:
        return Retry(Reply(turn.t("raise.too_long", limit=MAX_REASON)))
    return turn.text


async def ask_note(turn: Turn) -> Reply:
    return Reply(turn.t("dsl.note.question", reference=turn.data.get("reference")), expects="text")


async def on_note(turn: Turn) -> Outcome[Step]:
    """Appends the note to the chronology and ends."""
    text = _reason(turn)
    if isinstance(text, Retry):
        return text
    summary = await turn.services.desk.add_note(turn.person, _concern_id(turn), text, turn.once("note"))
    return Done(_with_actions(turn, turn.t("dsl.note.done", reference=summary.reference), summary))


async def ask_action_type(turn: Turn) -> Reply:
    options = _options(turn, ACTION_TYPES)
    return Reply(turn.t("dsl.action.question", reference=turn.data.get("reference")),
                 tuple(Choice(i, label) for i, label in options), expects="choice")


async def on_action_type(turn: Turn) -> Outcome[Step]:
    """Stores the kind of action or referral and asks for the reason."""
    chosen = turn.choice or pick(turn.text, _options(turn, ACTION_TYPES))
    if chosen not in dsl_lists.ids(turn.services.words, ACTION_TYPES):
        return Retry(Reply(turn.t("common.pick_one")))
    turn.data["action"] = chosen
    return Next("action_reason")


async def ask_action_reason(turn: Turn) -> Reply:
    action = dsl_lists.label(turn.services.words, ACTION_TYPES, str(turn.data.get("action")))
    return Reply(turn.t("dsl.action.reason", action=action),
                 expects="text")


async def on_action_reason(turn: Turn) -> Outcome[Step]:
    """Records the action or referral with its reason and ends."""
    reason = _reason(turn)
    if isinstance(reason, Retry):
        return reason
    try:
        summary = await turn.services.desk.record_action(
            turn.person, _concern_id(turn), str(turn.data.get("action")), reason, turn.once("action"))
    except ConcernClosed:
        return Done(Reply(turn.t("dsl.closed_meanwhile", reference=turn.data.get("reference"))))
    return Done(_with_actions(turn, turn.t("dsl.action.done", reference=summary.reference), summary))


async def ask_close_outcome(turn: Turn) -> Reply:
    options = _options(turn, OUTCOMES)
    return Reply(turn.t("dsl.close.question", reference=turn.data.get("reference")),
                 tuple(Choice(i, label) for i, label in options), expects="choice")


async def on_close_outcome(turn: Turn) -> Outcome[Step]:
    """Stores the outcome and asks for the reason."""
    chosen = turn.choice or pick(turn.text, _options(turn, OUTCOMES))
    if chosen not in dsl_lists.ids(turn.services.words, OUTCOMES):
        return Retry(Reply(turn.t("common.pick_one")))
    turn.data["outcome"] = chosen
    return Next("close_reason")


async def ask_close_reason(turn: Turn) -> Reply:
    return Reply(turn.t("dsl.close.reason"), expects="text")


async def on_close_reason(turn: Turn) -> Outcome[Step]:
    """Closes the concern with the outcome and reason, tells the reporter, and ends."""
    reason = _reason(turn)
    if isinstance(reason, Retry):
        return reason
    try:
        summary = await turn.services.desk.close(
            turn.person, _concern_id(turn), str(turn.data.get("outcome")), reason, turn.once("close"))
    except ConcernClosed:
        return Done(Reply(turn.t("dsl.closed_meanwhile", reference=turn.data.get("reference"))))
    return Done(_with_actions(turn, turn.t("dsl.close.done", reference=summary.reference), summary))


DIALOG: Dialog[Step] = Dialog(
    name="dsl_action",
    first="note_text",
    states={
        "which": State(ask_which, on_which),
        "note_text": State(ask_note, on_note),
        "action_type": State(ask_action_type, on_action_type),
        "action_reason": State(ask_action_reason, on_action_reason),
        "close_outcome": State(ask_close_outcome, on_close_outcome),
        "close_reason": State(ask_close_reason, on_close_reason),
    },
    setup=setup,
    narrative=frozenset({"note_text", "action_reason", "close_reason"}),  # a DSL's note is kept, never a question
)


async def open_setup(turn: Turn, params: dict[str, str]) -> Outcome[Shown] | None:
    """Lists open concerns with their buttons, for the DSL team, and ends."""
    try:
        concerns = await turn.services.desk.open_concerns(turn.person)
    except NotPermitted:
        return Done(Reply(turn.t("dsl.not_permitted")))
    if not concerns:
        return Done(Reply(turn.t("dsl.open.none")))
    alerts = [alert_reply(turn.t, s, _category_label(turn, s.category)) for s in concerns]
    return Done(Reply(turn.t("dsl.open.intro", count=len(concerns))), *alerts)


OPEN: Dialog[Shown] = Dialog(name="dsl_open", first="show", states={}, setup=open_setup)
