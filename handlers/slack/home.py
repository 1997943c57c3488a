"""The App Home tab: who to talk to today, a "Raise a concern" button, the person's own concerns."""

from __future__ import annotations

from typing import Any

from dialogs.messages import Choice
from dialogs.ports import Wording
from handlers.slack.blocks import MODAL_BLOCKS, button_blocks, escape, fact_blocks, text_blocks
from handlers.slack.ports import HomeView

RAISE = "go:raise_concern"
MINE_SHOWN = 20


def home_view(words: Wording, home: HomeView) -> dict[str, Any]:
    """Returns the Home tab view (references and statuses only, never what a concern says)."""
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": words("slack.home.title")[:150]}},
        *button_blocks((Choice(RAISE, words("menu.raise")),), None, "home-raise"),
        {"type": "divider"},
        *text_blocks(home.contacts.text),
        *fact_blocks(home.contacts.facts),
        {"type": "divider"},
    ]
    if home.mine:
        lines = [f"• {escape(reference)} — {escape(status)}" for reference, status in home.mine[:MINE_SHOWN]]
        blocks += text_blocks(words("slack.home.mine"))
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": "\n".join(lines)}})
        if len(home.mine) > MINE_SHOWN:
            blocks += text_blocks(words("slack.home.more", count=len(home.mine) - MINE_SHOWN))
    else:
        blocks += text_blocks(words("slack.home.none"))
    return {"type": "home", "blocks": blocks[:MODAL_BLOCKS]}
