"""Raising a concern in DOMAIN.md's order: danger, who (then any urgent alert), the account, what kind, when, where."""

from __future__ import annotations

from dialogs import concern_receipt, pupil_names, raise_adult, raise_kinds, review_words
from dialogs.answer_words import about_from_words, told_from_words
from dialogs.concern_draft import (
    ADULT_ABOUT,
    CHILD_ABOUT,
    CHILD_TOLD,
    DSL_MEMBER,
    MAX_ANSWER,
    Step,
    answer_text,
    contacts_now,
    draft_in,
    draft_of,
    is_done,
    keep,
    person_word,
    then,
    yes_no_choices,
)
from dialogs.concern_facts import draft_facts
from dialogs.engine import Dialog, Done, Handle, Next, Outcome, Retry, State, Turn
from dialogs.intents import mentions_harm, normalise, pick, yes_no, yes_no_said
from dialogs.messages import Choice, Reply
from dialogs.ports import ConcernDraft
from dialogs.when import understand_when

__all__ = ["DIALOG", "Step", "draft_facts", "draft_in", "review_facts"]

CHILD_EDITABLE: tuple[Step, ...] = ("about", "seen_heard", "child_words", "category", "when", "place",
                                    "actions_taken", "others_aware", "present", "child_told")
ADULT_EDITABLE: tuple[Step, ...] = ("about", "seen_heard", "when", "place", "present")
_ABOUT_NEXT: dict[str, Step] = {"child": "pupil", "children": "pupils", "learner": "pupil"}


# --- danger -----------------------------------------------------------------------------------

async def ask_danger(turn: Turn) -> Reply:
    return Reply(turn.t("raise.danger.question"), yes_no_choices(turn), expects="choice")


async def on_danger(turn: Turn) -> Outcome[Step]:
    """Stores whether anyone is in immediate danger (showing the 999 guidance at once) and asks who."""
    answer = turn.choice if turn.choice in ("yes", "no") else _danger_said(turn.text)
    if answer is None or (turn.choice is not None and turn.choice not in ("yes", "no")):
        return Retry(Reply(turn.t("raise.danger.unclear")))
    draft = draft_of(turn)
    if answer in (True, "yes"):
        draft.urgent = True
        keep(turn, draft)
        text = turn.t("raise.danger.call_999")
        contacts = contacts_now(turn)
        if contacts.out_of_hours:
            text += "\n" + concern_receipt.out_of_hours_text(turn, contacts)
        return then(turn, "about", Reply(text, urgent=True))
    keep(turn, draft)
    return then(turn, "about")


def _danger_said(text: str) -> bool | None:
    """Yes or no to the danger question as people say it; a "no" that speaks of harm is asked again, never a no."""
    answer = yes_no_said(text)
    if answer is False and yes_no(text) is None and mentions_harm(text):
        return None
    return answer


# --- who --------------------------------------------------------------------------------------

def _about_options(turn: Turn) -> list[tuple[str, str]]:
    """Who a concern may be about: children first, then adults, each DSL-team member by name (never alerted)."""
    directory = turn.services.directory
    options = [("child", turn.t("raise.about.child")), ("children", turn.t("raise.about.children"))]
    if directory.adult_learners():
        options.append(("learner", turn.t("raise.about.learner")))
    options.append(("adult", turn.t("raise.about.adult")))
    head = directory.contacts(turn.now).headteacher
    options.append(("head", turn.t("raise.about.head", name=head.name)))
    for index, member in enumerate(directory.dsl_members()):
        if member.email and member.email != head.email:
            options.append((f"{DSL_MEMBER}{index}", turn.t("raise.about.dsl", name=member.name, role=member.role)))
    return options


async def ask_about(turn: Turn) -> Reply:
    options = _about_options(turn)
    return Reply(turn.t("raise.about.question"), tuple(Choice(i, label) for i, label in options),
                 expects="choice")


def _set_about(turn: Turn, draft: ConcernDraft, about: str) -> None:
    """Stores who it is about; a DSL-team member by their email (so they can be kept out of it)."""
    draft.subject = ""
    if about.startswith(DSL_MEMBER):
        members = turn.services.directory.dsl_members()
        index = int(about.removeprefix(DSL_MEMBER))
        draft.about, draft.subject = "dsl", members[index].email
    else:
        draft.about = about
    if draft.about in CHILD_ABOUT:
        draft.adult_kind = draft.adult_route = draft.adult_name = ""


