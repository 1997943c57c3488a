"""The licence: Apache-2.0, the full text shipped beside the code and named in the package metadata."""

from __future__ import annotations

import hashlib
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APACHE_2_0_MD5 = "3b83ef96387f14655fc854ddc3c6bd57"  # of the text at https://www.apache.org/licenses/LICENSE-2.0.txt


def test_the_package_says_apache_2_0_and_ships_the_standard_text() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["license"] == "Apache-2.0" and project["license-files"] == ["LICENSE"]
    assert not any("License ::" in c for c in project.get("classifiers", []))  # SPDX and a classifier may not mix
    text = (ROOT / "LICENSE").read_bytes()
    assert hashlib.md5(text).hexdigest() == APACHE_2_0_MD5
