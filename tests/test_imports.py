"""The import rules of the README's "Layout": layers, the platform SDKs kept in their folders, no cycles.

The contracts live in pyproject.toml ([tool.importlinter]) and are checked by import-linter, which reads
every import statically (those inside functions and under TYPE_CHECKING included). grimp, its graph
library, also finds any cycle at all, a package and its own modules included, and which libraries
dialogs/ reaches. Imports inside functions are refused outright, except the few listed below.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("bot", "handlers", "dialogs", "storage")

# Imports inside a function that are there on purpose, by file and module, with the reason.
DELIBERATE_LAZY_IMPORTS = {
    ("bot/cli/serve.py", "bot.server"): "start-up time: only `serve` loads the Slack and Teams SDKs (about 1 s)",
    ("bot/checks.py", "bot.delivery.slack"): "start-up time: `doctor` loads the Slack SDK only when Slack is set up",
    ("bot/checks.py", "bot.delivery.teams"): "start-up time: `doctor` loads the Bot Framework SDK only when Teams is",
    ("storage/db.py", "alembic.config"): "start-up time (about 0.1 s): Alembic loads only when a migration is to run",
    ("storage/db.py", "alembic"): "start-up time: a database at the newest revision is upgraded without Alembic",
    ("storage/db.py", "alembic.script"): "start-up time: `doctor` counts missing migrations with Alembic only if any",
    ("handlers/terminal.py", "termios"): "termios exists only on POSIX; the console also runs without it",
    ("dialogs/when.py", "dateparser.date"): "start-up time (about 0.1 s, 12 MB): only an answer that needs it loads it",
}
# What dialogs/ may import besides the standard library and itself (DESIGN.md: small pure helpers).
DIALOGS_MAY_USE = {"rapidfuzz": "typo-tolerant matching of commands and intents",
                   "dateparser": "dates as staff write them ('last Tuesday', 'yesterday 3pm'), English data only"}
# Slack's and Teams' own syntax, which lives in handlers/slack and handlers/teams, never in bot/.
PLATFORM_SYNTAX = re.compile(r"<@|<!|<at>|channel_not_found|is_private")


def test_the_import_contracts_hold() -> None:
    """Runs import-linter over pyproject.toml's contracts (layers, independence, forbidden SDKs, acyclic)."""
    lint = Path(sys.executable).with_name("lint-imports")
    found = subprocess.run([str(lint), "--no-cache", "--config", str(ROOT / "pyproject.toml")], cwd=ROOT,
                           capture_output=True, text=True, timeout=120, check=False)
    assert found.returncode == 0, found.stdout + found.stderr


def test_no_module_is_part_of_an_import_cycle() -> None:
    """No chain of imports leads back to where it started (imports for type annotations only are fine)."""
    graph = grimp.build_graph(*PACKAGES, exclude_type_checking_imports=True, cache_dir=None)
    cycles = set()
    for importer in graph.modules:
        for imported in graph.find_modules_directly_imported_by(importer):
            back = graph.find_shortest_chain(importer=imported, imported=importer)
            if back:
                cycles.add(" -> ".join((importer, *back)))
    assert sorted(cycles) == []


def test_dialogs_use_only_the_standard_library() -> None:
    """dialogs/ reaches no library but the standard library (and the pure helpers listed above)."""
    graph = grimp.build_graph(*PACKAGES, include_external_packages=True, cache_dir=None)
    reached = {imported.split(".")[0] for module in graph.find_children("dialogs") | {"dialogs"}
               for imported in graph.find_modules_directly_imported_by(module)}
    outside = reached - set(PACKAGES) - set(sys.stdlib_module_names) - set(DIALOGS_MAY_USE)
    assert sorted(outside) == [] and reached & set(PACKAGES) <= {"dialogs"}


def _function_level_imports() -> set[tuple[str, str]]:
    """Returns (file, module) for each import statement inside a function in the four packages."""
    found = set()
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations/versions" in path.as_posix():
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for function in ast.walk(tree):
                if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
                    continue
                for node in ast.walk(function):
                    if isinstance(node, ast.Import):
                        found |= {(path.relative_to(ROOT).as_posix(), alias.name) for alias in node.names}
                    elif isinstance(node, ast.ImportFrom):
                        found.add((path.relative_to(ROOT).as_posix(), "." * node.level + (node.module or "")))
    return found


def test_no_imports_hide_inside_functions() -> None:
    """An import inside a function hides a cycle or a layer broken; only the deliberate ones above are allowed."""
    assert sorted(_function_level_imports() - set(DELIBERATE_LAZY_IMPORTS)) == []


def test_every_deliberate_lazy_import_is_still_there() -> None:
    """The list above stays true: an entry whose import was moved to the top is removed from it."""
    assert sorted(set(DELIBERATE_LAZY_IMPORTS) - _function_level_imports()) == []


def test_bot_names_no_slack_or_teams_syntax() -> None:
    """Mentions, channel-id checks and platform error codes live in the platform's handler, not in bot/."""
    offenders = [f"{path.relative_to(ROOT)}:{number}"
                 for path in sorted((ROOT / "bot").rglob("*.py"))
                 for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
                 if PLATFORM_SYNTAX.search(line)]
    assert offenders == []


def imported_test_modules(path: Path) -> list[str]:
    """Returns the test modules (test_*.py, conftest.py) a file under tests/ imports."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
    names += [n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module]
    return [m for m in names if m.startswith("tests.") and re.match(r"(test_|conftest$)", m.rsplit(".", 1)[-1])]


def test_no_test_module_imports_another() -> None:
    """Shared helpers live in tests/helpers.py (or a folder's harness or fakes) and fixtures in conftest.py;
    no module imports a test module or a conftest, so each test module stands alone."""
    found = {str(p.relative_to(ROOT)): m for p in sorted((ROOT / "tests").rglob("*.py"))
             if (m := imported_test_modules(p))}
    assert found == {}


def test_the_test_module_check_sees_an_import_of_one(tmp_path: Path) -> None:
    """The check itself: `from tests.x.test_y import z` and `import tests.conftest` are both found."""
    (tmp_path / "test_a.py").write_text("from tests.bot.test_audit import x\nimport tests.conftest\n"
                                        "from tests.helpers import chat\n", encoding="utf-8")
    assert imported_test_modules(tmp_path / "test_a.py") == ["tests.conftest", "tests.bot.test_audit"]
