"""Raising a concern in DOMAIN.md's order: danger, who (then any urgent alert), the account, what kind, when, where."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Literal

from dialogs.contacts import out_of_hours_route, out_of_hours_statement
from dialogs.engine import Dialog, Done, Handle, Next, Outcome, Retry, State, Turn
from dialogs.intents import normalise, pick, yes_no
from dialogs.messages import Choice, Reply
from dialogs.ports import ConcernDraft, Contacts, Receipt
from dialogs.when import understand_when

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
Step = Literal["danger", "about", "adult_kind", "adult_route", "adult_name", "pupil", "pupils", "year_group",
               "seen_heard", "seen_more", "child_words", "category", "indicators", "when", "place",
               "actions_taken", "others_aware", "present", "child_told", "review"]  # the diagram's states
CHILD_EDITABLE: tuple[Step, ...] = ("about", "seen_heard", "child_words", "category", "when", "place",
                                    "actions_taken", "others_aware", "present", "child_told")
ADULT_EDITABLE: tuple[Step, ...] = ("about", "seen_heard", "when", "place", "present")
_ABOUT_NEXT: dict[str, Step] = {"child": "pupil", "children": "pupils", "learner": "pupil"}
CHILD_TOLD = ("yes", "no", "not_applicable")


def draft_in(data: dict[str, object]) -> ConcernDraft:
    """Returns the concern being told, from a raise_concern session's data."""
    saved = data.get("draft")
    return ConcernDraft.from_json(saved) if isinstance(saved, dict) else ConcernDraft()


def _draft(turn: Turn) -> ConcernDraft:
    """Returns the concern being told, from the session data."""
    return draft_in(turn.data)


def _keep(turn: Turn, draft: ConcernDraft) -> None:
    """Writes the draft back into the session data."""
    turn.data["draft"] = draft.to_json()


def _then(turn: Turn, state: Step, *before: Reply) -> Outcome[Step]:
    """Goes to the next question, or back to the review when an answer was being changed."""
    if turn.data.pop("_editing", False):
        return Next("review", *before)
    return Next(state, *before)


def _choices(turn: Turn, *ids: str, prefix: str = "common") -> tuple[Choice, ...]:
    return tuple(Choice(i, turn.t(f"{prefix}.{i}")) for i in ids)


def _yes_no_choices(turn: Turn) -> tuple[Choice, ...]:
    return _choices(turn, "yes", "no")


def _answer(turn: Turn) -> str | Retry:
    """Returns the text answer, or a kind Retry if it is empty (a too-long one is handled by the caller)."""
    text = turn.text
    if turn.choice is not None or not text:
        return Retry(Reply(turn.t("raise.empty")))
    return text


def _person(turn: Turn, draft: ConcernDraft) -> str:
    """How the questions name who it is about: the child, the children, the learner (never "child" for 18+)."""
    return turn.t(f"raise.person.{draft.about if draft.about in CHILD_ABOUT else 'child'}")


def _contacts(turn: Turn) -> Contacts:
    return turn.services.directory.contacts(turn.now)


def out_of_hours_text(turn: Turn, contacts: Contacts, *, told: str = "") -> str:
    """The truth out of hours: nobody on the DSL team is on duty (and so `told` is not yet read), and the route."""
    words = turn.services.words
    lines = [out_of_hours_statement(contacts, words), *([turn.t(told)] if told else []),
             *out_of_hours_route(contacts, words)]
    return "\n".join(lines)


# --- danger -----------------------------------------------------------------------------------

async def ask_danger(turn: Turn) -> Reply:
    return Reply(turn.t("raise.danger.question"), _yes_no_choices(turn), expects="choice")


async def on_danger(turn: Turn) -> Outcome[Step]:
    """Stores whether anyone is in immediate danger (showing the 999 guidance at once) and asks who."""
    answer = turn.choice if turn.choice in ("yes", "no") else yes_no(turn.text)
    if answer is None or (turn.choice is not None and turn.choice not in ("yes", "no")):
        return Retry(Reply(turn.t("raise.danger.unclear")))
    draft = _draft(turn)
    if answer in (True, "yes"):
        draft.urgent = True
        _keep(turn, draft)
        text = turn.t("raise.danger.call_999")
        contacts = _contacts(turn)
        if contacts.out_of_hours:
            text += "\n" + out_of_hours_text(turn, contacts)
        return _then(turn, "about", Reply(text, urgent=True))
    _keep(turn, draft)
    return _then(turn, "about")


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
    contacts = _contacts(turn)
    if draft.about == "head":
        return turn.t("raise.alerted.chair", name=contacts.chair_of_governors.name)
    if draft.about == "dsl":
        return turn.t("raise.alerted.rest_of_team", head=contacts.headteacher.name)
    return turn.t("raise.alerted.head", name=contacts.headteacher.name)


