"""`prevent-bot concerns export`: the whole record, audited, to a private new file; nothing when unsure."""

from __future__ import annotations

import json
import re
import sqlite3
import stat
from pathlib import Path

from tests.helpers import CONCERN, DSL_EMAIL, TEACHER_EMAIL, Line, chat, run


def audits(workdir: Path) -> list[tuple[str, int]]:
    with sqlite3.connect(workdir / "prevent.db") as db:
        return db.execute("SELECT target, allowed FROM audit WHERE action = 'concern.export' ORDER BY id").fetchall()


def test_export_holds_the_whole_record_and_is_audited(tmp_path: Path) -> None:
    chat(tmp_path, TEACHER_EMAIL, CONCERN)
    [alert] = [r for r in chat(tmp_path, DSL_EMAIL, []) if r["notification"]]
    buttons = {c["label"]: c["id"] for c in alert["choices"]}
    chat(tmp_path, DSL_EMAIL, [{"choice": buttons["Acknowledge"]}, {"choice": buttons["Add note"]},
                               "Spoke to form tutor; parents to be called today"])

    out = tmp_path / "transfer.txt"
    said = run(tmp_path, "concerns", "export", "C-2026-0001", "--out", str(out),
               "--reason", "Transfer to Example Academy, pupil moved school").stdout
    assert "Exported 1 concern(s)" in said and "Jamie" not in said  # the file has the content, the screen not
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    text = out.read_text(encoding="utf-8")
    assert text.startswith("CONFIDENTIAL")
    assert "== C-2026-0001 ==" in text and "they are the only ones who get me" in text
    assert "Spoke to form tutor; parents to be called today" in text  # the chronology, notes included
    assert "acknowledged" in text
    assert "Shared for: Transfer to Example Academy, pupil moved school" in text
    assert "shared         system  — Transfer to Example Academy, pupil moved school (exported by cli:" in text

    by_name = run(tmp_path, "concerns", "export", "--pupil", "jamie  TESTPUPIL", "--json",
                  "--reason", "Referral to the police Prevent team")
    assert "Names are matched, not people" in by_name.stderr  # two children may share a name
    document = json.loads(by_name.stdout)
    assert document["reason"] == "Referral to the police Prevent team"
    [record] = document["concerns"]
    assert record["reference"] == "C-2026-0001" and record["reporter"] == TEACHER_EMAIL
    assert [e["kind"] for e in record["chronology"]][:1] == ["created"]
    assert any(e["detail"] == "Spoke to form tutor; parents to be called today" for e in record["chronology"])
    shared = [e["detail"] for e in record["chronology"] if e["kind"] == "shared"]
    assert [d.split(" (exported by")[0] for d in shared] == ["Transfer to Example Academy, pupil moved school",
                                                             "Referral to the police Prevent team"]
    details = chat(tmp_path, DSL_EMAIL, [{"choice": buttons["View details"]}])  # the DSL sees it in the bot too
    assert "Shared outside the bot (exported): Referral to the police Prevent team" in json.dumps(details)
    assert audits(tmp_path) == [("C-2026-0001", 1), ("C-2026-0001", 1)]


def test_export_refuses_rather_than_give_a_partial_or_overwrite(tmp_path: Path) -> None:
    chat(tmp_path, TEACHER_EMAIL, CONCERN)
    out = tmp_path / "transfer.json"

    def refused(*args: str, reason: str = "Transfer") -> str:
        return run(tmp_path, "concerns", "export", *args, "--reason", reason, refused=True).stderr

    said = refused("C-2026-0001", "C-2026-0999", "--out", str(out))
    assert "C-2026-0999" in said and "Nothing was exported" in said
    assert not out.exists()
    assert audits(tmp_path) == [("C-2026-0999", 0)]  # the refused look-up is audited; nothing was exported

    assert "No concerns about that pupil" in refused("--pupil", "Nobody")
    assert "Name one or more" in refused()
    assert "Say why and with whom" in refused("C-2026-0001", reason="  ")
    assert audits(tmp_path) == [("C-2026-0999", 0)]  # and nothing was shared

    out.write_text("someone else's file", encoding="utf-8")
    assert "already exists" in refused("C-2026-0001", "--out", str(out))
    assert out.read_text(encoding="utf-8") == "someone else's file"


def test_a_prevent_referral_draft_uses_the_dfe_headings_and_marks_the_gaps(tmp_path: Path) -> None:
    chat(tmp_path, TEACHER_EMAIL, CONCERN)  # Prevent
    neglect: list[Line] = [*CONCERN[:5], "Came in hungry again", {"choice": "done"}, "I haven't eaten since Friday",
                           {"choice": "neglect"}, {"choice": "done"}, "today 09:00", "Form room", "Gave breakfast",
                           "Nobody", {"choice": "nobody"}, {"choice": "yes"}, {"choice": "submit"}]
    chat(tmp_path, TEACHER_EMAIL, neglect)
    [alert, _] = [r for r in chat(tmp_path, DSL_EMAIL, []) if r["notification"]]
    buttons = {c["label"]: c["id"] for c in alert["choices"]}
    chat(tmp_path, DSL_EMAIL, [{"choice": buttons["Add note"]}, "Spoke to mum; she is worried about his phone use"])

    draft = run(tmp_path, "concerns", "export", "--pupil", "Jamie Testpupil", "--prevent-referral",
                "--reason", "Prevent referral to the police Prevent team").stdout
    sections = draft.split("\n\n")
    def under(heading: str) -> str:
        return next(s for s in sections if s.startswith(heading))

    assert draft.startswith("CONFIDENTIAL") and "DRAFT for the DSL" in draft and "Nothing here has been sent" in draft
    assert "Child: Jamie Testpupil (Year 9)" in draft and "C-2026-0001, C-2026-0002" in draft
    happened = under("How and why the school became concerned")
    assert re.search(r"- C-2026-0001: \(\w{3} \d\d \w{3} \d{4} 14:30, Library\) Says he watches an extremist "
                     r"group's videos every night\. "
                     r'In their own words: "He said: they are the only ones who get me"', happened)
    assert "- C-2026-0001: Shows interest in an extremist group online" in under("Indicators")
    assert "- C-2026-0002: Neglect" in under("Other safeguarding concerns")
    assert "Spoke to mum" not in draft  # the DSL's internal notes only when asked for (--with-notes)
    assert "internal notes (1) are left out" in under("Discussions with the child")
    noted = run(tmp_path, "concerns", "export", "C-2026-0001", "--prevent-referral", "--with-notes",
                "--reason", "Prevent referral, with the DSL's notes").stdout
    assert "Note: Spoke to mum; she is worried about his phone use" in noted and "left out" not in noted
    for gap in ("Sympathetic interest", "Known or suspected special educational needs", "What staff fear"):
        assert "Not recorded in the bot: complete from what you know." in under(gap)
    assert "Example Police Prevent team · 0117 496 0003 · prevent@police.example" in draft
    assert audits(tmp_path) == [("C-2026-0001", 1), ("C-2026-0002", 1), ("C-2026-0001", 1)]  # each share audited