def _who_alerted(turn: Turn, draft: ConcernDraft) -> str:
    """Names who the urgent alert went to, in the reporter's words."""
    if draft.about in CHILD_ABOUT:
        return turn.t("raise.alerted.dsl_team")
    contacts = contacts_now(turn)
    if draft.about == "head":
        return turn.t("raise.alerted.chair", name=contacts.chair_of_governors.name)
    if draft.about == "dsl":
        return turn.t("raise.alerted.rest_of_team", head=contacts.headteacher.name)
    return turn.t("raise.alerted.head", name=contacts.headteacher.name)


async def on_about(turn: Turn) -> Outcome[Step]:
    """Stores who it is about; an urgent concern is alerted now, routed by the answer, never to its subject."""
    options = _about_options(turn)
    offered = {i for i, _ in options}
    about = turn.choice or pick(turn.text, options) or about_from_words(turn.text, offered)
    if about not in offered:
        return Retry(Reply(turn.t("common.pick_one")))
    draft = draft_of(turn)
    was = (draft.about, draft.subject)
    _set_about(turn, draft, about)
    before: list[Reply] = []
    if draft.urgent and not draft.reference:
        draft.reference = await turn.services.desk.raise_urgent(turn.person, draft, turn.once("urgent"))
        text = turn.t("raise.alerted.text", who=_who_alerted(turn, draft), reference=draft.reference)
        before.append(Reply(text, urgent=True))
    keep(turn, draft)
    editing = bool(turn.data.get("_editing"))
    if editing and was == (draft.about, draft.subject):
        return then(turn, "review", *before)
    turn.data.pop("_editing", None)  # a different person: their own questions follow, then the review
    if draft.about in ADULT_ABOUT:
        return Next("adult_kind", *before)
    return Next(_ABOUT_NEXT[draft.about], *before)


# --- an adult who works with children (KCSIE Part 4) ----------------------------------------------


# --- the child or children --------------------------------------------------------------------

_NOT_A_NAME = frozenset({"the", "two", "three", "lads", "boys", "girls", "kids", "twins", "children", "pupils",
                         "students", "some", "group", "few", "them", "those", "these", "brothers", "sisters", "gang"})


def _looks_like_full_name(text: str) -> bool:
    """True when the name has at least two words that are not initials, nor words that describe ("the two lads")."""
    words = [w.strip(".") for w in normalise(text).split()]
    named = [w for w in words if len(w) >= 2 and w not in _NOT_A_NAME]
    return len(named) >= 2 and len(named) * 2 > len(words)


async def ask_pupil(turn: Turn) -> Reply:
    draft = draft_of(turn)
    key = "raise.pupil.learner" if draft.about == "learner" else "raise.pupil.question"
    return Reply(turn.t(key), expects="text")


def _named(turn: Turn, draft: ConcernDraft, found: list[tuple[str, str]]) -> Outcome[Step]:
    """Keeps the names; with a class given for each, keeps it too and asks to confirm (one tap), else asks it."""
    draft.pupils = ", ".join(name for name, _ in found)
    classes = list(dict.fromkeys(group for _, group in found))
    if all(classes) and classes:
        draft.year_group = ", ".join(classes)
        keep(turn, draft)
        turn.data["_check"] = pupil_names.as_confirmed(found, turn.t("raise.pupil_check.class"))
        return Next("pupil_check")
    keep(turn, draft)
    return then(turn, "year_group")


async def on_pupil(turn: Turn) -> Outcome[Step]:
    """Stores the child's (or learner's) full name, and a class given with it ("Jayden Mcarthy 9C")."""
    text = answer_text(turn)
    if isinstance(text, Retry):
        return text
    if len(text) > 200:
        return Retry(Reply(turn.t("raise.pupil.short")))
    name, group = pupil_names.split_class(text)
    if not _looks_like_full_name(name):
        return Retry(Reply(turn.t("raise.pupil.full_name", person=person_word(turn, draft_of(turn)))))
    return _named(turn, draft_of(turn), [(name, group)])


