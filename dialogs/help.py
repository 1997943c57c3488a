"""Short answers from the editable content file: Prevent, signs, Channel, sharing, and more."""

from __future__ import annotations

from typing import Literal

from dialogs.engine import THEN, Dialog, Done, Next, Outcome, Retry, Shown, State, Turn
from dialogs.intents import pick, reports, topic_of
from dialogs.messages import Choice, Reply

Step = Literal["topic", "unsure"]  # the diagram's (who.mmd) help states
UNSURE = ("raise", "learn")


async def ask_topic(turn: Turn) -> Reply:
    topics = turn.services.words.help_topics()
    return Reply(turn.t("help.question"), tuple(Choice(i, title) for i, title in topics),
                 expects="choice")


async def on_topic(turn: Turn) -> Outcome[Step]:
    """Shows the chosen help topic and ends."""
    topics = turn.services.words.help_topics()
    topic = turn.choice or pick(turn.text, topics, cutoff=0.5) or (topic_of(turn.text) if turn.text else None)
    if topic not in {i for i, _ in topics}:
        return Retry(Reply(turn.t("common.pick_one")))
    return Done(Reply(turn.t(f"help.topic.{topic}")))


async def ask_unsure(turn: Turn) -> Reply:
    choices = tuple(Choice(i, turn.t(f"help.unsure.{i}")) for i in UNSURE)
    return Reply(turn.t("help.unsure.question"), choices, expects="choice")


async def on_unsure(turn: Turn) -> Outcome[Step]:
    """Begins a concern, or shows the topic, as the person chose (never guessing which)."""
    options = [(i, turn.t(f"help.unsure.{i}")) for i in UNSURE]
    said = turn.choice or pick(turn.text, options, cutoff=0.5)
    if said is None and turn.choice is None:
        said = "raise" if reports(turn.text) else "learn" if topic_of(turn.text) else None
    if said == "raise":
        turn.data[THEN] = "raise_concern"
        return Done()
    if said == "learn":
        return Done(Reply(turn.t(f"help.topic.{turn.data.get('topic') or 'signs'}")))
    return Retry(Reply(turn.t("common.pick_one")))


async def help_setup(turn: Turn, params: dict[str, str]) -> Outcome[Step] | None:
    """Asks whether someone wants to tell or to learn, when their words could be either."""
    if params.get("unsure") not in {i for i, _ in turn.services.words.help_topics()}:
        return None
    turn.data["topic"] = params["unsure"]
    return Next("unsure")


DIALOG: Dialog[Step] = Dialog(name="help", first="topic", states={"topic": State(ask_topic, on_topic),
                                                                  "unsure": State(ask_unsure, on_unsure)},
                              setup=help_setup)


async def mine_setup(turn: Turn, params: dict[str, str]) -> Outcome[Shown] | None:
    """Shows the reporter their own concerns, reference and status only, and ends."""
    mine = await turn.services.desk.mine(turn.person)
    if not mine:
        return Done(Reply(turn.t("mine.none")))
    facts = tuple((reference, turn.t(f"status.{status}")) for reference, status in mine)
    return Done(Reply(turn.t("mine.intro"), facts=facts))


MINE: Dialog[Shown] = Dialog(name="mine", first="show", states={}, setup=mine_setup)
