"""`prevent-bot doctor`: says what it checked and what to fix, in words or JSON, and creates nothing."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.helpers import invoke

EXAMPLE = Path(__file__).resolve().parents[2] / "prevent.example.toml"
LOCAL_KEY = {"PREVENT_DATA_KEY": None}  # the key file beside the database, as on a first try-out


@pytest.fixture
def school(tmp_path: Path) -> Path:
    """A folder with a real (made-up) school file and nothing else."""
    shutil.copy(EXAMPLE, tmp_path / "prevent.toml")
    return tmp_path


def checks(folder: Path) -> dict[str, dict[str, object]]:
    result = invoke(folder, "doctor", "--json", env=LOCAL_KEY)
    report = json.loads(result.stdout)
    assert report["ok"] == (result.exit_code == 0) and isinstance(report["verdict"], str)
    return {check["name"]: check for check in report["checks"]}


def test_before_the_first_start_it_lists_every_check_and_creates_nothing(school: Path) -> None:
    result = invoke(school, "doctor", env=LOCAL_KEY)
    assert result.exit_code == 0, result.output
    *lines, blank, verdict = result.stdout.splitlines()
    assert [line.split(":")[0].split(maxsplit=1) for line in lines] == [
        ["ok", "school file"], ["ok", "DSL rota"], ["ok", "out-of-hours contact"], ["ok", "jurisdiction"],
        ["ok", "data key"], ["ok", "database"]]
    assert "Example Primary School" in lines[0]
    assert "Example Council emergency duty team, 0117 496 0004" in lines[2]
    assert lines[3].startswith("ok       jurisdiction: jurisdiction england: Keeping children safe in education 2025")
    assert blank == "" and verdict == "All 6 checks passed: nothing to fix."
    found = checks(school)
    for name in ("data key", "database"):
        assert "not created yet; it is made on first start" in str(found[name]["detail"]), name
    assert sorted(p.name for p in school.iterdir()) == ["prevent.toml"]  # no prevent.db, no prevent.db.key


def test_a_database_or_key_file_others_can_read_is_a_problem(school: Path) -> None:
    assert invoke(school, "db", "upgrade", env=LOCAL_KEY).exit_code == 0
    assert all(check["ok"] for check in checks(school).values())
    assert "data keys in use" in checks(school)  # with a database, what it holds is checked too
    (school / "prevent.db").chmod(0o644)
    (school / "prevent.db.key").chmod(0o640)
    result = invoke(school, "doctor", env=LOCAL_KEY)
    assert result.exit_code == 1
    problems = [line for line in result.stdout.splitlines() if line.startswith("PROBLEM")]
    assert [line.split(":")[0] for line in problems] == ["PROBLEM  data key", "PROBLEM  database"]
    assert "other users on this computer can read" in problems[0] and "(mode 0640)" in problems[0]
    assert f"chmod 600 {(school / 'prevent.db').resolve()}" in problems[1]
    assert result.stdout.splitlines()[-1].startswith("2 of 7 checks found a problem (data key, database)")


def test_a_database_without_its_key_file_is_a_problem(school: Path) -> None:
    assert invoke(school, "db", "upgrade", env=LOCAL_KEY).exit_code == 0
    (school / "prevent.db.key").unlink()
    found = checks(school)
    assert not found["data key"]["ok"] and "is missing but" in str(found["data key"]["detail"])
    assert not (school / "prevent.db.key").exists()  # not replaced by a new key that opens nothing


def test_doctor_names_the_active_jurisdiction(school: Path) -> None:
    text = (school / "prevent.toml").read_text()
    (school / "prevent.toml").write_text(text.replace('jurisdiction = "england"', 'jurisdiction = "wales"'))
    detail = str(checks(school)["jurisdiction"]["detail"])
    assert detail.startswith("jurisdiction wales: Keeping learners safe (2022), the Designated Safeguarding Person "
                             "(DSP)")
    assert "en_wales.toml" in detail


def test_a_school_file_without_the_out_of_hours_team_is_a_problem(school: Path) -> None:
    text = (school / "prevent.toml").read_text()
    section = text.index("[emergency_duty_team]")
    (school / "prevent.toml").write_text(text[:section] + text[text.index("\n\n", section):])
    result = invoke(school, "doctor", env=LOCAL_KEY)
    assert result.exit_code == 1
    [problem] = [line for line in result.stdout.splitlines() if line.startswith("PROBLEM")]
    assert problem.startswith("PROBLEM  out-of-hours contact: school file: no [emergency_duty_team]")
    assert "the council's out-of-hours emergency duty team" in problem and "has not set the number" in problem
    assert result.stdout.splitlines()[-1].startswith("1 of 6 checks found a problem (out-of-hours contact)")