async def on_pupils(turn: Turn) -> Outcome[Step]:
    """Stores each child's full name (and class, when given with each); a first name alone is asked again."""
    text = answer_text(turn)
    if isinstance(text, Retry):
        return text
    if len(text) > 2_000:
        return Retry(Reply(turn.t("raise.pupil.short")))
    found = [pupil_names.split_class(part) for part in pupil_names.each_child(text)]
    if not found or not all(_looks_like_full_name(name) for name, _ in found):
        return Retry(Reply(turn.t("raise.pupils.each_full_name")))
    if not any(group for _, group in found):
        found = [(text, "")]  # as typed: nothing to take apart
    return _named(turn, draft_of(turn), found)


async def ask_pupil_check(turn: Turn) -> Reply:
    who = str(turn.data.get("_check") or draft_of(turn).pupils)
    return Reply(turn.t("raise.pupil_check.question", who=who), yes_no_choices(turn), expects="choice")


async def on_pupil_check(turn: Turn) -> Outcome[Step]:
    """Confirms the names and class read from one answer; "no" (or another answer) asks the names again."""
    if turn.choice is not None and turn.choice not in ("yes", "no"):
        return Retry(Reply(turn.t("common.pick_one")))
    answer = turn.choice or yes_no(turn.text)
    draft = draft_of(turn)
    turn.data.pop("_check", None)
    if answer in (True, "yes"):
        return then(turn, "seen_heard")
    before: tuple[Reply, ...] = ()
    if answer is None and turn.choice is None and turn.text:  # typed again, corrected: read it as the names
        again = await (on_pupils(turn) if draft.about == "children" else on_pupil(turn))
        if not isinstance(again, Retry):
            return again
        before = (again.reply,)
    draft.pupils = draft.year_group = ""
    keep(turn, draft)
    return Next("pupils" if draft.about == "children" else "pupil", *before)


def _names_in(text: str, names: str) -> bool:
    """True when the text holds a word of the children's names (or one with 's after it)."""
    name_words = {w for w in normalise(names).split() if len(w) >= 2 and w != "and"}
    return any(w in name_words or w.removesuffix("s") in name_words for w in normalise(text).split())


async def on_year_group(turn: Turn) -> Outcome[Step]:
    """Stores the year group or class and asks what was seen or heard."""
    text = answer_text(turn)
    if isinstance(text, Retry):
        return text
    if len(text) > 80:
        return Retry(Reply(turn.t("raise.year_group.short")))
    draft = draft_of(turn)
    if _names_in(text, draft.pupils):  # the DSL alert shows the year group: the names sent again, say
        return Retry(Reply(turn.t("raise.year_group.no_names")))
    draft.year_group = text
    keep(turn, draft)
    return then(turn, "seen_heard")


# --- the account, in the reporter's own words, then the child's -----------------------------------

def _append(before: str, more: str) -> str:
    return f"{before}\n{more}" if before else more


def _too_long(turn: Turn, kept: str) -> Reply:
    """Says the message was cut and that the rest can follow: nothing is lost, nothing goes elsewhere."""
    return Reply(turn.t("raise.too_long", limit=MAX_ANSWER, last=kept[-40:]))


async def ask_seen_heard(turn: Turn) -> Reply:
    draft = draft_of(turn)
    key = "raise.seen_heard.adult" if draft.about in ADULT_ABOUT else "raise.seen_heard.question"
    return Reply(turn.t(key), expects="text")


async def on_seen_heard(turn: Turn) -> Outcome[Step]:
    """Stores the account in the reporter's words; asks if there is more."""
    text = answer_text(turn)
    if isinstance(text, Retry):
        return text
    draft = draft_of(turn)
    draft.seen_heard = text[:MAX_ANSWER]
    keep(turn, draft)
    turn.data["_more"] = "seen_heard"
    if len(text) > MAX_ANSWER:
        return Next("seen_more", _too_long(turn, draft.seen_heard))
    return Next("seen_more")


async def ask_seen_more(turn: Turn) -> Reply:
    return Reply(turn.t("raise.seen_more.question"), (Choice("done", turn.t("raise.seen_more.done")),),
                 expects="text")


