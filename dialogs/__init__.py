"""Platform-neutral conversations: the message model, the engine and one module per dialog."""

from __future__ import annotations

from typing import Any

from dialogs import dsl_action, help, pause, raise_concern, training, who
from dialogs.engine import Dialog


def all_dialogs() -> dict[str, Dialog[Any]]:
    """Returns every dialog by name."""
    found: list[Dialog[Any]] = [raise_concern.DIALOG, who.DIALOG, help.DIALOG, help.MINE, dsl_action.DIALOG,
                                dsl_action.OPEN, training.DONE, training.MINE, training.REVIEW, pause.DIALOG]
    return {d.name: d for d in found}
