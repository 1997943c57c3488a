"""The console journey, scripted through `prevent-bot chat --jsonl`: the whole journey and a restart as real
processes, the rest in this process."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from tests.helpers import CONCERN, DSL_EMAIL, TEACHER_EMAIL, chat, chat_process, run, texts


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    return tmp_path


def test_whole_journey_between_reporter_and_dsl(workdir: Path) -> None:
    reporter = chat_process(workdir, TEACHER_EMAIL, CONCERN)
    assert reporter[0]["choices"] and reporter[0]["expects"] == "choice"
    assert all(set(r) >= {"text", "choices", "expects"} for r in reporter)
    assert "C-2026-0001" in texts(reporter)

    first_look = chat_process(workdir, DSL_EMAIL, [])
    [alert] = [r for r in first_look if r["notification"]]
    assert "C-2026-0001" in str(alert["text"])
    assert "Jamie" not in json.dumps(alert) and "extremist" not in json.dumps(alert)
    buttons = {c["label"]: c["id"] for c in alert["choices"]}

    dsl = chat_process(workdir, DSL_EMAIL, [{"choice": buttons["View details"]}, {"choice": buttons["Acknowledge"]},
                                    {"choice": buttons["Close"]}, {"choice": "monitor"},
                                    "Mentoring in place; will review at half term"])
    shown = json.dumps(dsl)
    assert "they are the only ones who get me" in shown
    assert "acknowledged C-2026-0001" in shown and "C-2026-0001 is closed" in shown

    later = chat_process(workdir, TEACHER_EMAIL, [])
    news = [str(r["text"]) for r in later if r["notification"]]
    assert len(news) == 2
    assert "picked up" in news[0] and "closed" in news[1]
    assert "Mentoring" not in json.dumps(later)

    listed = json.loads(run(workdir, "concerns", "list", "--json").stdout)
    assert [(c["reference"], c["status"], c["outcome"]) for c in listed] == [("C-2026-0001", "closed", "monitor")]

    shown_cli = run(workdir, "concerns", "show", "C-2026-0001", "--json").stdout
    assert "they are the only ones who get me" in json.loads(shown_cli)["child_words"]
    with sqlite3.connect(workdir / "prevent.db") as db:
        audits = db.execute("SELECT actor, action, target FROM audit WHERE action = 'concern.show'").fetchall()
    assert len(audits) == 1 and audits[0][0].startswith("cli:") and audits[0][2] == "C-2026-0001"


def test_half_told_concern_survives_a_restart(workdir: Path) -> None:
    chat_process(workdir, TEACHER_EMAIL, CONCERN[:5])
    again = chat_process(workdir, TEACHER_EMAIL, [])
    assert "Welcome back" in texts(again)
    assert "Tell me what you saw or heard" in str(again[-1]["text"])  # the account comes next
    finished = chat_process(workdir, TEACHER_EMAIL, CONCERN[5:])
    assert "C-2026-0001" in texts(finished)


def test_piped_stdin_without_jsonl_uses_numbers(workdir: Path) -> None:
    out = run(workdir, "chat", "--as", TEACHER_EMAIL, lines=["2"]).stdout
    assert "[1] Raise a safeguarding concern" in out
    assert "DSL on duty today" in out and "999" in out


def test_who_do_i_talk_to_at_the_weekend_gives_the_out_of_hours_route(workdir: Path) -> None:
    saturday = {"PREVENT_NOW": "2026-11-28T11:00:00+00:00"}
    replies = chat(workdir, TEACHER_EMAIL, [{"choice": "go:who"}], env=saturday)
    out = texts(replies)
    assert "Nobody on the DSL team is on duty now — it is outside school hours" in out
    assert "999" in out and "0117 496 0004" in out and "Anyone can contact children's social care directly" in out
    assert "Alex Example" not in json.dumps(replies) and "DSL on duty today" not in json.dumps(replies)


def test_unknown_choice_is_refused_in_jsonl(workdir: Path) -> None:
    replies = chat(workdir, TEACHER_EMAIL, [{"choice": "go:raise_concern"}, {"choice": "no"}, {"choice": "yes"}])
    assert "didn't recognise" in texts(replies)
    assert "Who is the concern about?" in str(replies[-1]["text"])


def test_urgent_alert_reaches_dsl_console_once(workdir: Path) -> None:
    chat(workdir, TEACHER_EMAIL, [{"choice": "go:raise_concern"}, {"choice": "yes"}])
    assert not [r for r in chat(workdir, DSL_EMAIL, []) if r["notification"]]  # nothing before "who"
    chat(workdir, TEACHER_EMAIL, [{"choice": "child"}])  # about a child: the DSL team is alerted now
    dsl = chat(workdir, DSL_EMAIL, [])
    urgent = [r for r in dsl if r["notification"]]
    assert len(urgent) == 1
    assert urgent[0]["urgent"] and "immediate danger" in str(urgent[0]["text"])
    assert chat(workdir, DSL_EMAIL, []) == chat(workdir, DSL_EMAIL, [])  # nothing shown twice