async def on_about(turn: Turn) -> Outcome[Step]:
    """Stores who it is about; an urgent concern is alerted now, routed by the answer, never to its subject."""
    options = _about_options(turn)
    about = turn.choice or pick(turn.text, options)
    if about not in {i for i, _ in options}:
        return Retry(Reply(turn.t("common.pick_one")))
    draft = _draft(turn)
    was = (draft.about, draft.subject)
    _set_about(turn, draft, about)
    before: list[Reply] = []
    if draft.urgent and not draft.reference:
        draft.reference = await turn.services.desk.raise_urgent(turn.person, draft, turn.once("urgent"))
        text = turn.t("raise.alerted.text", who=_who_alerted(turn, draft), reference=draft.reference)
        before.append(Reply(text, urgent=True))
    _keep(turn, draft)
    editing = bool(turn.data.get("_editing"))
    if editing and was == (draft.about, draft.subject):
        return _then(turn, "review", *before)
    turn.data.pop("_editing", None)  # a different person: their own questions follow, then the review
    if draft.about in ADULT_ABOUT:
        return Next("adult_kind", *before)
    return Next(_ABOUT_NEXT[draft.about], *before)


# --- an adult who works with children (KCSIE Part 4) ----------------------------------------------

async def ask_adult_kind(turn: Turn) -> Reply:
    return Reply(turn.t("raise.adult_kind.question"), _choices(turn, *ADULT_KINDS, prefix="raise.adult_kind"),
                 expects="choice")


async def on_adult_kind(turn: Turn) -> Outcome[Step]:
    """Stores whether it is an allegation, a low-level concern or a worry about extremism."""
    options = [(k, turn.t(f"raise.adult_kind.{k}")) for k in ADULT_KINDS]
    kind = turn.choice or pick(turn.text, options)
    if kind not in ADULT_KINDS:
        return Retry(Reply(turn.t("common.pick_one")))
    draft = _draft(turn)
    draft.adult_kind = kind
    draft.adult_route = "head" if kind != "allegation" else draft.adult_route
    _keep(turn, draft)
    if kind == "allegation" and draft.about != "head":
        return Next("adult_route")
    return _after_route(turn, draft)


def _after_route(turn: Turn, draft: ConcernDraft) -> Outcome[Step]:
    if draft.about == "adult":
        return Next("adult_name")
    return Next("seen_heard")


async def ask_adult_route(turn: Turn) -> Reply:
    head = _contacts(turn).headteacher
    return Reply(turn.t("raise.adult_route.question", head=head.name),
                 _choices(turn, "head", "lado", prefix="raise.adult_route"), expects="choice")


async def on_adult_route(turn: Turn) -> Outcome[Step]:
    """Stores whether the allegation goes to the head or, where telling the head is a conflict, to the LADO."""
    options = [(r, turn.t(f"raise.adult_route.{r}")) for r in ("head", "lado")]
    chosen = turn.choice or pick(turn.text, options)
    if chosen not in ("head", "lado"):
        return Retry(Reply(turn.t("common.pick_one")))
    draft = _draft(turn)
    draft.adult_route = chosen
    _keep(turn, draft)
    return _after_route(turn, draft)


async def on_adult_name(turn: Turn) -> Outcome[Step]:
    """Stores the adult's name and role."""
    text = _answer(turn)
    if isinstance(text, Retry):
        return text
    if len(text) > 200:
        return Retry(Reply(turn.t("raise.adult_name.short")))
    draft = _draft(turn)
    draft.adult_name = text
    _keep(turn, draft)
    return _then(turn, "seen_heard")


# --- the child or children --------------------------------------------------------------------

def _looks_like_full_name(text: str) -> bool:
    """True when the name has at least two words that are not initials."""
    words = [w.strip(".") for w in normalise(text).split()]
    return len([w for w in words if len(w) >= 2]) >= 2


