"""docs/safeguarding.md shows the draft referral the demo data really gives."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import CONCERN, DSL_EMAIL, TEACHER_EMAIL, Line, chat, run

DOC = Path(__file__).resolve().parents[2] / "docs" / "safeguarding.md"
SECOND: list[Line] = [
    {"choice": "go:raise_concern"}, {"choice": "no"}, {"choice": "children"}, "Jamie Testpupil, Riley Example",
    "Year 9", "Jamie showed Riley Example a video praising a school shooting in the group chat and said he would "
    "do the same", {"choice": "done"}, "Riley said: Jamie keeps sending them at night", {"choice": "radicalisation"},
    {"choice": "done"}, "Shares violent videos in a group chat", "this morning, about break", "Form room",
    "Told the DSL in person straight away", "Form tutor", {"choice": "nobody"}, {"choice": "yes"},
    {"choice": "submit"}]


def documented() -> str:
    """The draft shown in docs/safeguarding.md, without its indent."""
    text = DOC.read_text(encoding="utf-8")
    block = text.split("  ```text\n", 1)[1].split("\n  ```", 1)[0]
    return "\n".join(line.removeprefix("  ") for line in block.splitlines())


def test_the_documented_draft_is_what_the_demo_data_gives(tmp_path: Path) -> None:
    chat(tmp_path, TEACHER_EMAIL, CONCERN)
    [alert] = [r for r in chat(tmp_path, DSL_EMAIL, []) if r["notification"]]
    buttons = {c["label"]: c["id"] for c in alert["choices"]}
    chat(tmp_path, DSL_EMAIL, [
        {"choice": buttons["Add note"]}, "Rang mum: she is worried too and will come in on Friday",
        {"choice": buttons["Record action or referral"]}, {"choice": "police_prevent"},
        "Interest in an extremist group's videos; advice from the police Prevent team was to refer",
        {"choice": buttons["Close"]}, {"choice": "monitor"},
        "Police Prevent team assessed: no Channel referral; school to monitor"])
    chat(tmp_path, TEACHER_EMAIL, SECOND)
    draft = run(tmp_path, "concerns", "export", "--pupil", "Jamie Testpupil", "--prevent-referral",
                "--reason", "Prevent referral to the police Prevent team and the front door").stdout
    assert draft.rstrip("\n") == documented()
