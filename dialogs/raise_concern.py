"""Raising a concern, in the order DOMAIN.md gives: danger, who, what kind, what, when, where, done."""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

from dialogs.engine import Dialog, Done, Handle, Next, Outcome, Retry, State, Turn
from dialogs.intents import normalise, pick, yes_no
from dialogs.messages import Choice, Reply
from dialogs.ports import ConcernDraft
from dialogs.when import parse_when

MAX_ANSWER = 20_000
PREVENT_CATEGORY = "radicalisation"
IMAGE_WARNING_CATEGORIES = ("sexual_abuse", "online_safety", "exploitation")
ABOUT = ("child", "children", "adult")  # who a concern is about
Step = Literal["danger", "about", "adult_head", "pupil", "pupils", "year_group", "category", "indicators", "seen_heard",
               "child_words", "when", "place", "actions_taken", "others_aware", "review"]  # the diagram's states
EDITABLE: tuple[Step, ...] = ("about", "category", "seen_heard", "child_words", "when", "place", "actions_taken",
            "others_aware")
_ABOUT_NEXT: dict[str, Step] = {"child": "pupil", "children": "pupils", "adult": "adult_head"}


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


def _yes_no_choices(turn: Turn) -> tuple[Choice, ...]:
    return (Choice("yes", turn.t("common.yes")), Choice("no", turn.t("common.no")))


def _answer(turn: Turn) -> str | Retry:
    """Returns the text answer, or a kind Retry if it is empty or too long."""
    text = turn.text
    if turn.choice is not None or not text:
        return Retry(Reply(turn.t("raise.empty")))
    if len(text) > MAX_ANSWER:
        return Retry(Reply(turn.t("raise.too_long", limit=MAX_ANSWER)))
    return text


# --- danger -----------------------------------------------------------------------------------

async def ask_danger(turn: Turn) -> Reply:
    return Reply(turn.t("raise.danger.question"), _yes_no_choices(turn), expects="choice")


async def on_danger(turn: Turn) -> Outcome[Step]:
    """Stores whether anyone is in immediate danger (alerting the DSL team at once) and asks who."""
    answer = turn.choice if turn.choice in ("yes", "no") else yes_no(turn.text)
    if answer is None or (turn.choice is not None and turn.choice not in ("yes", "no")):
        return Retry(Reply(turn.t("raise.danger.unclear")))
    draft = _draft(turn)
    if answer in (True, "yes"):
        draft.urgent = True
        if not draft.reference:
            draft.reference = await turn.services.desk.raise_urgent(turn.person, draft, turn.once("urgent"))
        _keep(turn, draft)
        guidance = Reply(turn.t("raise.danger.call_999", reference=draft.reference), urgent=True)
        return _then(turn, "about", guidance)
    _keep(turn, draft)
    return _then(turn, "about")


# --- who --------------------------------------------------------------------------------------

def _about_options(turn: Turn) -> list[tuple[str, str]]:
    return [(about, turn.t(f"raise.about.{about}")) for about in ABOUT]


async def ask_about(turn: Turn) -> Reply:
    options = _about_options(turn)
    return Reply(turn.t("raise.about.question"), tuple(Choice(i, label) for i, label in options),
                 expects="choice")


async def on_about(turn: Turn) -> Outcome[Step]:
    """Stores who the concern is about and asks for their name, or starts the allegation route."""
    about = turn.choice or pick(turn.text, _about_options(turn))
    if about not in ABOUT:
        return Retry(Reply(turn.t("common.pick_one")))
    draft = _draft(turn)
    draft.about = about
    _keep(turn, draft)
    return Next(_ABOUT_NEXT[about])


async def ask_adult_head(turn: Turn) -> Reply:
    return Reply(turn.t("raise.adult.question"), _yes_no_choices(turn), expects="choice")


async def on_adult_head(turn: Turn) -> Outcome[Step]:
    """Directs an allegation about an adult to the headteacher or chair of governors; ends."""
    answer = turn.choice if turn.choice in ("yes", "no") else yes_no(turn.text)
    if answer is None:
        return Retry(Reply(turn.t("common.yes_or_no")))
    about_head = answer in (True, "yes")
    await turn.services.desk.note_allegation_route(turn.person, about_head, turn.once("allegation"))
    contacts = turn.services.directory.contacts(turn.now)
    lead = contacts.chair_of_governors if about_head else contacts.headteacher
    text = turn.t("raise.adult.guidance", name=lead.name, role=lead.role, phone=lead.phone,
                  email=lead.email, lado=contacts.lado.name, lado_phone=contacts.lado.phone)
    replies = [Reply(text)]
    draft = _draft(turn)
    if draft.reference:
        replies.append(Reply(turn.t("raise.adult.urgent_already", reference=draft.reference)))
    return Done(*replies)


# --- the child or children --------------------------------------------------------------------

def _looks_like_full_name(text: str) -> bool:
    """True when the name has at least two words that are not initials."""
    words = [w.strip(".") for w in normalise(text).split()]
    return len([w for w in words if len(w) >= 2]) >= 2