async def ask_pupil(turn: Turn) -> Reply:
    draft = _draft(turn)
    key = "raise.pupil.learner" if draft.about == "learner" else "raise.pupil.question"
    return Reply(turn.t(key), expects="text")


async def on_pupil(turn: Turn) -> Outcome[Step]:
    """Stores the child's (or learner's) full name and asks for their year or class."""
    text = _answer(turn)
    if isinstance(text, Retry):
        return text
    if len(text) > 200:
        return Retry(Reply(turn.t("raise.pupil.short")))
    if not _looks_like_full_name(text):
        return Retry(Reply(turn.t("raise.pupil.full_name", person=_person(turn, _draft(turn)))))
    draft = _draft(turn)
    draft.pupils = text
    _keep(turn, draft)
    return _then(turn, "year_group")


async def on_pupils(turn: Turn) -> Outcome[Step]:
    """Stores the children's names and asks for their years or classes."""
    text = _answer(turn)
    if isinstance(text, Retry):
        return text
    if len(text) > 2_000:
        return Retry(Reply(turn.t("raise.pupil.short")))
    draft = _draft(turn)
    draft.pupils = text
    _keep(turn, draft)
    return _then(turn, "year_group")


def _names_in(text: str, names: str) -> bool:
    """True when the text holds a word of the children's names (or one with 's after it)."""
    name_words = {w for w in normalise(names).split() if len(w) >= 2 and w != "and"}
    return any(w in name_words or w.removesuffix("s") in name_words for w in normalise(text).split())


async def on_year_group(turn: Turn) -> Outcome[Step]:
    """Stores the year group or class and asks what was seen or heard."""
    text = _answer(turn)
    if isinstance(text, Retry):
        return text
    if len(text) > 80:
        return Retry(Reply(turn.t("raise.year_group.short")))
    draft = _draft(turn)
    if _names_in(text, draft.pupils):  # the DSL alert shows the year group: the names sent again, say
        return Retry(Reply(turn.t("raise.year_group.no_names")))
    draft.year_group = text
    _keep(turn, draft)
    return _then(turn, "seen_heard")


# --- the account, in the reporter's own words, then the child's -----------------------------------

def _append(before: str, more: str) -> str:
    return f"{before}\n{more}" if before else more


def _too_long(turn: Turn, kept: str) -> Reply:
    """Says the message was cut and that the rest can follow: nothing is lost, nothing goes elsewhere."""
    return Reply(turn.t("raise.too_long", limit=MAX_ANSWER, last=kept[-40:]))


async def ask_seen_heard(turn: Turn) -> Reply:
    draft = _draft(turn)
    key = "raise.seen_heard.adult" if draft.about in ADULT_ABOUT else "raise.seen_heard.question"
    return Reply(turn.t(key), expects="text")


async def on_seen_heard(turn: Turn) -> Outcome[Step]:
    """Stores the account in the reporter's words; asks if there is more."""
    text = _answer(turn)
    if isinstance(text, Retry):
        return text
    draft = _draft(turn)
    draft.seen_heard = text[:MAX_ANSWER]
    _keep(turn, draft)
    turn.data["_more"] = "seen_heard"
    if len(text) > MAX_ANSWER:
        return Next("seen_more", _too_long(turn, draft.seen_heard))
    return Next("seen_more")


async def ask_seen_more(turn: Turn) -> Reply:
    return Reply(turn.t("raise.seen_more.question"), (Choice("done", turn.t("raise.seen_more.done")),),
                 expects="text")


def _after_account(turn: Turn, draft: ConcernDraft) -> Outcome[Step]:
    if draft.about in ADULT_ABOUT:
        return _then(turn, "when")
    return _then(turn, "child_words")


async def on_seen_more(turn: Turn) -> Outcome[Step]:
    """Adds a further message to the answer being told, until the reporter says that is all."""
    draft = _draft(turn)
    field = "child_words" if turn.data.get("_more") == "child_words" else "seen_heard"
    if turn.choice == "done" or (turn.choice is None and _is_done(turn.text)):
        turn.data.pop("_more", None)
        return _after_account(turn, draft) if field == "seen_heard" else _then(turn, "category")
    text = _answer(turn)
    if isinstance(text, Retry):
        return text
    current = str(getattr(draft, field))
    room = max(0, 4 * MAX_ANSWER - len(current))
    setattr(draft, field, _append(current, text[:min(room, MAX_ANSWER)]))
    _keep(turn, draft)
    if len(text) > MAX_ANSWER:
        return Retry(_too_long(turn, text[:MAX_ANSWER]))
    return Retry(Reply(turn.t("raise.seen_more.added")))


