"""One clock: PREVENT_NOW starts a process's clock anywhere, and nothing else reads the machine's time."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.app import build
from bot.config import demo_text, parse
from storage.clock import running_from, utcnow
from tests.helpers import make_settings

LONDON = ZoneInfo("Europe/London")
ROOT = Path(__file__).resolve().parents[2]
READS_THE_MACHINE = re.compile(r"datetime\.(now|utcnow|today)\(|date\.today\(")


def test_a_clock_running_from_a_moment_reads_it_now_and_runs_on() -> None:
    moment = datetime(2027, 1, 1, 0, 30, tzinfo=LONDON)
    clock = running_from(moment, LONDON)
    first = clock()
    assert timedelta(0) <= first - moment < timedelta(seconds=5)
    assert first.tzinfo == LONDON and clock() >= first


def test_a_naive_moment_is_in_the_schools_zone() -> None:
    clock = running_from(datetime(2027, 7, 15, 23, 59), LONDON)  # British Summer Time: 22:59 UTC
    assert clock().utcoffset() == timedelta(hours=1)
    assert clock().astimezone(ZoneInfo("UTC")).hour == 22


async def test_prevent_now_sets_the_apps_clock_so_references_follow_its_year(tmp_path: Path) -> None:
    settings = make_settings(f"sqlite:///{tmp_path / 'prevent.db'}", PREVENT_NOW="2031-03-03T10:00:00")
    app = await build(settings, config=parse(demo_text(), "demo"))
    try:
        now = app.clock()
        assert (now.year, now.month, now.day, now.hour) == (2031, 3, 3, 10) and now.tzinfo == LONDON
        assert app.concerns.clock is app.clock and app.training.clock is app.clock
    finally:
        await app.close()


async def test_without_prevent_now_the_app_tells_the_machines_time(tmp_path: Path) -> None:
    app = await build(make_settings(f"sqlite:///{tmp_path / 'prevent.db'}"), config=parse(demo_text(), "demo"))
    try:
        assert abs(app.clock() - utcnow()) < timedelta(seconds=5)
    finally:
        await app.close()


def test_only_the_clock_module_reads_the_machines_time() -> None:
    offenders = [f"{path.relative_to(ROOT)}:{number}"
                 for folder in ("bot", "handlers", "dialogs", "storage", "tests", "bench")
                 for path in sorted((ROOT / folder).rglob("*.py"))
                 if path.name != "clock.py" and path != Path(__file__).resolve()
                 for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
                 if READS_THE_MACHINE.search(line)]
    assert offenders == []
