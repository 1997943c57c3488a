"""Content files: English, its areas, the jurisdiction's overlay, a language later; guidance editions in one place."""

from __future__ import annotations

import re
import tomllib
from importlib import resources

from bot.services.wording import Words, _flatten, content_layers

NAMES = ["en.toml", "en_slack.toml", "en_wales.toml", "en_referral.toml", "cy.toml", "cy_wales.toml"]


def test_layers_put_the_jurisdiction_over_english_and_a_language_over_both() -> None:
    assert content_layers(NAMES) == ["en.toml", "en_referral.toml", "en_slack.toml"]
    assert content_layers(NAMES, "wales") == ["en.toml", "en_referral.toml", "en_slack.toml", "en_wales.toml"]
    assert content_layers(NAMES, "wales", "cy") == ["en.toml", "en_referral.toml", "en_slack.toml", "en_wales.toml",
                                                    "cy.toml", "cy_wales.toml"]


def test_shared_words_fill_in_everywhere() -> None:
    england, wales = Words(), Words(jurisdiction="wales")
    assert "DSL team" in england("raise.receipt") and "DSP team" in wales("raise.receipt")
    assert "{term." not in england("help.topic.channel") and "{guidance." not in wales("who.ooh_anyone")


def test_guidance_editions_are_written_only_in_the_guidance_table() -> None:
    year = re.compile(r"(?<![/\d])(19|20)\d\d(?![/\d])")  # a year, not a date in an example such as 12/03/2026
    folder = resources.files("bot") / "content"
    for file in folder.iterdir():
        if file.name.endswith(".toml"):
            flat = _flatten(tomllib.loads(file.read_text(encoding="utf-8")))
            cited = [key for key, text in flat.items() if not key.startswith("guidance.") and year.search(text)]
            assert cited == [], file.name
