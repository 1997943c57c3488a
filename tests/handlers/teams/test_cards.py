"""The Adaptive Card renderer: plain text runs for people's words, complete text, cards within limits."""

from __future__ import annotations

import json
from typing import Any

from dialogs.messages import Choice, Reply
from handlers.teams.cards import MAX_BLOCK_CHARS, MAX_CARD_BYTES, card_text, chunks, render
from tests.handlers.teams.fake_connector import card_validator

INJECTION = "**bold** [a link](https://evil.example) <at>Alex Example</at> <!channel> &amp; # heading"


def elements(node: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    if isinstance(node, dict):
        found.append(node)
        for value in node.values():
            found += elements(value)
    elif isinstance(node, list):
        for item in node:
            found += elements(item)
    return found


def test_text_is_split_without_losing_a_character() -> None:
    text = ("abc " * 3000) + "x" * 5000
    pieces = chunks(text)
    assert "".join(pieces) == text
    assert all(len(p) <= MAX_BLOCK_CHARS for p in pieces)


def test_peoples_words_are_plain_text_runs() -> None:
    reply = Reply("Please check *your* concern.", (Choice("submit", "Send"),), "choice",
                  facts=(("Seen or heard", INJECTION),), prompt_token="t0k3n")
    cards = render(reply)
    assert len(cards) == 1
    card: dict[str, Any] = cards[0].content  # Any: JSON, as the schema validator takes it
    assert not card_validator().is_valid({**card, "body": [{"type": "Bogus"}]}), "the schema is really checked"
    assert list(card_validator().iter_errors(card)) == []
    types = {e.get("type") for e in elements(card)}
    assert "TextBlock" not in types and "FactSet" not in types, "TextBlock and FactSet would read markdown"
    runs = [e for e in elements(card) if e.get("type") == "TextRun"]
    assert any(r["text"] == INJECTION for r in runs)
    assert any(r["text"] == "your" and r.get("weight") == "Bolder" for r in runs), "our own *bold* still works"
    submit = [e for e in elements(card) if e.get("type") == "Action.Submit"]
    assert submit == [{"type": "Action.Submit", "title": "Send", "data": {"choice": "submit", "token": "t0k3n"}}]


def test_very_long_replies_become_several_cards_each_within_the_limit() -> None:
    long_answer = "word " * 9000
    reply = Reply("Review", (Choice("submit", "Send"),), "choice",
                  facts=tuple((f"Answer {i}", long_answer) for i in range(3)))
    cards = render(reply)
    assert len(cards) > 1
    validator = card_validator()
    for rendered in cards:
        content: dict[str, Any] = rendered.content
        assert len(json.dumps(content).encode()) <= MAX_CARD_BYTES
        assert list(validator.iter_errors(content)) == []
    text = "".join(card_text(c.content) for c in cards)
    assert text.count(long_answer.strip()) == 3
    assert not any("Action.Submit" in json.dumps(c.content) for c in cards[:-1]), "buttons come last"
    assert "Action.Submit" in json.dumps(cards[-1].content)


def test_non_ascii_text_is_measured_as_it_is_sent() -> None:
    answer = "Он сказал, что поедет туда 🚌 " * 800
    cards = render(Reply("Review", facts=(("Seen or heard", answer),)))
    assert len(cards) > 1
    for rendered in cards:
        assert len(json.dumps(rendered.content)) <= MAX_CARD_BYTES
    assert "".join(card_text(c.content) for c in cards).count(answer.strip()) == 1