_DONE_WORDS = {"no", "nope", "nah", "done", "thats all", "that is all", "thats it", "nothing else", "no thats all",
               "nothing more", "no more", "finished", "thats everything", "no nothing else", "all done"}


def _is_done(text: str) -> bool:
    return normalise(text) in _DONE_WORDS


async def ask_child_words(turn: Turn) -> Reply:
    person = _person(turn, _draft(turn))
    return Reply(turn.t("raise.child_words.question", person=person),
                 (Choice("none", turn.t("raise.child_words.none", person=person)),), expects="text")


async def on_child_words(turn: Turn) -> Outcome[Step]:
    """Stores the child's exact words and asks what kind of concern it is."""
    draft = _draft(turn)
    if turn.choice == "none":
        draft.child_words = turn.t("raise.child_words.none", person=_person(turn, draft))
        _keep(turn, draft)
        return _then(turn, "category")
    answer = _answer(turn)
    if isinstance(answer, Retry):
        return answer
    draft.child_words = answer[:MAX_ANSWER]
    _keep(turn, draft)
    if len(answer) > MAX_ANSWER:
        turn.data["_more"] = "child_words"
        return Next("seen_more", _too_long(turn, draft.child_words))
    return _then(turn, "category")


# --- what kind (one or more, or not sure) -------------------------------------------------------

def _category_options(turn: Turn) -> list[tuple[str, str]]:
    return [*turn.services.directory.categories(), (NOT_SURE, turn.t("raise.category.not_sure"))]


def _chosen(draft: ConcernDraft) -> list[str]:
    return [c for c in draft.category.split(",") if c]


async def ask_category(turn: Turn) -> Reply:
    draft = _draft(turn)
    chosen = _chosen(draft) if turn.data.get("_adding") else []
    options = [(i, label) for i, label in _category_options(turn) if i not in chosen]
    if chosen:
        labels = dict(_category_options(turn))
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


async def on_category(turn: Turn) -> Outcome[Step]:
    """Adds the kinds of concern chosen; "not sure" or "that's all" moves on."""
    options = _category_options(turn)
    draft = _draft(turn)
    adding = bool(turn.data.get("_adding"))
    chosen = _chosen(draft) if adding else []
    if adding and (turn.choice == "done" or (turn.choice is None and _is_done(turn.text))):
        return _categories_done(turn, draft)
    picked = [turn.choice] if turn.choice else _typed_categories(turn.text, options)
    valid = {i for i, _ in options}
    if not picked or not all(p in valid for p in picked):
        return Retry(Reply(turn.t("common.pick_one")))
    if NOT_SURE in picked and not chosen:
        draft.category = NOT_SURE
        return _categories_done(turn, draft)
    chosen = list(dict.fromkeys([*chosen, *(p for p in picked if p != NOT_SURE)]))
    draft.category = ",".join(chosen)
    _keep(turn, draft)
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
    _keep(turn, draft)
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
    return _then(turn, "when", *before)


async def ask_indicators(turn: Turn) -> Reply:
    return Reply(turn.t("raise.indicators.question"),
                 (Choice("none", turn.t("raise.indicators.none")),), expects="text")


async def on_indicators(turn: Turn) -> Outcome[Step]:
    """Stores the Prevent indicators noticed (optional) and asks when it happened."""
    draft = _draft(turn)
    if turn.choice == "none" or (turn.choice is None and _is_done(turn.text)):
        draft.indicators = ""
    else:
        answer = _answer(turn)
        if isinstance(answer, Retry):
            return answer
        draft.indicators = answer[:MAX_ANSWER]
    _keep(turn, draft)
    if turn.data.pop("_editing_after", False):
        return Next("review")
    return _then(turn, "when")


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
    result = understand_when(said, turn.now)
    if result.problem:
        return Retry(Reply(turn.t(f"raise.when.{result.problem}")))
    draft = _draft(turn)
    draft.occurred_at = result.at.isoformat(timespec="minutes") if result.at else ""
    draft.when_text = "" if result.unknown else said[:200]
    _keep(turn, draft)
    return _then(turn, "place")


