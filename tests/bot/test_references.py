"""Concern references typed at the command line are parsed once, where they enter; junk is 'not valid', plainly."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from bot.cli.support import parse_reference
from tests.dialogs.fuzz_inputs import free_text
from tests.helpers import invoke


@given(st.integers(1000, 9999), st.integers(1, 999_999_999), st.sampled_from(("C", "c")), st.sampled_from(("", " \t")))
def test_a_reference_as_written_reads_back_as_stored(year: int, number: int, letter: str, space: str) -> None:
    assert parse_reference(f"{space}{letter}-{year}-{number:04d}{space}") == f"C-{year}-{number:04d}"


@given(free_text())
@example("C-٢٠٢٦-0001")  # Arabic-Indic digits
@example("C-2026-0001\x00")  # a NUL: PostgreSQL refused the look-up with a traceback
@example("C-2026-0001" + "1" * 200)  # past the audit log's 100-character target: PostgreSQL refused it
@example("C-2026-1")
@example("C-2026-0001; DROP TABLE concern")
@example("C—2026—0001")
def test_anything_else_is_not_a_reference(text: str) -> None:
    assert parse_reference(text) is None


def audit_rows(workdir: Path) -> list[tuple[str, str]]:
    with sqlite3.connect(workdir / "prevent.db") as db:
        return db.execute("SELECT action, target FROM audit ORDER BY id").fetchall()


@pytest.mark.parametrize("command", [("concerns", "show"), ("concerns", "export", "--reason", "Transfer"),
                                     ("audit", "--concern")])
@pytest.mark.parametrize("junk", ["C-2026-0001\x00", "x" * 500, "\x1b[2J", "²", ""])
def test_a_junk_reference_is_not_valid_and_nothing_is_looked_up(tmp_path: Path, command: tuple[str, ...],
                                                                junk: str) -> None:
    assert invoke(tmp_path, "concerns", "list").exit_code == 0
    if junk == "" and command[0] == "audit":
        return  # an empty --concern means every concern
    result = invoke(tmp_path, *command, junk)
    assert result.exit_code == 2, result.output
    assert "is not a concern reference; they look like C-2026-0001" in result.output
    assert "\x00" not in result.output and "\x1b" not in result.output
    assert audit_rows(tmp_path) == []


def test_a_reference_in_lower_case_is_found(tmp_path: Path) -> None:
    result = invoke(tmp_path, "concerns", "show", " c-2026-0001 ")
    assert result.exit_code == 1 and "No concern with reference C-2026-0001." in result.output
    assert audit_rows(tmp_path) == [("concern.show", "C-2026-0001")]  # a well-formed reference is looked up


@pytest.mark.parametrize("actor", ["alex\x00@school.example", "x" * 400, "\x1b[2J"])
def test_a_junk_actor_for_the_audit_log_is_not_valid(tmp_path: Path, actor: str) -> None:
    result = invoke(tmp_path, "audit", "--actor", actor)
    assert result.exit_code == 2 and "is not an email address or cli:USER" in result.output
    assert "\x00" not in result.output and "\x1b" not in result.output
