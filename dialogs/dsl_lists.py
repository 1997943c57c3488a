"""The DSL's lists, read from the content file (not code), so a school can follow the KCSIE edition in force."""

from __future__ import annotations

from dialogs.ports import Wording

ACTION_TYPES = "dsl.action_type"
OUTCOMES = "dsl.outcome"


def options(words: Wording, table: str) -> list[tuple[str, str]]:
    """The (id, label) offered from one list, in the content file's order."""
    return words.group(table)


def ids(words: Wording, table: str) -> tuple[str, ...]:
    """The ids offered from one list."""
    return tuple(i for i, _ in words.group(table))


def label(words: Wording, table: str, key: str) -> str:
    """The words for an id, offered or retired (a stored id always reads); the id itself when neither has it."""
    for name in (f"{table}.{key}", f"{table}_retired.{key}"):
        if (text := words(name)) != name:
            return text
    return key
