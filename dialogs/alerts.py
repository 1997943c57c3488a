"""The neutral DSL alert: what the DSL team needs to act, never the narrative."""

from __future__ import annotations

import re
from collections.abc import Callable

from dialogs.messages import Choice, Reply
from dialogs.ports import ConcernSummary

Words = Callable[..., str]
ACTIONS = ("view", "ack", "note", "action", "close")
_ID = re.compile(r"[1-9][0-9]{0,18}")  # as alert_choices writes it: ASCII digits, no sign, no leading zero
INT64_MAX = 2**63 - 1  # the largest id SQLite and PostgreSQL store


def parse_concern_id(text: str) -> int | None:
    """Returns the concern id in a DSL button's value, or None unless it is one exactly as the bot writes it."""
    if _ID.fullmatch(text) is None:  # str.isdigit() would let "²" and "٣" through
        return None
    value = int(text)
    return value if value <= INT64_MAX else None


def alert_choices(words: Words, summary: ConcernSummary) -> tuple[Choice, ...]:
    """Returns the DSL buttons that still make sense for this concern's status."""
    verbs = [v for v in ACTIONS if summary.status != "closed" or v == "view"]
    if summary.status != "new":
        verbs = [v for v in verbs if v != "ack"]
    return tuple(Choice(f"dsl:{verb}:{summary.concern_id}", words(f"dsl.button.{verb}")) for verb in verbs)


def alert_facts(words: Words, summary: ConcernSummary, category_label: str) -> tuple[tuple[str, str], ...]:
    """Returns the alert's label/value pairs."""
    return (
        (words("fact.reference"), summary.reference),
        (words("fact.urgency"), words("dsl.urgency.immediate") if summary.urgent else words("dsl.urgency.standard")),
        (words("fact.category"), category_label or words("dsl.not_yet_told")),
        (words("fact.year_group"), summary.year_group or words("dsl.not_yet_told")),
        (words("fact.reporter"), summary.reporter),
        (words("fact.raised_at"), summary.raised_at.strftime("%a %d %b %Y %H:%M")),
        (words("fact.status"), words(f"status.{summary.status}")),
    )


def alert_reply(words: Words, summary: ConcernSummary, category_label: str, *, demo: bool = False) -> Reply:
    """Returns the DSL channel alert for a concern (saying first, on the demo school, that no real DSL got it)."""
    key = "dsl.alert.urgent" if summary.urgent else "dsl.alert.new"
    text = words(key, reference=summary.reference)
    return Reply(
        f"{words('dsl.alert.demo')}\n{text}" if demo else text,
        alert_choices(words, summary),
        expects="choice",
        facts=alert_facts(words, summary, category_label),
        urgent=summary.urgent,
    )
