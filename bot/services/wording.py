"""Loads the words people see from the editable content file(s)."""

from __future__ import annotations

import logging
import re
import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

JURISDICTIONS = ("england", "wales")
LISTS = (("dsl", "action_type"), ("dsl", "outcome"))  # lists a school's own content file replaces whole
# A word or guidance title that differs by jurisdiction, or a guidance edition: written once, in [term] or
# [guidance], and referred to elsewhere as {term.dsl} or {guidance.kcsie}; filled in when the files load.
_SHARED = re.compile(r"\{((?:term|guidance)\.[a-z0-9_]+)\}")


class _Keep(dict[str, object]):
    """Leaves unknown {placeholders} as they are instead of failing."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def _flatten(table: dict[str, Any], prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in table.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, name + "."))
        else:
            flat[name] = str(value)
    return flat


class Words:
    """The content file as a look-up: words("raise.danger.question")."""

    def __init__(self, override: Path | None = None, jurisdiction: str = "england", language: str = "en") -> None:
        folder = resources.files("bot") / "content"
        base: dict[str, Any] = {}
        self.layers = content_layers([f.name for f in folder.iterdir()], jurisdiction, language)
        for name in self.layers:
            base = _merge(base, tomllib.loads((folder / name).read_text(encoding="utf-8")))
        topics = base.pop("help_topics", {})
        if override is not None:
            extra = tomllib.loads(override.read_text(encoding="utf-8"))
            topics.update(extra.pop("help_topics", {}))
            base = _merge(_lists_replaced(base, extra), extra)
            self.layers.append(str(override))
        self._text = _flatten(base)
        self._topics = [(key, str(t.get("title", key))) for key, t in topics.items()]
        for key, topic in topics.items():
            self._text[f"help.topic.{key}"] = f"*{topic.get('title', key)}*\n{topic.get('body', '')}"
        self._text = {key: _filled(text, self._text) for key, text in self._text.items()}
        self._topics = [(key, _filled(title, self._text)) for key, title in self._topics]

    def __call__(self, key: str, **values: object) -> str:
        """Returns the text for a key with values filled in (the key itself if missing)."""
        text = self._text.get(key)
        if text is None:
            log.warning("content key missing: %s", key)
            return key
        return text.format_map(_Keep(values)) if values else text

    def help_topics(self) -> list[tuple[str, str]]:
        """Returns help topics as (id, title), in file order."""
        return list(self._topics)

    def group(self, table: str) -> list[tuple[str, str]]:
        """Returns one table's (id, words), in file order: a list the school may change, such as dsl.action_type."""
        prefix = table + "."
        return [(key.removeprefix(prefix), text) for key, text in self._text.items()
                if key.startswith(prefix) and "." not in key.removeprefix(prefix)]


def content_layers(names: list[str], jurisdiction: str = "england", language: str = "en") -> list[str]:
    """The content files to load, in order: English, its areas, then the jurisdiction's overlay; then a language's.

    en.toml, then en_<area>.toml (en_slack.toml, …), then en_<jurisdiction>.toml (en_wales.toml) when there is
    one; a language other than English (cy) lays its own files over the English ones in the same order.
    """
    overlays = {f"_{j}.toml" for j in JURISDICTIONS}
    layers: list[str] = []
    for lang in dict.fromkeys(["en", language]):
        areas = sorted(n for n in names if n.startswith(f"{lang}_") and n[len(lang):] not in overlays)
        own = [f"{lang}.toml", *areas, f"{lang}_{jurisdiction}.toml"]
        layers += [n for n in own if n in names]
    return layers


def _filled(text: str, flat: dict[str, str], depth: int = 3) -> str:
    """The text with {term.…} and {guidance.…} replaced by their words (an unknown one by its key, logged)."""
    for _ in range(depth):
        filled = _SHARED.sub(lambda m: flat.get(m.group(1)) or _unknown(m.group(1)), text)
        if filled == text:
            return text
        text = filled
    return text


def _lists_replaced(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    """The base with each list the school's file gives (dsl.action_type, dsl.outcome) replaced, not merged.

    An id the school's list leaves out moves to <list>_retired, so records that used it still read.
    """
    replaced = {**base}
    for group, name in LISTS:
        ours = extra.get(group, {}).get(name)
        if not isinstance(ours, dict):
            continue
        table = dict(replaced.get(group, {}))
        dropped = {k: v for k, v in table.get(name, {}).items() if k not in ours}
        retired = {**dropped, **table.get(f"{name}_retired", {})}
        table[name], table[f"{name}_retired"] = {}, retired
        replaced[group] = table
    return replaced


def _merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in extra.items():
        nested = isinstance(value, dict) and isinstance(merged.get(key), dict)
        merged[key] = _merge(merged[key], value) if nested else value
    return merged


def _unknown(key: str) -> str:
    """An unknown shared word: its key without braces (so filling in values never fails), and a warning."""
    log.warning("content key missing: %s", key)
    return key
