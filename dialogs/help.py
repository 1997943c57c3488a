"""Short answers from the editable content file: Prevent, signs, Channel, sharing, and more."""

from __future__ import annotations

from typing import Literal

from dialogs.engine import Dialog, Done, Outcome, Retry, Shown, State, Turn
from dialogs.intents import pick
from dialogs.messages import Choice, Reply

Step = Literal["topic"]  # the diagram's (who.mmd) only help state


async def ask_topic(turn: Turn) -> Reply:
    topics = turn.services.words.help_topics()
    return Reply(turn.t("help.question"), tuple(Choice(i, title) for i, title in topics),
                 expects="choice")


async def on_topic(turn: Turn) -> Outcome[Step]:
    """Shows the chosen help topic and ends."""
    topics = turn.services.words.help_topics()
    topic = turn.choice or pick(turn.text, topics, cutoff=0.5)
    if topic not in {i for i, _ in topics}:
        return Retry(Reply(turn.t("common.pick_one")))
    return Done(Reply(turn.t(f"help.topic.{topic}")))


DIALOG: Dialog[Step] = Dialog(name="help", first="topic", states={"topic": State(ask_topic, on_topic)})


async def mine_setup(turn: Turn, params: dict[str, str]) -> Outcome[Shown] | None:
    """Shows the reporter their own concerns, reference and status only, and ends."""
    mine = await turn.services.desk.mine(turn.person)
    if not mine:
        return Done(Reply(turn.t("mine.none")))
    facts = tuple((reference, turn.t(f"status.{status}")) for reference, status in mine)
    return Done(Reply(turn.t("mine.intro"), facts=facts))


MINE: Dialog[Shown] = Dialog(name="mine", first="show", states={}, setup=mine_setup)
