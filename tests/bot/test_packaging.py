"""Packaging: the wheel carries the Slack and Teams manifests and icons, so `prevent-bot manifest` works installed.

Builds the wheel from a copy of the source, installs it into a fresh venv and runs both manifest commands from
a folder outside the source tree. Offline: the wheel is built with this environment's setuptools
(--no-build-isolation) and installed with --no-deps --no-index; the fresh venv sees this environment's
site-packages for the dependencies (a plain path, so this checkout's editable install is not picked up).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.packaging
ROOT = Path(__file__).resolve().parents[2]
BUILT_FROM = ["pyproject.toml", "README.md", "bot", "handlers", "dialogs", "storage"]
APP_ID = "0b6f5a3e-1c2d-4e5f-8a9b-0c1d2e3f4a5b"
LINKS = ["--website", "https://www.test-school.example.org/prevent", "--privacy-url",
         "https://www.test-school.example.org/privacy", "--terms-url", "https://www.test-school.example.org/it-policy"]
SHIPPED = ["bot/manifests/slack/manifest.yml", "bot/manifests/teams/manifest.json", "bot/manifests/teams/color.png",
           "bot/manifests/teams/outline.png"]


def run(*command: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Runs a command without PYTHONPATH and without any package index; fails the test if it fails."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
    env["PIP_NO_INDEX"] = "1"
    done = subprocess.run([str(c) for c in command], cwd=cwd, env=env, capture_output=True, text=True, timeout=300,
                          check=False)
    assert done.returncode == 0, f"{command} failed:\n{done.stdout}\n{done.stderr}"
    return done


def build_wheel(source: Path, work: Path) -> Path:
    """Builds the wheel from a copy of `source` (setuptools writes build/ beside the sources it builds)."""
    copy = work / "src"
    for name in BUILT_FROM:
        if (source / name).is_dir():
            shutil.copytree(source / name, copy / name,
                            ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "build", "*.egg-info"))
        else:
            copy.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source / name, copy / name)
    run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-q",
        "-w", work / "dist", copy, cwd=work)
    return next((work / "dist").glob("prevent_bot-*.whl"))


def fresh_venv(wheel: Path, work: Path) -> Path:
    """Installs the wheel alone into a new venv that finds its dependencies in this environment; returns bin/."""
    venv = work / "venv"
    run(sys.executable, "-m", "venv", "--without-pip", venv, cwd=work)
    python = venv / ("Scripts" if os.name == "nt" else "bin") / "python"
    purelib = run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])", cwd=work).stdout.strip()
    (Path(purelib) / "prevent_test_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    run(sys.executable, "-m", "pip", "--python", python, "install", "-q", "--no-deps", "--no-index", wheel, cwd=work)
    return python.parent


def test_the_installed_wheel_prints_both_manifests_outside_the_source_tree(tmp_path: Path) -> None:
    wheel = build_wheel(ROOT, tmp_path)
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
    assert [name for name in SHIPPED if name not in names] == [], "the manifests and icons are package data"
    assert not [n for n in names if n.endswith("make_icons.py")], "the icon script is for developers, not shipped"
    bin_dir = fresh_venv(wheel, tmp_path)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    where = run(bin_dir / "python", "-c", "import bot; print(bot.__file__)", cwd=elsewhere).stdout
    assert Path(where.strip()).is_relative_to(tmp_path / "venv"), "the installed copy runs, not this checkout"
    slack = run(bin_dir / "prevent-bot", "manifest", "slack", "--url", "https://bot.school.example", cwd=elsewhere)
    assert "request_url: https://bot.school.example/slack/events" in slack.stdout
    socket = run(bin_dir / "prevent-bot", "manifest", "slack", "--socket-mode", cwd=elsewhere)
    assert "socket_mode_enabled: true" in socket.stdout
    teams = run(bin_dir / "prevent-bot", "manifest", "teams", "--app-id", APP_ID, "--out", "app.zip", *LINKS,
                cwd=elsewhere)
    assert "Wrote app.zip" in teams.stdout
    with zipfile.ZipFile(elsewhere / "app.zip") as package:
        assert sorted(package.namelist()) == ["color.png", "manifest.json", "outline.png"]