async def on_place(turn: Turn) -> Outcome[Step]:
    """Stores where it happened and asks what has been done already."""
    text = _answer(turn)
    if isinstance(text, Retry):
        return text
    draft = _draft(turn)
    draft.place = text[:2_000]
    _keep(turn, draft)
    return _then(turn, "present" if draft.about in ADULT_ABOUT else "actions_taken")


async def on_actions_taken(turn: Turn) -> Outcome[Step]:
    """Stores what has been done and asks who else knows."""
    text = _answer(turn)
    if isinstance(text, Retry):
        return text
    draft = _draft(turn)
    draft.actions_taken = text[:MAX_ANSWER]
    _keep(turn, draft)
    return _then(turn, "others_aware")


async def on_others_aware(turn: Turn) -> Outcome[Step]:
    """Stores who else knows and asks who was there."""
    text = _answer(turn)
    if isinstance(text, Retry):
        return text
    draft = _draft(turn)
    draft.others_aware = text[:2_000]
    _keep(turn, draft)
    return _then(turn, "present")


async def ask_present(turn: Turn) -> Reply:
    return Reply(turn.t("raise.present.question"), (Choice("nobody", turn.t("raise.present.nobody")),),
                 expects="text")


async def on_present(turn: Turn) -> Outcome[Step]:
    """Stores who was present; a concern about an adult then goes to the review, a child's to "told"."""
    draft = _draft(turn)
    if turn.choice == "nobody":
        draft.present = turn.t("raise.present.nobody")
    else:
        text = _answer(turn)
        if isinstance(text, Retry):
            return text
        draft.present = text[:2_000]
    _keep(turn, draft)
    return _then(turn, "review" if draft.about in ADULT_ABOUT else "child_told")


async def ask_child_told(turn: Turn) -> Reply:
    person = _person(turn, _draft(turn))
    return Reply(turn.t("raise.child_told.question", person=person),
                 tuple(Choice(i, turn.t(f"raise.child_told.{i}", person=person)) for i in CHILD_TOLD),
                 expects="choice")


async def on_child_told(turn: Turn) -> Outcome[Step]:
    """Stores whether the child was told it will be shared (never promised secrecy) and shows the review."""
    person = _person(turn, _draft(turn))
    options = [(i, turn.t(f"raise.child_told.{i}", person=person)) for i in CHILD_TOLD]
    told = turn.choice or pick(turn.text, options)
    if told is None and turn.choice is None:
        told = {True: "yes", False: "no", None: None}[yes_no(turn.text)]
    if told not in CHILD_TOLD:
        return Retry(Reply(turn.t("common.pick_one")))
    draft = _draft(turn)
    draft.child_told = told
    _keep(turn, draft)
    turn.data.pop("_editing", None)
    return Next("review")


# --- review and submit ------------------------------------------------------------------------

def review_facts(turn: Turn, draft: ConcernDraft) -> tuple[tuple[str, str], ...]:
    """Returns the draft as label/value pairs for the review."""
    return draft_facts(turn.t, dict(_category_options(turn)), draft)


def _as_typed(occurred_at: str) -> str:
    """When it happened, as stored: the school's local time the reporter gave ("2026-11-24 14:30")."""
    return occurred_at.replace("T", " ")[:16]


def when_fact(t: Callable[..., str], draft: ConcernDraft, when: Callable[[str], str] = _as_typed) -> str:
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
                when: Callable[[str], str] = _as_typed) -> tuple[tuple[str, str], ...]:
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


def _editable(draft: ConcernDraft) -> tuple[Step, ...]:
    return ADULT_EDITABLE if draft.about in ADULT_ABOUT else CHILD_EDITABLE


def _review_options(turn: Turn, draft: ConcernDraft) -> list[tuple[str, str]]:
    options = [("submit", turn.t("raise.review.submit_adult" if draft.about in ADULT_ABOUT else "raise.review.submit"))]
    options += [(f"edit:{name}", turn.t(f"raise.review.edit.{name}")) for name in _editable(draft)]
    return [*options, ("cancel", turn.t("raise.review.cancel"))]


async def ask_review(turn: Turn) -> Reply:
    draft = _draft(turn)
    choices = tuple(Choice(i, label) for i, label in _review_options(turn, draft))
    return Reply(turn.t("raise.review.question"), choices, expects="choice", facts=review_facts(turn, draft))


