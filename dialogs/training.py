"""Training: "I've done my training", "my training", recording for others (DSL) and policy reviews."""

from __future__ import annotations

import re
from datetime import date
from typing import Literal

from dialogs.engine import Dialog, Done, Next, Outcome, Retry, Shown, State, Turn
from dialogs.intents import pick
from dialogs.messages import Choice, Reply
from dialogs.ports import NotPermitted, TrainingDesk, UnknownPerson
from dialogs.when import parse_when

MAX_CERTIFICATE = 1000
Recording = Literal["who", "course", "completed_on", "certificate"]  # training.mmd's states, recording training
Reviewing = Literal["reviewed_on", "note"]  # and reviewing a policy
_POLICY_KEY = re.compile(r"[a-z0-9_]{1,60}")  # as the school file's policy keys are written


def _desk(turn: Turn) -> TrainingDesk:
    desk = turn.services.training
    if desk is None:
        raise NotPermitted("training is not set up")
    return desk


def _day(turn: Turn) -> date | str:
    """Reads a day ("today", "yesterday", 12/03/2026); returns the problem text if it can't."""
    said = "today" if turn.choice == "today" else turn.text
    end_of_today = turn.now.replace(hour=23, minute=59)
    result = parse_when(said, end_of_today)
    if result.at is None:
        return turn.t(f"training.date_{result.problem or 'unreadable'}")
    return result.at.date()


async def done_setup(turn: Turn, params: dict[str, str]) -> Outcome[Recording] | None:
    """Starts recording training: for someone else (DSL only), or for a given course."""
    if params.get("for") == "other":
        if not turn.person.is_dsl:
            return Done(Reply(turn.t("training.only_dsl")))
        return Next("who")
    if params.get("course") in {c for c, _ in await _desk(turn).courses_for(turn.person)}:
        turn.data["course"] = params["course"]
        return Next("completed_on")
    return None


async def ask_who(turn: Turn) -> Reply:
    return Reply(turn.t("training.who"), expects="text")


async def on_who(turn: Turn) -> Outcome[Recording]:
    """Stores whose training is being recorded and asks which course."""
    email = turn.text.strip().lower()
    if "@" not in email:
        return Retry(Reply(turn.t("training.who_email")))
    try:
        await _desk(turn).statuses(turn.person, email)
    except UnknownPerson:
        return Retry(Reply(turn.t("training.who_unknown", email=email)))
    turn.data["for"] = email
    return Next("course")


async def ask_course(turn: Turn) -> Reply:
    courses = await _desk(turn).courses_for(turn.person)
    return Reply(turn.t("training.course"), tuple(Choice(i, t) for i, t in courses), expects="choice")


async def on_course(turn: Turn) -> Outcome[Recording]:
    """Stores the course and asks when it was completed."""
    courses = await _desk(turn).courses_for(turn.person)
    chosen = turn.choice or pick(turn.text, courses, cutoff=0.5)
    if chosen not in {i for i, _ in courses}:
        return Retry(Reply(turn.t("common.pick_one")))
    turn.data["course"] = chosen
    return Next("completed_on")


async def ask_completed_on(turn: Turn) -> Reply:
    return Reply(turn.t("training.when"), (Choice("today", turn.t("training.today")),), expects="date")


async def on_completed_on(turn: Turn) -> Outcome[Recording]:
    """Stores the completion date (not in the future) and asks for a certificate."""
    day = _day(turn)
    if not isinstance(day, date):
        return Retry(Reply(str(day)))
    turn.data["completed_on"] = day.isoformat()
    return Next("certificate")


async def ask_certificate(turn: Turn) -> Reply:
    return Reply(turn.t("training.certificate"), (Choice("none", turn.t("training.no_certificate")),),
                 expects="text")


