"""Offers to pause the dialog under way when someone asks for another one by name, and carries it on after."""

from __future__ import annotations

from typing import Literal

from dialogs.engine import THEN, Dialog, Done, Next, Outcome, Retry, State, Turn
from dialogs.intents import pick, yes_no_said
from dialogs.messages import Choice, Reply

Step = Literal["offer"]  # the diagram's (who.mmd) only pause state


def _names(turn: Turn) -> tuple[str, str]:
    """The dialog under way and the one asked for, in words."""
    outer = turn.data.get("_outer")
    now = str(outer.get("dialog", "")) if isinstance(outer, dict) else ""
    return turn.t(f"dialog.{now}"), turn.t(f"dialog.{turn.data.get('to', '')}")


async def ask_offer(turn: Turn) -> Reply:
    now, wanted = _names(turn)
    choices = (Choice("yes", turn.t("pause.yes", wanted=wanted)), Choice("no", turn.t("pause.no", now=now)))
    return Reply(turn.t("pause.question", now=now, wanted=wanted), choices, expects="choice")


def _yes_no_id(text: str) -> str:
    answer = yes_no_said(text)
    return "" if answer is None else "yes" if answer else "no"


async def on_offer(turn: Turn) -> Outcome[Step]:
    """Pauses the dialog under way and begins the one asked for, or carries on with the first."""
    now, wanted = _names(turn)
    options = [("yes", turn.t("pause.yes", wanted=wanted)), ("no", turn.t("pause.no", now=now))]
    said = turn.choice or pick(turn.text, options) or _yes_no_id(turn.text)
    if said == "yes":
        turn.data[THEN] = str(turn.data.get("to", ""))
        return Done(Reply(turn.t("pause.paused", now=now)))
    if said == "no":
        return Done()
    return Retry(Reply(turn.t("common.pick_one")))


async def pause_setup(turn: Turn, params: dict[str, str]) -> Outcome[Step] | None:
    """Keeps the dialog asked for, to begin it if the person says yes."""
    turn.data["to"] = params.get("to", "")
    return Next("offer")


DIALOG: Dialog[Step] = Dialog(name="pause", first="offer", states={"offer": State(ask_offer, on_offer)},
                              setup=pause_setup)
