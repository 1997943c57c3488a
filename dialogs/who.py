"""Who do I talk to? Today's DSL and deputies, the allegation route and the numbers."""

from __future__ import annotations

from dialogs.contacts import contacts_reply
from dialogs.engine import Dialog, Done, Outcome, Shown, Turn


async def setup(turn: Turn, params: dict[str, str]) -> Outcome[Shown] | None:
    """Shows who to talk to today and ends."""
    return Done(contacts_reply(turn.services.directory.contacts(turn.now), turn.services.words, turn.now))


DIALOG: Dialog[Shown] = Dialog(name="who", first="show", states={}, setup=setup)