async def on_certificate(turn: Turn) -> Outcome[Recording]:
    """Stores the optional certificate link or file name, records the training, and ends."""
    certificate = "" if turn.choice == "none" else turn.text.strip()[:MAX_CERTIFICATE]
    if turn.choice is not None and turn.choice != "none":
        return Retry(Reply(turn.t("common.pick_one")))
    for_email = turn.data.get("for")
    try:
        whose = await _desk(turn).record(turn.person, str(turn.data["course"]),
                                         date.fromisoformat(str(turn.data["completed_on"])), certificate,
                                         str(for_email) if for_email else None, turn.once("record"))
    except NotPermitted:
        return Done(Reply(turn.t("training.only_dsl")))
    titles = dict(await _desk(turn).courses_for(turn.person))
    course = titles.get(str(turn.data["course"]), str(turn.data["course"]))
    return Done(Reply(turn.t("training.recorded", name=whose, course=course, date=turn.data["completed_on"])))


DONE: Dialog[Recording] = Dialog(
    name="training_done",
    first="course",
    states={
        "who": State(ask_who, on_who),
        "course": State(ask_course, on_course),
        "completed_on": State(ask_completed_on, on_completed_on),
        "certificate": State(ask_certificate, on_certificate),
    },
    setup=done_setup,
)


async def mine_setup(turn: Turn, params: dict[str, str]) -> Outcome[Shown] | None:
    """Shows what training is current, due and overdue and where to do it, with a button to record some, and ends."""
    statuses = await _desk(turn).statuses(turn.person)
    facts = tuple((s.title, turn.t("training.mine_line", where=s.where or turn.t("training.where_unknown"),
                                   state=turn.t(f"training.state.{s.state}", due=s.due_on or "-",
                                                done=s.last_done or "never")))
                  for s in statuses)
    choices = tuple(Choice(f"go:training_done?course={s.course}", turn.t("training.record_button", title=s.title))
                    for s in statuses if s.state != "current")
    return Done(Reply(turn.t("training.mine"), choices[:5], expects="choice" if choices else "nothing", facts=facts))


MINE: Dialog[Shown] = Dialog(name="my_training", first="show", states={}, setup=mine_setup)


async def review_setup(turn: Turn, params: dict[str, str]) -> Outcome[Reviewing] | None:
    """Checks the person owns the policy (or is DSL), then asks when it was reviewed."""
    key = params.get("policy", "")
    if _POLICY_KEY.fullmatch(key) is None:  # a forged button: not a key the school file could hold
        return Done(Reply(turn.t("policy.not_yours")))
    try:
        turn.data["title"] = await _desk(turn).policy_title(turn.person, key)
    except (NotPermitted, UnknownPerson):
        return Done(Reply(turn.t("policy.not_yours")))
    turn.data["policy"] = key
    return Next("reviewed_on")


async def ask_reviewed_on(turn: Turn) -> Reply:
    return Reply(turn.t("policy.when", title=turn.data.get("title")), (Choice("today", turn.t("training.today")),),
                 expects="date")


async def on_reviewed_on(turn: Turn) -> Outcome[Reviewing]:
    """Stores the review date and asks for a short note."""
    day = _day(turn)
    if not isinstance(day, date):
        return Retry(Reply(str(day)))
    turn.data["reviewed_on"] = day.isoformat()
    return Next("note")


async def ask_note(turn: Turn) -> Reply:
    return Reply(turn.t("policy.note"), expects="text")


async def on_note(turn: Turn) -> Outcome[Reviewing]:
    """Records the review with its note and ends."""
    if not turn.text:
        return Retry(Reply(turn.t("policy.note_needed")))
    title = await _desk(turn).review_policy(turn.person, str(turn.data["policy"]),
                                            date.fromisoformat(str(turn.data["reviewed_on"])), turn.text,
                                            turn.once("review"))
    return Done(Reply(turn.t("policy.recorded", title=title, date=turn.data["reviewed_on"])))


REVIEW: Dialog[Reviewing] = Dialog(name="policy_review", first="reviewed_on",
                states={"reviewed_on": State(ask_reviewed_on, on_reviewed_on), "note": State(ask_note, on_note)},
                setup=review_setup)
