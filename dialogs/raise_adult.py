"""Raising a concern about an adult who works with children (KCSIE Part 4): what kind, which route, who."""

from __future__ import annotations

from dialogs.concern_draft import ADULT_KINDS, Step, answer_text, choices_of, contacts_now, draft_of, keep, then
from dialogs.engine import Next, Outcome, Retry, Turn
from dialogs.intents import pick
from dialogs.messages import Reply
from dialogs.ports import ConcernDraft, Contacts, Receipt


async def ask_adult_kind(turn: Turn) -> Reply:
    return Reply(turn.t("raise.adult_kind.question"), choices_of(turn, *ADULT_KINDS, prefix="raise.adult_kind"),
                 expects="choice")


async def on_adult_kind(turn: Turn) -> Outcome[Step]:
    """Stores whether it is an allegation, a low-level concern or a worry about extremism."""
    options = [(k, turn.t(f"raise.adult_kind.{k}")) for k in ADULT_KINDS]
    kind = turn.choice or pick(turn.text, options)
    if kind not in ADULT_KINDS:
        return Retry(Reply(turn.t("common.pick_one")))
    draft = draft_of(turn)
    draft.adult_kind = kind
    draft.adult_route = "head" if kind != "allegation" else draft.adult_route
    keep(turn, draft)
    if kind == "allegation" and draft.about != "head":
        return Next("adult_route")
    return _after_route(turn, draft)


def _after_route(turn: Turn, draft: ConcernDraft) -> Outcome[Step]:
    if draft.about == "adult":
        return Next("adult_name")
    return Next("seen_heard")


async def ask_adult_route(turn: Turn) -> Reply:
    head = contacts_now(turn).headteacher
    return Reply(turn.t("raise.adult_route.question", head=head.name),
                 choices_of(turn, "head", "lado", prefix="raise.adult_route"), expects="choice")


async def on_adult_route(turn: Turn) -> Outcome[Step]:
    """Stores whether the allegation goes to the head or, where telling the head is a conflict, to the LADO."""
    options = [(r, turn.t(f"raise.adult_route.{r}")) for r in ("head", "lado")]
    chosen = turn.choice or pick(turn.text, options)
    if chosen not in ("head", "lado"):
        return Retry(Reply(turn.t("common.pick_one")))
    draft = draft_of(turn)
    draft.adult_route = chosen
    keep(turn, draft)
    return _after_route(turn, draft)


async def on_adult_name(turn: Turn) -> Outcome[Step]:
    """Stores the adult's name and role."""
    text = answer_text(turn)
    if isinstance(text, Retry):
        return text
    if len(text) > 200:
        return Retry(Reply(turn.t("raise.adult_name.short")))
    draft = draft_of(turn)
    draft.adult_name = text
    keep(turn, draft)
    return then(turn, "seen_heard")


def adult_receipt(turn: Turn, draft: ConcernDraft, receipt: Receipt, contacts: Contacts) -> str:
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