def _after_account(turn: Turn, draft: ConcernDraft) -> Outcome[Step]:
    if draft.about in ADULT_ABOUT:
        return then(turn, "when")
    return then(turn, "child_words")


async def on_seen_more(turn: Turn) -> Outcome[Step]:
    """Adds a further message to the answer being told, until the reporter says that is all."""
    draft = draft_of(turn)
    field = "child_words" if turn.data.get("_more") == "child_words" else "seen_heard"
    if turn.choice == "done" or (turn.choice is None and is_done(turn.text)):
        turn.data.pop("_more", None)
        return _after_account(turn, draft) if field == "seen_heard" else then(turn, "category")
    text = answer_text(turn)
    if isinstance(text, Retry):
        return text
    current = str(getattr(draft, field))
    room = max(0, 4 * MAX_ANSWER - len(current))
    setattr(draft, field, _append(current, text[:min(room, MAX_ANSWER)]))
    keep(turn, draft)
    if len(text) > MAX_ANSWER:
        return Retry(_too_long(turn, text[:MAX_ANSWER]))
    return Retry(Reply(turn.t("raise.seen_more.added")))


async def ask_child_words(turn: Turn) -> Reply:
    person = person_word(turn, draft_of(turn))
    return Reply(turn.t("raise.child_words.question", person=person),
                 (Choice("none", turn.t("raise.child_words.none", person=person)),), expects="text")


async def on_child_words(turn: Turn) -> Outcome[Step]:
    """Stores the child's exact words and asks what kind of concern it is."""
    draft = draft_of(turn)
    if turn.choice == "none":
        draft.child_words = turn.t("raise.child_words.none", person=person_word(turn, draft))
        keep(turn, draft)
        return then(turn, "category")
    answer = answer_text(turn)
    if isinstance(answer, Retry):
        return answer
    draft.child_words = answer[:MAX_ANSWER]
    keep(turn, draft)
    if len(answer) > MAX_ANSWER:
        turn.data["_more"] = "child_words"
        return Next("seen_more", _too_long(turn, draft.child_words))
    return then(turn, "category")


# --- when, where, what was done -----------------------------------------------------------------

async def ask_when(turn: Turn) -> Reply:
    return Reply(turn.t("raise.when.question"),
                 (Choice("now", turn.t("raise.when.now")), Choice("unknown", turn.t("raise.when.unknown"))),
                 expects="date")


async def on_when(turn: Turn) -> Outcome[Step]:
    """Stores when it happened: exact only when said exactly, approximate or unknown as said; never the future."""
    said = {"now": "now", "unknown": "not sure"}.get(turn.choice or "", turn.text)
    if turn.choice is not None and turn.choice not in ("now", "unknown"):
        return Retry(Reply(turn.t("common.pick_one")))
    result = understand_when(said, turn.now, turn.services.directory.school_day())
    if result.problem:
        return Retry(Reply(turn.t(f"raise.when.{result.problem}")))
    draft = draft_of(turn)
    draft.occurred_at = result.at.isoformat(timespec="minutes") if result.at else ""
    draft.when_text = "" if result.unknown else said[:200]
    keep(turn, draft)
    return then(turn, "place")


async def on_place(turn: Turn) -> Outcome[Step]:
    """Stores where it happened and asks what has been done already."""
    text = answer_text(turn)
    if isinstance(text, Retry):
        return text
    draft = draft_of(turn)
    draft.place = text[:2_000]
    keep(turn, draft)
    return then(turn, "present" if draft.about in ADULT_ABOUT else "actions_taken")


async def on_actions_taken(turn: Turn) -> Outcome[Step]:
    """Stores what has been done and asks who else knows."""
    text = answer_text(turn)
    if isinstance(text, Retry):
        return text
    draft = draft_of(turn)
    draft.actions_taken = text[:MAX_ANSWER]
    keep(turn, draft)
    return then(turn, "others_aware")


async def on_others_aware(turn: Turn) -> Outcome[Step]:
    """Stores who else knows and asks who was there."""
    text = answer_text(turn)
    if isinstance(text, Retry):
        return text
    draft = draft_of(turn)
    draft.others_aware = text[:2_000]
    keep(turn, draft)
    return then(turn, "present")


