"""`prevent-bot audit`: who saw or did what, and who was refused; reading the log is itself audited."""

from __future__ import annotations

import getpass
import json
from pathlib import Path

from tests.helpers import CONCERN, DSL_EMAIL, TEACHER_EMAIL, chat, run


def test_the_audit_log_shows_views_decisions_and_refusals(tmp_path: Path) -> None:
    chat(tmp_path, TEACHER_EMAIL, CONCERN)
    [alert] = [r for r in chat(tmp_path, DSL_EMAIL, []) if r["notification"]]
    buttons = {c["label"]: c["id"] for c in alert["choices"]}
    chat(tmp_path, DSL_EMAIL, [{"choice": buttons["View details"]}, {"choice": buttons["Acknowledge"]}])
    chat(tmp_path, TEACHER_EMAIL, [{"choice": buttons["View details"]}])  # not on the DSL team

    lines = run(tmp_path, "audit", "--concern", "c-2026-0001").stdout.splitlines()
    said = [line.split()[1:] for line in lines]  # actor, action, target and REFUSED, after the time
    assert said == [[TEACHER_EMAIL, "concern.submit", "C-2026-0001"], [DSL_EMAIL, "concern.view", "C-2026-0001"],
                    [DSL_EMAIL, "concern.ack", "C-2026-0001"], [TEACHER_EMAIL, "dsl.view", "C-2026-0001", "REFUSED"]]

    by_teacher = json.loads(run(tmp_path, "audit", "--actor", TEACHER_EMAIL.upper(), "--json").stdout)
    assert {row["action"] for row in by_teacher} >= {"concern.submit", "dsl.view"}
    assert all(row["actor"] == TEACHER_EMAIL for row in by_teacher)
    assert [row["allowed"] for row in by_teacher if row["action"] == "dsl.view"] == [False]

    looked = json.loads(run(tmp_path, "audit", "--actor", "cli:" + getpass.getuser(), "--json").stdout)
    assert [(row["action"], row["target"]) for row in looked] == [("audit.view", "C-2026-0001"), ("audit.view", "")]
    assert "Nothing in the audit log matches" in run(tmp_path, "audit", "--concern", "C-2026-0999").stdout
