"""`prevent-bot serve` killed 30 times while people raise concerns: nothing lost, nothing told twice."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).parents[2] / "bench" / "crash.py"


def figure(output: str, label: str) -> int:
    """Returns the number printed after `label:` in the benchmark's report."""
    match = re.search(rf"^{re.escape(label)}: (\d+)", output, re.MULTILINE)
    assert match is not None, f"no '{label}' in:\n{output}"
    return int(match.group(1))


def test_thirty_kills_lose_nothing_and_tell_nothing_twice() -> None:
    run = subprocess.run([sys.executable, str(BENCH), "--kills", "30", "--people", "6", "--up", "1.0",
                          "--seed", "11", "--deadline", "150"],
                         capture_output=True, text=True, timeout=200, check=False)
    output = run.stdout + run.stderr
    assert figure(output, "concerns lost") == 0, output
    assert figure(output, "concerns duplicated") == 0, output
    assert figure(output, "DSL alerts duplicated or missing") == 0, output
    assert figure(output, "outbox messages posted twice") == 0, output
    told = re.search(r"(\d+) concerns told", output)
    assert told is not None and int(told.group(1)) >= 30, output  # the people really did get through
    assert run.returncode == 0, output