async def ask_present(turn: Turn) -> Reply:
    return Reply(turn.t("raise.present.question"), (Choice("nobody", turn.t("raise.present.nobody")),),
                 expects="text")


async def on_present(turn: Turn) -> Outcome[Step]:
    """Stores who was present; a concern about an adult then goes to the review, a child's to "told"."""
    draft = draft_of(turn)
    if turn.choice == "nobody":
        draft.present = turn.t("raise.present.nobody")
    else:
        text = answer_text(turn)
        if isinstance(text, Retry):
            return text
        draft.present = text[:2_000]
    keep(turn, draft)
    return then(turn, "review" if draft.about in ADULT_ABOUT else "child_told")


async def ask_child_told(turn: Turn) -> Reply:
    person = person_word(turn, draft_of(turn))
    return Reply(turn.t("raise.child_told.question", person=person),
                 tuple(Choice(i, turn.t(f"raise.child_told.{i}", person=person)) for i in CHILD_TOLD),
                 expects="choice")


async def on_child_told(turn: Turn) -> Outcome[Step]:
    """Stores whether the child was told it will be shared (never promised secrecy) and shows the review."""
    person = person_word(turn, draft_of(turn))
    options = [(i, turn.t(f"raise.child_told.{i}", person=person)) for i in CHILD_TOLD]
    told = turn.choice or pick(turn.text, options)
    if told is None and turn.choice is None:
        told = told_from_words(turn.text)
    if told not in CHILD_TOLD:
        return Retry(Reply(turn.t("common.pick_one")))
    draft = draft_of(turn)
    draft.child_told = told
    keep(turn, draft)
    turn.data.pop("_editing", None)
    return Next("review")


# --- review and submit ------------------------------------------------------------------------

def review_facts(turn: Turn, draft: ConcernDraft) -> tuple[tuple[str, str], ...]:
    """Returns the draft as label/value pairs for the review."""
    return draft_facts(turn.t, dict(raise_kinds.category_options(turn)), draft)


def _editable(draft: ConcernDraft) -> tuple[Step, ...]:
    if draft.about in ADULT_ABOUT:
        return ADULT_EDITABLE
    names: Step = "pupils" if draft.about == "children" else "pupil"
    return (CHILD_EDITABLE[0], names, "year_group", *CHILD_EDITABLE[1:])


def _edit_label(turn: Turn, name: Step) -> str:
    return turn.t("raise.review.edit.names" if name in ("pupil", "pupils") else f"raise.review.edit.{name}")


def _review_said(turn: Turn, draft: ConcernDraft) -> str | None:
    """Reads the review's answer from words ("ok send it", "change the name", "add to what he said")."""
    editable = _editable(draft)
    fields = tuple("names" if name in ("pupil", "pupils") else name for name in editable)
    said = review_words.review_answer(turn.text, fields)
    if said in ("edit:names", "add:names"):
        return f"edit:{next(n for n in editable if n in ('pupil', 'pupils'))}"
    return said


def _add_to(turn: Turn, field: str) -> Outcome[Step]:
    """Goes to "anything to add?" for the account or the child's words, then back to the review."""
    turn.data["_more"] = field
    turn.data["_editing"] = True
    return Next("seen_more")


def _review_options(turn: Turn, draft: ConcernDraft) -> list[tuple[str, str]]:
    options = [("submit", turn.t("raise.review.submit_adult" if draft.about in ADULT_ABOUT else "raise.review.submit"))]
    options += [(f"edit:{name}", _edit_label(turn, name)) for name in _editable(draft)]
    return [*options, ("cancel", turn.t("raise.review.cancel"))]


async def ask_review(turn: Turn) -> Reply:
    draft = draft_of(turn)
    choices = tuple(Choice(i, label) for i, label in _review_options(turn, draft))
    return Reply(turn.t("raise.review.question"), choices, expects="choice", facts=review_facts(turn, draft))


