"""Renders neutral Replies as Adaptive Cards 1.5 for Teams: plain text runs, split to stay in limits."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from dialogs.messages import Choice, Reply

CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
CARD_VERSION = "1.5"
# Teams refuses a message over about 28 KB; each card stays well under it, with room for the envelope.
MAX_CARD_BYTES = 20_000
# Long text is cut into blocks of at most this many characters (at a space where there is one).
MAX_BLOCK_CHARS = 2_000
SHORT_LABEL = 24
_BOLD = re.compile(r"\*([^*\n]+)\*")

Element = dict[str, object]


@dataclass(frozen=True, slots=True)
class RenderedCard:
    """One Adaptive Card to send, with a short plain summary for notifications."""

    content: dict[str, object]
    summary: str


def chunks(text: str, limit: int = MAX_BLOCK_CHARS) -> list[str]:
    """Splits text into pieces of at most `limit` characters, preferring to break at whitespace."""
    pieces: list[str] = []
    rest = text
    while len(rest) > limit:
        cut = rest.rfind(" ", limit // 2, limit)
        cut = cut + 1 if cut > 0 else limit
        pieces.append(rest[:cut])
        rest = rest[cut:]
    if rest or not pieces:
        pieces.append(rest)
    return pieces


def _runs(line: str, bold_markup: bool) -> list[Element]:
    """Returns TextRuns for one line: plain text (TextRun never reads markdown), *bold* for our wording."""
    if not bold_markup:
        return [{"type": "TextRun", "text": line}]
    runs: list[Element] = []
    at = 0
    for match in _BOLD.finditer(line):
        if match.start() > at:
            runs.append({"type": "TextRun", "text": line[at:match.start()]})
        runs.append({"type": "TextRun", "text": match.group(1), "weight": "Bolder"})
        at = match.end()
    if at < len(line) or not runs:
        runs.append({"type": "TextRun", "text": line[at:]})
    return runs


def text_blocks(text: str, *, bold_markup: bool = True, weight: str = "", color: str = "",
                spacing: str = "") -> list[Element]:
    """Returns RichTextBlocks for text: one per line, long lines split, every character kept."""
    blocks: list[Element] = []
    gap = False
    for line in text.split("\n"):
        if not line.strip():
            gap = bool(blocks)
            continue
        for index, piece in enumerate(chunks(line)):
            runs = _runs(piece, bold_markup and len(line) <= MAX_BLOCK_CHARS)
            for run in runs:
                run.update({k: v for k, v in (("weight", weight), ("color", color)) if v})
            block: Element = {"type": "RichTextBlock", "inlines": runs}
            if not blocks and spacing:
                block["spacing"] = spacing
            elif gap:
                block["spacing"] = "Medium"
            elif blocks:
                block["spacing"] = "None" if index > 0 else "Small"
            gap = False
            blocks.append(block)
    return blocks


def fact_elements(facts: tuple[tuple[str, str], ...]) -> list[Element]:
    """Returns label/value pairs as blocks: the label bold, the value plain and complete."""
    elements: list[Element] = []
    for label, value in facts:
        elements += text_blocks(label, bold_markup=False, weight="Bolder", spacing="Small")
        elements += [{**b, "spacing": "None"} for b in text_blocks(value or "—", bold_markup=False)]
    return elements


def submit_action(choice: Choice, token: str | None) -> Element:
    """Returns an Action.Submit that sends the choice id and the prompt token back."""
    return {"type": "Action.Submit", "title": choice.label[:120],
            "data": {"choice": choice.id, "token": token or ""}}


def action_sets(choices: tuple[Choice, ...], token: str | None) -> list[Element]:
    """Returns the buttons as ActionSets: short labels three to a row, long labels one per row."""
    per_row = 3 if all(len(c.label) <= SHORT_LABEL for c in choices) else 1
    rows = [choices[i:i + per_row] for i in range(0, len(choices), per_row)]
    return [{"type": "ActionSet", "actions": [submit_action(c, token) for c in row]} for row in rows]


def _card(body: list[Element]) -> dict[str, object]:
    return {"type": "AdaptiveCard", "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
            "version": CARD_VERSION, "body": body}


def _size(element: object) -> int:
    """Returns an element's size as sent: JSON with non-ASCII characters escaped (the worst case)."""
    return len(json.dumps(element))


def pack(elements: list[Element], limit: int = MAX_CARD_BYTES) -> list[dict[str, object]]:
    """Packs body elements into as few cards as fit under the size limit, in order."""
    cards: list[list[Element]] = [[]]
    used = _size(_card([]))
    for element in elements:
        size = _size(element) + 1
        if cards[-1] and used + size > limit:
            cards.append([])
            used = _size(_card([]))
        cards[-1].append(element)
        used += size
    return [_card(body) for body in cards]


def summary_of(text: str) -> str:
    """Returns a short plain first line for notifications (no markup)."""
    first = text.strip().split("\n", 1)[0].replace("*", "")
    return first[:120]


def render(reply: Reply, *, heading: str = "") -> list[RenderedCard]:
    """Renders one reply as one or more Adaptive Cards; the buttons go on the last card."""
    body: list[Element] = []
    if heading:
        body += text_blocks(heading, weight="Bolder", color="Attention")
    body += text_blocks(reply.text, color="Attention" if reply.urgent else "")
    body += fact_elements(reply.facts)
    body += action_sets(reply.choices, reply.prompt_token)
    summary = summary_of(heading or reply.text)
    return [RenderedCard(card, summary) for card in pack(body)]


def card_text(card: dict[str, object]) -> str:
    """Returns all the text in a card, joined (for tests and logs of shape, never of content)."""
    out: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if node.get("type") in ("TextRun", "TextBlock") and isinstance(node.get("text"), str):
                out.append(str(node["text"]))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(card.get("body"))
    return "".join(out)
