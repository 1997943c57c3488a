"""Loads the words people see from the editable content file(s)."""

from __future__ import annotations

import logging
import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)


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

    def __init__(self, override: Path | None = None) -> None:
        folder = resources.files("bot") / "content"
        names = sorted(f.name for f in folder.iterdir() if f.name.endswith(".toml") and f.name != "en.toml")
        base: dict[str, Any] = {}
        for name in ["en.toml", *names]:  # en.toml first; each area of the bot adds its own file
            base = _merge(base, tomllib.loads((folder / name).read_text(encoding="utf-8")))
        topics = base.pop("help_topics", {})
        if override is not None:
            extra = tomllib.loads(override.read_text(encoding="utf-8"))
            topics.update(extra.pop("help_topics", {}))
            base = _merge(base, extra)
        self._text = _flatten(base)
        self._topics = [(key, str(t.get("title", key))) for key, t in topics.items()]
        for key, topic in topics.items():
            self._text[f"help.topic.{key}"] = f"*{topic.get('title', key)}*\n{topic.get('body', '')}"

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


def _merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in extra.items():
        nested = isinstance(value, dict) and isinstance(merged.get(key), dict)
        merged[key] = _merge(merged[key], value) if nested else value
    return merged