async def on_pupil(turn: Turn) -> Outcome[Step]:
    """Stores the child's full name and asks for their year or class."""
    text = _answer(turn)
    if isinstance(text, Retry):
        return text
    if not _looks_like_full_name(text):
        return Retry(Reply(turn.t("raise.pupil.full_name")))
    draft = _draft(turn)
    draft.pupils = text
    _keep(turn, draft)
    return Next("year_group")


async def on_pupils(turn: Turn) -> Outcome[Step]:
    """Stores the children's names and asks for their years or classes."""
    text = _answer(turn)
    if isinstance(text, Retry):
        return text
    draft = _draft(turn)
    draft.pupils = text
    _keep(turn, draft)
    return Next("year_group")


def _names_in(text: str, names: str) -> bool:
    """True when the text holds a word of the children's names (or one with 's after it)."""
    name_words = {w for w in normalise(names).split() if len(w) >= 2 and w != "and"}
    return any(w in name_words or w.removesuffix("s") in name_words for w in normalise(text).split())


async def on_year_group(turn: Turn) -> Outcome[Step]:
    """Stores the year group or class and asks what kind of concern it is."""
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
    return _then(turn, "category")


# --- what kind --------------------------------------------------------------------------------

async def ask_category(turn: Turn) -> Reply:
    choices = tuple(Choice(i, label) for i, label in turn.services.directory.categories())
    return Reply(turn.t("raise.category.question"), choices, expects="choice")


async def on_category(turn: Turn) -> Outcome[Step]:
    """Stores the category and asks the questions that category needs next."""
    options = turn.services.directory.categories()
    category = turn.choice or pick(turn.text, options)
    if category not in {i for i, _ in options}:
        return Retry(Reply(turn.t("common.pick_one")))
    draft = _draft(turn)
    draft.category = category
    if category == PREVENT_CATEGORY:
        _keep(turn, draft)
        return Next("indicators")
    draft.indicators = ""
    _keep(turn, draft)
    if category in IMAGE_WARNING_CATEGORIES:
        return _then(turn, "seen_heard", Reply(turn.t("raise.images_warning")))
    return _then(turn, "seen_heard")


async def ask_indicators(turn: Turn) -> Reply:
    return Reply(turn.t("raise.indicators.question"),
                 (Choice("none", turn.t("raise.indicators.none")),), expects="text")


async def on_indicators(turn: Turn) -> Outcome[Step]:
    """Stores the Prevent indicators noticed and asks what was seen or heard."""
    if turn.choice == "none":
        text = turn.t("raise.indicators.none")
    else:
        answer = _answer(turn)
        if isinstance(answer, Retry):
            return answer
        text = answer
    draft = _draft(turn)
    draft.indicators = text
    _keep(turn, draft)
    return _then(turn, "seen_heard")


# --- what, when, where, what was done ---------------------------------------------------------

async def on_seen_heard(turn: Turn) -> Outcome[Step]:
    """Stores what was seen or heard and asks for the child's own words."""
    text = _answer(turn)
    if isinstance(text, Retry):
        return text
    draft = _draft(turn)
    draft.seen_heard = text
    _keep(turn, draft)
    return _then(turn, "child_words")


async def ask_child_words(turn: Turn) -> Reply:
    return Reply(turn.t("raise.child_words.question"),
                 (Choice("none", turn.t("raise.child_words.none")),), expects="text")


async def on_child_words(turn: Turn) -> Outcome[Step]:
    """Stores the child's exact words and asks when it happened."""
    if turn.choice == "none":
        text = turn.t("raise.child_words.none")
    else:
        answer = _answer(turn)
        if isinstance(answer, Retry):
            return answer
        text = answer
    draft = _draft(turn)
    draft.child_words = text
    _keep(turn, draft)
    return _then(turn, "when")


async def ask_when(turn: Turn) -> Reply:
    return Reply(turn.t("raise.when.question"), (Choice("now", turn.t("raise.when.now")),),
                 expects="date")


async def on_when(turn: Turn) -> Outcome[Step]:
    """Stores when it happened (refusing the future) and asks where."""
    result = parse_when("now" if turn.choice == "now" else turn.text, turn.now)
    if result.at is None:
        return Retry(Reply(turn.t(f"raise.when.{result.problem or 'unreadable'}")))
    draft = _draft(turn)
    draft.occurred_at = result.at.isoformat(timespec="minutes")
    _keep(turn, draft)
    return _then(turn, "place")


async def on_place(turn: Turn) -> Outcome[Step]:
    """Stores where it happened and asks what has been done already."""
    text = _answer(turn)
    if isinstance(text, Retry):
        return text
    draft = _draft(turn)
    draft.place = text
    _keep(turn, draft)
    return _then(turn, "actions_taken")


