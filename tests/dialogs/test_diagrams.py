"""Each dialog's Mermaid diagram (dialogs/*.mmd) matches its code: the same states, and no arrow the code lacks."""

from __future__ import annotations

import ast
import inspect
import re
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any, get_args

import pytest

import dialogs
from dialogs import dsl_action, help, pause, raise_concern, training, who
from dialogs.engine import Dialog

DIAGRAMS: dict[str, list[Dialog[Any]]] = {
    "raise_concern.mmd": [raise_concern.DIALOG],
    "dsl_action.mmd": [dsl_action.DIALOG],
    "who.mmd": [who.DIALOG, help.DIALOG, pause.DIALOG],
    "training.mmd": [training.DONE, training.REVIEW],
}
STATE_TYPES: list[tuple[Dialog[Any], object]] = [
    (raise_concern.DIALOG, raise_concern.Step), (dsl_action.DIALOG, dsl_action.Step), (help.DIALOG, help.Step),
    (pause.DIALOG, pause.Step),
    (training.DONE, training.Recording), (training.REVIEW, training.Reviewing),
]
START = "[*]"
ARROW = re.compile(r"^\s*(\S+)\s*-->\s*([^\s:]+)")


def edges(diagram: str) -> set[tuple[str, str]]:
    """Returns the diagram's arrows as (from, to) pairs of node names."""
    text = (Path(dialogs.__file__).parent / diagram).read_text(encoding="utf-8")
    return {(m[1], m[2]) for line in text.splitlines() if not line.lstrip().startswith("%%")
            if (m := ARROW.match(line))}


def setups(group: list[Dialog[Any]]) -> dict[str, Callable[..., object]]:
    """Returns each dialog's setup by its function's name: the diagram's node for it."""
    return {d.setup.__name__: d.setup for d in group if d.setup is not None}


def named_states(function: Callable[..., object], seen: set[str] | None = None) -> set[str]:
    """Returns every string the function's code names, directly, in a module-level table it reads, or in a
    dialogs function that it calls (so a state reached through a helper such as `then` counts)."""
    seen = set() if seen is None else seen
    seen.add(function.__qualname__)
    tree = ast.parse(textwrap.dedent(inspect.getsource(function)))
    found = {n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)}
    for name in {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}:
        table = getattr(function, "__globals__", {}).get(name)
        if isinstance(table, dict):
            found |= {v for v in table.values() if isinstance(v, str)}
        elif isinstance(table, tuple):
            found |= {v for v in table if isinstance(v, str)}
        elif inspect.isfunction(table) and table.__module__.startswith("dialogs.") and table.__qualname__ not in seen:
            found |= named_states(table, seen)
    return found


@pytest.mark.parametrize(("dialog", "step"), STATE_TYPES, ids=[d.name for d, _ in STATE_TYPES])
def test_the_state_type_names_exactly_the_state_table(dialog: Dialog[Any], step: object) -> None:
    """The Literal that mypy checks each Next against holds every state in the table, and nothing else."""
    assert set(get_args(step)) == set(dialog.states)
    assert dialog.first in dialog.states


@pytest.mark.parametrize("diagram", sorted(DIAGRAMS))
def test_the_diagram_has_exactly_the_states_of_the_code(diagram: str) -> None:
    """Every state in the code is drawn, and every node drawn is a state or a setup."""
    group = DIAGRAMS[diagram]
    in_code = {name for d in group for name in d.states}
    drawn = {node for edge in edges(diagram) for node in edge} - {START} - set(setups(group))
    assert drawn == in_code


@pytest.mark.parametrize("diagram", sorted(DIAGRAMS))
def test_every_arrow_drawn_is_one_the_code_can_take(diagram: str) -> None:
    """An arrow between states is named in the source state's handler (or setup); one from the start is a first."""
    group = DIAGRAMS[diagram]
    states = {name: state for d in group for name, state in d.states.items()}
    begins = {d.first for d in group if d.states} | set(setups(group))
    sources: dict[str, Callable[..., object]] = {name: s.handle for name, s in states.items()} | setups(group)

    def can(before: str, after: str) -> bool:
        if before == START:
            return after in begins
        return after in (START, before) or after in named_states(sources[before])  # to itself: a Retry

    assert [f"{a} --> {b}" for a, b in sorted(edges(diagram)) if not can(a, b)] == []


def test_every_diagram_is_checked() -> None:
    """A new .mmd file beside the dialogs is added to DIAGRAMS, so it is checked too."""
    assert {p.name for p in Path(dialogs.__file__).parent.glob("*.mmd")} == set(DIAGRAMS)


def test_a_drawn_arrow_the_code_cannot_take_is_found() -> None:
    """The arrow check itself: a state's handler that never names the next state is caught."""
    assert "review" in named_states(raise_concern.DIALOG.states["child_told"].handle)
    assert "place" not in named_states(raise_concern.DIALOG.states["child_told"].handle)
