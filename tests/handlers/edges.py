"""Shared pieces of the HTTP edge properties: junk JSON, a person's words with a marker, the log checks."""

from __future__ import annotations

import copy
import logging
from typing import Any, TypeVar

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

T = TypeVar("T")
MARKER = "Quokka7Marmalade"  # inside every generated field a person could type into; it must never be logged

# One running app serves every example of a test function (starting one per example is too slow), so the
# function-scoped fixtures are shared on purpose. Each example is a few HTTP requests and often a whole turn:
# no deadline, and a third of the examples the profile gives a test (tests/conftest.py; a longer run:
# --hypothesis-profile=long), so that the five edge properties stay near 8 s in CI.
SHARE = 3
EDGE = settings(max_examples=max(10, settings().max_examples // SHARE), deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                       HealthCheck.data_too_large])

SCALARS = (st.none() | st.booleans() | st.integers() | st.floats()
           | st.text(max_size=12) | st.sampled_from(["", "None", "null", "0", "-1", "[]", "{}"]))
JUNK: st.SearchStrategy[Any] = st.recursive(
    SCALARS, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=6)


def words(max_size: int = 30) -> st.SearchStrategy[str]:
    """Text a person typed: anything around the marker."""
    return st.builds(lambda a, b: f"{a}{MARKER}{b}", st.text(max_size=max_size), st.text(max_size=max_size))


def maybe(plausible: st.SearchStrategy[T]) -> st.SearchStrategy[Any]:
    """A field's value: mostly a plausible one, else any JSON at all (null, a number, a list, an object)."""
    return st.one_of(plausible, plausible, JUNK)


def problems(caplog: pytest.LogCaptureFixture) -> list[str]:
    """Every ERROR record, every record with a traceback, and every record holding the marker."""
    found = []
    for record in caplog.records:
        message = record.getMessage()
        if record.levelno >= logging.ERROR or record.exc_info:
            found.append(f"{record.levelname} {record.name}: {message}")
        if MARKER.casefold() in message.casefold() or MARKER.casefold() in (record.exc_text or "").casefold():
            found.append(f"a person's words logged by {record.name}: {message[:200]}")
    return found


def acceptable(status: int) -> bool:
    """True for the answers an edge may give: 2xx or 4xx."""
    return 200 <= status < 300 or 400 <= status < 500


def _slots(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path to a value inside nested objects and lists."""
    if isinstance(value, dict):
        items: list[tuple[Any, Any]] = list(value.items())
    elif isinstance(value, list):
        items = list(enumerate(value))
    else:
        return []
    found = []
    for key, inner in items:
        found += [(*path, key), *_slots(inner, (*path, key))]
    return found


@st.composite
def _mutation(draw: st.DrawFn, value: Any) -> Any:
    """One change somewhere inside a value: a field removed, or made null, junk or a person's words."""
    slots = _slots(value)
    if not slots:
        return draw(JUNK)
    *parents, last = draw(st.sampled_from(slots))
    container = value
    for step in parents:
        container = container[step]
    if isinstance(container, dict) and draw(st.booleans()):
        del container[last]
    else:
        container[last] = draw(st.one_of(st.none(), JUNK, words(), st.just({}), st.just([])))
    return value


@st.composite
def mutated(draw: st.DrawFn, valid: st.SearchStrategy[Any], most: int = 3) -> Any:
    """A valid value with up to `most` changes deep inside it (none, a third of the time or so)."""
    value = copy.deepcopy(draw(valid))
    for _ in range(draw(st.integers(0, most))):
        value = draw(_mutation(value))
    return value
