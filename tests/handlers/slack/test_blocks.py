"""The Block Kit renderer: escaping, splitting within limits, buttons carrying the prompt token, modals."""

from __future__ import annotations

import json

from dialogs.messages import Choice, Reply
from handlers.slack.blocks import (
    MESSAGE_BLOCKS,
    SECTION_LIMIT,
    button_value,
    escape,
    modal,
    read_value,
    render,
    split_text,
)
from tests.handlers.slack.fake_slack import validate_blocks


def test_escape_neutralises_mentions_and_links() -> None:
    assert escape("<!channel> <@U1> <https://x|y> & co") == "&lt;!channel&gt; &lt;@U1&gt; &lt;https://x|y&gt; &amp; co"


def test_split_never_cuts_an_entity_and_keeps_every_character() -> None:
    text = escape("&" * 5000)
    pieces = split_text(text)
    assert all(len(p) <= SECTION_LIMIT for p in pieces)
    assert "".join(pieces) == text
    assert all(p.startswith("&amp;") and p.endswith("&amp;") for p in pieces)


def test_a_long_reply_becomes_several_valid_messages() -> None:
    lines = "\n".join(f"line {n} " + "x" * 2900 for n in range(60))
    messages = render(Reply(lines, facts=(("Long", "y" * 9000),)))
    assert len(messages) >= 2
    for message in messages:
        assert len(message.blocks) <= MESSAGE_BLOCKS
        assert validate_blocks(message.blocks, MESSAGE_BLOCKS) == []
    shown = "".join(b["text"]["text"] for m in messages for b in m.blocks if "text" in b)
    assert all(f"line {n} " in shown for n in range(60)) and shown.count("y") == 9000


def test_buttons_carry_their_choice_and_prompt_token_and_fit_slack() -> None:
    choices = tuple(Choice(f"c{n}", "A very long label " * 10) for n in range(30))
    [message] = render(Reply("Pick", choices, expects="choice", prompt_token="tok123"))
    assert validate_blocks(message.blocks, MESSAGE_BLOCKS) == []
    buttons = [e for b in message.blocks if b["type"] == "actions" for e in b["elements"]]
    assert len(buttons) == 30 and len({b["action_id"] for b in buttons}) == 30
    assert all(len(b["text"]["text"]) <= 75 for b in buttons)
    assert read_value(buttons[7]["value"]) == ("c7", "tok123")
    assert read_value("not json") == ("", None)
    assert json.loads(button_value(Choice("x", "X"), None)) == {"c": "x", "t": ""}


def test_a_modal_too_long_for_slack_says_where_the_rest_is() -> None:
    huge = Reply("Details", facts=tuple((f"Answer {n}", "z" * 20000) for n in range(20)))
    view = modal("A title longer than twenty-four characters", huge, "The rest is in the record.")
    assert len(view["blocks"]) == 100 and "The rest is in the record." in json.dumps(view["blocks"][-1])
    assert len(view["title"]["text"]) <= 24
    assert validate_blocks(view["blocks"], 100) == []