async def on_review(turn: Turn) -> Outcome[Step]:
    """Submits the concern, or goes back to the answer to be changed."""
    draft = draft_of(turn)
    choice = turn.choice or _review_said(turn, draft) or pick(turn.text, _review_options(turn, draft))
    if choice in ("add:seen_heard", "add:child_words"):
        return _add_to(turn, choice.removeprefix("add:"))
    if choice == "cancel":
        return Done(*(await cancel_concern(turn)), Reply(turn.t("engine.cancelled")))
    editing = {f"edit:{name}": name for name in _editable(draft)}.get(choice or "")
    if editing:
        turn.data["_editing"] = True
        return Next(editing)
    if choice != "submit":
        return Retry(Reply(turn.t("common.pick_one")))
    receipt = await turn.services.desk.submit(turn.person, draft, turn.once("submit"))
    return Done(Reply(concern_receipt.receipt_text(turn, draft, receipt), urgent=receipt.urgent))


async def cancel_concern(turn: Turn) -> tuple[Reply, ...]:
    """On cancel, keeps what an urgent concern already told the alerted people; drops anything else."""
    draft = draft_of(turn)
    if not draft.reference:
        return ()
    await turn.services.desk.submit(turn.person, draft, turn.once("submit"))  # a run submits at most once
    return (Reply(turn.t("raise.cancel_urgent", reference=draft.reference), urgent=True),)


async def setup(turn: Turn, params: dict[str, str]) -> Outcome[Step] | None:
    """Keeps a link to the message the concern was raised from, when there is one."""
    if params.get("link"):
        keep(turn, ConcernDraft(source_link=params["link"]))
    return None


def keep_on_restart(data: dict[str, object]) -> dict[str, object]:
    """Starting again keeps an urgent alert's reference and who it was about, so it stays with the right people."""
    old = draft_in(data)
    kept = ConcernDraft(urgent=old.urgent, reference=old.reference, source_link=old.source_link)
    if old.reference:
        kept.about, kept.subject = old.about, old.subject
    return {"draft": kept.to_json()}


def _text_state(key: str, handle: Handle[Step]) -> State[Step]:
    """A state whose question is plain text from the wording file."""

    async def ask(turn: Turn) -> Reply:
        return Reply(turn.t(key), expects="text")

    return State(ask, handle)


DIALOG: Dialog[Step] = Dialog(
    name="raise_concern",
    first="danger",
    states={
        "danger": State(ask_danger, on_danger),
        "about": State(ask_about, on_about),
        "adult_kind": State(raise_adult.ask_adult_kind, raise_adult.on_adult_kind),
        "adult_route": State(raise_adult.ask_adult_route, raise_adult.on_adult_route),
        "adult_name": _text_state("raise.adult_name.question", raise_adult.on_adult_name),
        "pupil": State(ask_pupil, on_pupil),
        "pupils": _text_state("raise.pupils.question", on_pupils),
        "pupil_check": State(ask_pupil_check, on_pupil_check),
        "year_group": _text_state("raise.year_group.question", on_year_group),
        "seen_heard": State(ask_seen_heard, on_seen_heard),
        "seen_more": State(ask_seen_more, on_seen_more),
        "child_words": State(ask_child_words, on_child_words),
        "category": State(raise_kinds.ask_category, raise_kinds.on_category),
        "indicators": State(raise_kinds.ask_indicators, raise_kinds.on_indicators),
        "when": State(ask_when, on_when),
        "place": _text_state("raise.place.question", on_place),
        "actions_taken": _text_state("raise.actions_taken.question", on_actions_taken),
        "others_aware": _text_state("raise.others_aware.question", on_others_aware),
        "present": State(ask_present, on_present),
        "child_told": State(ask_child_told, on_child_told),
        "review": State(ask_review, on_review),
    },
    on_cancel=cancel_concern,
    setup=setup,
    on_restart=keep_on_restart,
    narrative=frozenset({"seen_heard", "seen_more", "child_words"}),
    non_answers={
        "danger": ("explain",), "about": ("explain",), "pupil": ("explain",), "pupils": ("explain",),
        "year_group": ("not_known", "explain"), "seen_heard": ("explain",), "category": ("explain",),
        "when": ("explain",),
        "child_words": ("not_known", "none", "explain"), "indicators": ("not_known", "none", "explain"),
        "place": ("not_known", "explain"), "actions_taken": ("not_known", "none", "explain"),
        "others_aware": ("not_known", "none", "explain"), "present": ("not_known", "none", "explain"),
        "child_told": ("explain",), "adult_name": ("not_known", "explain"), "review": ("explain",),
    },
)