async def on_review(turn: Turn) -> Outcome[Step]:
    """Submits the concern, or goes back to the answer to be changed."""
    draft = _draft(turn)
    choice = turn.choice or pick(turn.text, _review_options(turn, draft))
    if choice == "cancel":
        return Done(*(await cancel_concern(turn)), Reply(turn.t("engine.cancelled")))
    editing = {f"edit:{name}": name for name in _editable(draft)}.get(choice or "")
    if editing:
        turn.data["_editing"] = True
        return Next(editing)
    if choice != "submit":
        return Retry(Reply(turn.t("common.pick_one")))
    receipt = await turn.services.desk.submit(turn.person, draft, turn.once("submit"))
    return Done(Reply(receipt_text(turn, draft, receipt), urgent=receipt.urgent))


def receipt_text(turn: Turn, draft: ConcernDraft, receipt: Receipt) -> str:
    """The receipt: where it went, the reference, the reminders, and the truth out of hours or on the demo."""
    contacts = _contacts(turn)
    if draft.about in ADULT_ABOUT:
        text = _adult_receipt(turn, draft, receipt, contacts)
    else:
        text = turn.t("raise.receipt", reference=receipt.reference, person=_person(turn, draft))
        if draft.about == "learner":
            care = turn.services.directory.adult_social_care()
            text += "\n" + turn.t("raise.learner_note", adult_care=care.name + (f" ({care.phone})" if care.phone
                                                                                 else "") if care else
                                  turn.t("raise.learner_no_contact"))
        if contacts.out_of_hours:
            text += "\n\n" + out_of_hours_text(turn, contacts, told="raise.receipt_out_of_hours")
    if contacts.demo:
        text += "\n\n" + turn.t("raise.demo_receipt")
    return text


def _adult_receipt(turn: Turn, draft: ConcernDraft, receipt: Receipt, contacts: Contacts) -> str:
    """Where a concern about an adult went and who to speak to: the head, the chair, or the LADO directly."""
    lado = contacts.lado
    holder = receipt.holder or (contacts.chair_of_governors if draft.about == "head" else contacts.headteacher)
    if draft.adult_route == "lado":
        first = turn.t("raise.adult_receipt.lado", name=lado.name, phone=lado.phone, email=lado.email,
                       holder=holder.name, role=holder.role)
    else:
        first = turn.t("raise.adult_receipt.holder", name=holder.name, role=holder.role, phone=holder.phone,
                       email=holder.email, lado=lado.name, lado_phone=lado.phone)
    extra = turn.t("raise.adult_receipt.extremism", police=contacts.police_prevent.name,
                   police_phone=contacts.police_prevent.phone) if draft.adult_kind == "extremism" else ""
    return "\n".join(x for x in (turn.t("raise.adult_receipt.intro", reference=receipt.reference), first, extra,
                                 turn.t("raise.adult_receipt.whistleblowing")) if x)


async def cancel_concern(turn: Turn) -> tuple[Reply, ...]:
    """On cancel, keeps what an urgent concern already told the alerted people; drops anything else."""
    draft = _draft(turn)
    if not draft.reference:
        return ()
    await turn.services.desk.submit(turn.person, draft, turn.once("submit"))  # a run submits at most once
    return (Reply(turn.t("raise.cancel_urgent", reference=draft.reference), urgent=True),)


async def setup(turn: Turn, params: dict[str, str]) -> Outcome[Step] | None:
    """Keeps a link to the message the concern was raised from, when there is one."""
    if params.get("link"):
        _keep(turn, ConcernDraft(source_link=params["link"]))
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
        "adult_kind": State(ask_adult_kind, on_adult_kind),
        "adult_route": State(ask_adult_route, on_adult_route),
        "adult_name": _text_state("raise.adult_name.question", on_adult_name),
        "pupil": State(ask_pupil, on_pupil),
        "pupils": _text_state("raise.pupils.question", on_pupils),
        "year_group": _text_state("raise.year_group.question", on_year_group),
        "seen_heard": State(ask_seen_heard, on_seen_heard),
        "seen_more": State(ask_seen_more, on_seen_more),
        "child_words": State(ask_child_words, on_child_words),
        "category": State(ask_category, on_category),
        "indicators": State(ask_indicators, on_indicators),
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
)
