"""How well the bot understands staff as they type: accuracy by group, kind and state, the failures, a new user.

    .venv/bin/python bench/nlu.py                # the whole set (tests/nlu/cases.jsonl)
    .venv/bin/python bench/nlu.py --failures 0   # figures only
    .venv/bin/python bench/nlu.py --cases other.jsonl

Figures and how to read them: docs/performance.md, "Understanding staff".
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.nlu.evaluate import CASES, Result, evaluate, first_time_user, load_cases, make_app, score


def table(title: str, results: Sequence[Result], key: Callable[[Result], str]) -> None:
    """Prints right/total and accuracy for each value of `key`."""
    groups: dict[str, list[Result]] = defaultdict(list)
    for result in results:
        groups[key(result)].append(result)
    print(f"\n{title:<28} {'right':>5} / {'all':<4} {'accuracy':>8}")
    for name, members in sorted(groups.items()):
        right = sum(r.right for r in members)
        print(f"{name:<28} {right:>5} / {len(members):<4} {right / len(members):>8.1%}")


async def journey() -> None:
    """Prints the scripted first-time user's messages against the fewest possible."""
    with tempfile.TemporaryDirectory() as folder:
        app = await make_app(Path(folder))
        try:
            trip = await first_time_user(app)
        finally:
            await app.close()
    ratio = trip.messages / trip.minimum
    print(f"\nFirst-time user (a teaching assistant typing naturally): {trip.messages} messages, fewest possible "
          f"{trip.minimum} ({ratio:.2f}x; target at most 1.3x), {len(trip.refused)} refused, "
          f"{'submitted' if trip.submitted else 'NOT submitted'}")
    for refusal in trip.refused:
        print(f"  asked again after  {refusal}")


async def main() -> None:
    """Runs the set and prints the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--cases", type=Path, default=CASES)
    parser.add_argument("--failures", type=int, default=1000, help="how many failures to list (default all)")
    args = parser.parse_args()
    started = time.perf_counter()
    results = await evaluate(load_cases(args.cases))
    took = time.perf_counter() - started
    total = score(results)
    table("group (who typed it)", results, lambda r: r.case.group)
    table("kind", results, lambda r: r.case.kind)
    table("state", results, lambda r: r.case.state)
    wrong = [r for r in results if not r.right]
    if wrong and args.failures:
        print(f"\nFailures ({len(wrong)}):")
        for r in wrong[:args.failures]:
            print(f"  {r.case.id:<18} {r.case.state:<28} {r.case.text!r}: {r.why}")
    print(f"\n{total.right} of {total.total} right: {total.accuracy:.1%} (floor 97 %); help questions taken as a "
          f"concern: {total.into_concern} (floor 0); {took:.1f} s")
    await journey()


if __name__ == "__main__":
    asyncio.run(main())
