"""Names as staff type them: a class given with a name ("Jayden Mcarthy 9C"), several children in one answer."""

from __future__ import annotations

import re

# A year group or class at the end of a name: "9C", "year 9", "Y9", "yr 10", "Reception", "(7B)".
_CLASS_AT_END = re.compile(
    r"[\s,(\-–]+(?:in\s+|class\s+|form\s+)?(?P<group>(?:year|yr|y)\s*\d{1,2}(?:\s*[a-z]{1,3})?\b|\d{1,2}\s?[a-z]{1,3}"
    r"|reception|nursery|sixth form|year r)\)?\s*$",
    re.IGNORECASE)
_YEAR = re.compile(r"^(?:year|yr|y)\s*(?P<n>\d{1,2})\s*(?P<form>[a-z]{0,3})$", re.IGNORECASE)
_BETWEEN = re.compile(r"\s*(?:[,;&\n]|\band\b)\s*", re.IGNORECASE)  # as bot.services.concerns reads names
# Words that show an answer is a description ("boy in year 9"), not a name with a class after it.
_NOT_NAME = frozenset({"in", "the", "a", "an", "boy", "girl", "child", "kid", "pupil", "student", "with", "from",
                       "of", "who", "is", "my", "our", "class", "form", "year", "tutor", "group"})


def _group(said: str) -> str:
    """A year group or class as the school writes it: "Year 9", "Year 9C", "9C", "Reception"."""
    year = _YEAR.match(said.strip())
    if year:
        return f"Year {year['n']}{year['form'].upper()}"
    squeezed = said.replace(" ", "")
    return squeezed.upper() if squeezed[:1].isdigit() else said.strip().capitalize()


def split_class(text: str) -> tuple[str, str]:
    """Takes a class given after a name ("Jayden Mcarthy 9C") off it: (name, class), or (text, "")."""
    found = _CLASS_AT_END.search(text)
    if found is None:
        return text.strip(), ""
    name = text[:found.start()].strip(" ,-–(")
    words = re.findall(r"[^\W\d_][\w'’.-]*", name)
    if not words or len(words) != len(name.split()) or any(w.lower() in _NOT_NAME for w in words):
        return text.strip(), ""
    return (name.title() if name.islower() else name), _group(found["group"])


def each_child(text: str) -> list[str]:
    """Each child's part of an answer naming several: "Zoe Smith 9C, Liam Jones 9D" gives two."""
    return [part.strip() for part in _BETWEEN.split(text) if part.strip()]


def as_confirmed(found: list[tuple[str, str]], class_word: str) -> str:
    """Each name with its class, to confirm: "Jayden Mcarthy, class 9C; Zoe Smith, Year 9"."""
    return "; ".join(f"{name}, {group if group[:1].isalpha() else class_word.format(group=group)}"
                     for name, group in found)