async def on_actions_taken(turn: Turn) -> Outcome[Step]:
    """Stores what has been done and asks who else knows."""
    text = _answer(turn)
    if isinstance(text, Retry):
        return text
    draft = _draft(turn)
    draft.actions_taken = text
    _keep(turn, draft)
    return _then(turn, "others_aware")


async def on_others_aware(turn: Turn) -> Outcome[Step]:
    """Stores who else knows and shows the review."""
    text = _answer(turn)
    if isinstance(text, Retry):
        return text
    draft = _draft(turn)
    draft.others_aware = text
    _keep(turn, draft)
    turn.data.pop("_editing", None)
    return Next("review")


# --- review and submit ------------------------------------------------------------------------

def review_facts(turn: Turn, draft: ConcernDraft) -> tuple[tuple[str, str], ...]:
    """Returns the draft as label/value pairs for the review."""
    return draft_facts(turn.t, dict(turn.services.directory.categories()), draft)


def _as_typed(occurred_at: str) -> str:
    """When it happened, as stored: the school's local time the reporter gave ("2026-11-24 14:30")."""
    return occurred_at.replace("T", " ")[:16]


def draft_facts(t: Callable[..., str], categories: dict[str, str], draft: ConcernDraft,
                when: Callable[[str], str] = _as_typed) -> tuple[tuple[str, str], ...]:
    """Returns a concern as label/value pairs in the dialogs' wording (the review, the DSL's view, the CLI)."""
    about = t(f"raise.about.{draft.about}") if draft.about in ABOUT else draft.about
    facts = [
        (t("fact.urgent"), t("common.yes") if draft.urgent else t("common.no")),
        (t("fact.about"), about),
        (t("fact.pupils"), draft.pupils),
        (t("fact.year_group"), draft.year_group),
        (t("fact.category"), categories.get(draft.category, draft.category)),
    ]
    if draft.indicators:
        facts.append((t("fact.indicators"), draft.indicators))
    facts += [
        (t("fact.seen_heard"), draft.seen_heard),
        (t("fact.child_words"), draft.child_words),
        (t("fact.when"), when(draft.occurred_at) if draft.occurred_at else ""),
        (t("fact.place"), draft.place),
        (t("fact.actions_taken"), draft.actions_taken),
        (t("fact.others_aware"), draft.others_aware),
    ]
    if draft.source_link:
        facts.append((t("fact.source_link"), draft.source_link))
    return tuple(facts)


async def ask_review(turn: Turn) -> Reply:
    draft = _draft(turn)
    choices = [Choice("submit", turn.t("raise.review.submit"))]
    choices += [Choice(f"edit:{name}", turn.t(f"raise.review.edit.{name}")) for name in EDITABLE]
    choices.append(Choice("cancel", turn.t("raise.review.cancel")))
    return Reply(turn.t("raise.review.question"), tuple(choices), expects="choice",
                 facts=review_facts(turn, draft))


async def on_review(turn: Turn) -> Outcome[Step]:
    """Submits the concern, or goes back to the answer to be changed."""
    options = [("submit", turn.t("raise.review.submit"))]
    options += [(f"edit:{n}", turn.t(f"raise.review.edit.{n}")) for n in EDITABLE]
    choice = turn.choice or pick(turn.text, options)
    if choice == "cancel":
        return Done(*(await cancel_concern(turn)), Reply(turn.t("engine.cancelled")))
    editing = {f"edit:{name}": name for name in EDITABLE}.get(choice or "")
    if editing:
        turn.data["_editing"] = True
        return Next(editing)
    if choice != "submit":
        return Retry(Reply(turn.t("common.pick_one")))
    draft = _draft(turn)
    receipt = await turn.services.desk.submit(turn.person, draft, turn.once("submit"))
    return Done(Reply(turn.t("raise.receipt", reference=receipt.reference), urgent=receipt.urgent))


async def cancel_concern(turn: Turn) -> tuple[Reply, ...]:
    """On cancel, keeps what an urgent concern already told the DSL team; drops anything else."""
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
    """Starting again keeps only an urgent alert's reference, so the DSL team's alert stays linked."""
    old = draft_in(data)
    kept = ConcernDraft(urgent=old.urgent, reference=old.reference, source_link=old.source_link)
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
        "adult_head": State(ask_adult_head, on_adult_head),
        "pupil": _text_state("raise.pupil.question", on_pupil),
        "pupils": _text_state("raise.pupils.question", on_pupils),
        "year_group": _text_state("raise.year_group.question", on_year_group),
        "category": State(ask_category, on_category),
        "indicators": State(ask_indicators, on_indicators),
        "seen_heard": _text_state("raise.seen_heard.question", on_seen_heard),
        "child_words": State(ask_child_words, on_child_words),
        "when": State(ask_when, on_when),
        "place": _text_state("raise.place.question", on_place),
        "actions_taken": _text_state("raise.actions_taken.question", on_actions_taken),
        "others_aware": _text_state("raise.others_aware.question", on_others_aware),
        "review": State(ask_review, on_review),
    },
    on_cancel=cancel_concern,
    setup=setup,
    on_restart=keep_on_restart,
)
