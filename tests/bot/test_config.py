"""The school file: the demo school, and errors that name the file, the field and what is expected."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import ConfigError, demo_text, load, parse
from bot.services.directory import SchoolDirectory
from tests.helpers import CLI_NOW

EXAMPLE = Path(__file__).parents[2] / "prevent.example.toml"


def test_example_file_is_valid() -> None:
    config = parse(EXAMPLE.read_text(), "prevent.example.toml")
    assert config.school.slug == "example-primary"
    assert config.helpline.phone == "020 7340 7264"
    assert "radicalisation" in {c.id for c in config.categories}


def test_missing_default_file_gives_demo_school(tmp_path: Path) -> None:
    config = load(str(tmp_path / "prevent.toml"))
    assert config.school.demo
    assert "made-up" in config.school.name


def test_missing_named_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such file"):
        load(str(tmp_path / "school.toml"), required=True)


def test_bad_field_is_named(tmp_path: Path) -> None:
    bad = demo_text().replace('email = "alex.example@school.example"', 'email = "alex"')
    bad = bad.replace('on_duty = ["thu", "fri"]', 'on_duty = ["thursday", "funday"]')
    with pytest.raises(ConfigError) as caught:
        parse(bad, "prevent.toml")
    message = str(caught.value)
    assert "prevent.toml: dsl_team.0.email: expected an email address" in message
    assert "(got 'alex')" in message
    assert "dsl_team.1.on_duty" in message and "weekdays" in message


def test_a_mistyped_phone_number_is_refused_not_shown_to_staff() -> None:
    bad = demo_text().replace('phone = "0117 496 0003"', 'phone = "0117 496 000"')  # a digit short
    with pytest.raises(ConfigError) as caught:
        parse(bad, "prevent.toml")
    assert "police_prevent.phone: expected UK phone numbers" in str(caught.value)
    assert "(got '0117 496 000')" in str(caught.value)
    with pytest.raises(ConfigError, match=r"police_prevent\.phone"):  # a good number does not excuse a bad one
        parse(demo_text().replace('phone = "0117 496 0003"', 'phone = "0117 496 0003 or 0117 496 000"'), "p.toml")
    for fine in ("101", "+44 117 496 0003", "0117 496 0003 ext 12", "0300 123 4567", "0117 496 0003 (office)",
                 "0117 496 0003 / out of hours 07912 345678", "101 (non-emergency)"):
        config = parse(demo_text().replace('phone = "0117 496 0003"', f'phone = "{fine}"'), "prevent.toml")
        assert config.police_prevent.phone == fine
    with pytest.raises(ConfigError, match=r"dsl_team\.0\.phone"):
        parse(demo_text().replace('phone = "020 7946 0101"', 'phone = "ring the office"'), "prevent.toml")


def test_missing_section_and_bad_toml(tmp_path: Path) -> None:
    without_head = demo_text().split("[headteacher]")[0]
    with pytest.raises(ConfigError, match="headteacher: Field required"):
        parse(without_head, "prevent.toml")
    with pytest.raises(ConfigError, match=r"prevent\.toml: not valid TOML"):
        parse("[school\nname=", "prevent.toml")


def test_bad_file_gives_a_clear_message_not_a_traceback(tmp_path: Path) -> None:
    school = tmp_path / "prevent.toml"
    school.write_text(demo_text().replace('slug = "demo"', 'slug = "Demo School!"'))
    env = {**os.environ, "PREVENT_CONFIG": str(school), "DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}",
           **CLI_NOW}
    result = subprocess.run([sys.executable, "-m", "bot", "concerns", "list"], capture_output=True, text=True,
                            env=env, cwd=tmp_path, timeout=60, check=False)
    assert result.returncode == 2
    assert f"{school}: school.slug" in result.stderr
    assert "Traceback" not in result.stderr


def test_who_is_on_duty_by_weekday() -> None:
    from datetime import datetime

    config = parse(EXAMPLE.read_text(), "example")
    directory = SchoolDirectory(None, config, 1)  # type: ignore[arg-type]
    monday = directory.contacts(datetime(2026, 11, 23, 10, 0))
    thursday = directory.contacts(datetime(2026, 11, 26, 10, 0))
    sunday = directory.contacts(datetime(2026, 11, 29, 10, 0))
    assert [c.name for c in monday.on_duty] == ["Alex Example"]
    assert [c.name for c in monday.deputies] == ["Sam Sample"]
    assert [c.name for c in thursday.on_duty] == ["Sam Sample"]
    assert sunday.on_duty == () and sunday.out_of_hours  # the weekend: nobody, not the lead DSL
    assert not monday.out_of_hours and not thursday.out_of_hours
    assert monday.helpline.email == "counter.extremism@education.gov.uk"


async def test_doctor_names_school_weekdays_with_no_dsl_on_duty(tmp_path: Path) -> None:
    from bot.app import build
    from bot.checks import run_doctor
    from tests.helpers import make_settings

    gap = demo_text().replace('on_duty = ["mon", "tue", "wed", "thu", "fri"]', 'on_duty = ["mon", "tue"]')
    app = await build(make_settings(f"sqlite:///{tmp_path / 'p.db'}"), config=parse(gap, "prevent.toml"))
    try:
        problems = await run_doctor(app)
        assert "school file: no one in the DSL team is on duty on wed (dsl_team.on_duty)" in " ".join(problems)
        app.config = parse(demo_text(), "prevent.toml")  # the demo rota covers every day
        assert not any("on duty" in p for p in await run_doctor(app))
    finally:
        await app.close()
