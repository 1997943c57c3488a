"""Renders neutral Replies as Block Kit within Slack's limits, with people's words escaped."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from dialogs.messages import Choice, Reply

Block = dict[str, Any]
SECTION_LIMIT = 3000      # characters in a section's text
FIELD_LIMIT = 2000        # characters in one section field
FIELDS_PER_SECTION = 10
BUTTON_TEXT_LIMIT = 75
BUTTONS_PER_ACTIONS = 25
MESSAGE_BLOCKS = 50
MODAL_BLOCKS = 100
MODAL_TITLE_LIMIT = 24
PREVIEW_LIMIT = 300       # the notification preview; the blocks carry the whole text
ACTION_PREFIX = "prevent"


def escape(text: str) -> str:
    """Escapes text for mrkdwn so nobody can post <!channel>, a mention or a disguised link."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def split_text(text: str, limit: int = SECTION_LIMIT) -> list[str]:
    """Splits escaped text into pieces of at most `limit`, at line or word ends, never inside an entity."""
    pieces: list[str] = []
    while len(text) > limit:
        cut = text.rfind("\n", 0, limit)
        if cut < limit // 2:
            cut = text.rfind(" ", 0, limit)
        if cut < limit // 2:
            cut = limit
            amp = text.rfind("&", cut - 5, cut)
            if amp != -1 and ";" not in text[amp:cut]:
                cut = amp
        pieces.append(text[:cut])
        text = text[cut:].lstrip("\n") if text[cut:cut + 1] == "\n" else text[cut:]
    if text or not pieces:
        pieces.append(text)
    return pieces


def button_value(choice: Choice, token: str | None) -> str:
    """Returns what a button sends back: the choice id and the prompt token it was shown with."""
    return json.dumps({"c": choice.id, "t": token or ""}, separators=(",", ":"))


def read_value(value: str) -> tuple[str, str | None]:
    """Returns (choice id, prompt token) from a button's value."""
    try:
        data = json.loads(value)
    except ValueError:
        return "", None
    if not isinstance(data, dict) or not isinstance(data.get("c", ""), str):
        return "", None
    token = data.get("t")
    return data.get("c", ""), (token if isinstance(token, str) and token else None)


def _label(text: str) -> str:
    """Shortens a button label to Slack's 75 characters (the id, not the label, carries meaning)."""
    return text if len(text) <= BUTTON_TEXT_LIMIT else text[:BUTTON_TEXT_LIMIT - 1] + "…"


def _section(text: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def text_blocks(text: str) -> list[Block]:
    """Returns sections holding the whole (escaped) text."""
    return [_section(piece) for piece in split_text(escape(text)) if piece.strip()]


def fact_blocks(facts: tuple[tuple[str, str], ...]) -> list[Block]:
    """Returns facts as section fields, ten to a section; a long value gets sections of its own."""
    blocks: list[Block] = []
    fields: list[Block] = []
    for label, value in facts:
        shown = f"*{escape(label)}*\n{escape(value) or '—'}"
        if len(shown) <= FIELD_LIMIT:
            fields.append({"type": "mrkdwn", "text": shown})
            continue
        blocks.append(_section(f"*{escape(label)}*"))
        blocks += [_section(piece) for piece in split_text(escape(value))]
    grouped = [{"type": "section", "fields": fields[i:i + FIELDS_PER_SECTION]}
               for i in range(0, len(fields), FIELDS_PER_SECTION)]
    return grouped + blocks


def button_blocks(choices: tuple[Choice, ...], token: str | None, block_id: str = "choices") -> list[Block]:
    """Returns actions blocks with one button per choice (25 to a block)."""
    blocks: list[Block] = []
    for start in range(0, len(choices), BUTTONS_PER_ACTIONS):
        elements = [{"type": "button", "action_id": f"{ACTION_PREFIX}:{start + n}",
                     "text": {"type": "plain_text", "text": _label(c.label), "emoji": True},
                     "value": button_value(c, token)}
                    for n, c in enumerate(choices[start:start + BUTTONS_PER_ACTIONS])]
        blocks.append({"type": "actions", "block_id": f"{block_id}-{start}", "elements": elements})
    return blocks


@dataclass(frozen=True, slots=True)
class Message:
    """One chat.postMessage: notification text and blocks."""

    text: str
    blocks: list[Block] = field(default_factory=list)


def preview(text: str) -> str:
    """Returns the notification text: the start of the (escaped) reply."""
    first = escape(text.strip().split("\n", 1)[0])
    return first if len(first) <= PREVIEW_LIMIT else first[:PREVIEW_LIMIT - 1] + "…"


def reply_blocks(reply: Reply, lead: str = "") -> list[Block]:
    """Returns all blocks of one reply; `lead` is trusted mrkdwn (mentions) shown first."""
    blocks: list[Block] = [_section(lead)] if lead else []
    blocks += text_blocks(reply.text)
    blocks += fact_blocks(reply.facts)
    blocks += button_blocks(reply.choices, reply.prompt_token)
    return blocks


def render(reply: Reply, lead: str = "") -> list[Message]:
    """Returns the messages for one reply, split so none has more than 50 blocks."""
    blocks = reply_blocks(reply, lead)
    if not blocks:
        blocks = [_section("—")]
    text = (lead + " " if lead else "") + preview(reply.text)
    chunks = [blocks[i:i + MESSAGE_BLOCKS] for i in range(0, len(blocks), MESSAGE_BLOCKS)]
    return [Message(text if n == 0 else preview(reply.text), chunk) for n, chunk in enumerate(chunks)]


def modal(title: str, reply: Reply, overflow_note: str, close: str = "Close") -> dict[str, Any]:
    """Returns a read-only modal showing the whole reply (the details view)."""
    blocks = text_blocks(reply.text) + fact_blocks(reply.facts)
    if len(blocks) > MODAL_BLOCKS:
        blocks = [*blocks[:MODAL_BLOCKS - 1], {"type": "context",
                                                "elements": [{"type": "mrkdwn", "text": escape(overflow_note)}]}]
    short = title if len(title) <= MODAL_TITLE_LIMIT else title[:MODAL_TITLE_LIMIT - 1] + "…"
    return {"type": "modal", "title": {"type": "plain_text", "text": short},
            "close": {"type": "plain_text", "text": close[:MODAL_TITLE_LIMIT]}, "blocks": blocks}
