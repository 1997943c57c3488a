"""The Teams app manifest validates against the official schema; the package has the three files."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from PIL import Image
from typer.testing import CliRunner

from bot.cli import cli
from bot.cli.teams import MANIFEST_DIR, PackageError, build_package, manifest_for
from tests.handlers.teams.fake_connector import SCHEMAS

APP_ID = "0b6f5a3e-1c2d-4e5f-8a9b-0c1d2e3f4a5b"
LINKS = ["--website", "https://www.test-school.example.org/prevent", "--privacy-url",
         "https://www.test-school.example.org/privacy", "--terms-url", "https://www.test-school.example.org/it-policy"]


def validate(manifest: dict[str, Any]) -> None:  # Any: JSON, as the schema validator takes it
    """Validates against the schema of the version the manifest declares."""
    version = manifest["manifestVersion"]
    schema_file = SCHEMAS / f"MicrosoftTeams.v{version}.schema.json"
    assert schema_file.exists(), f"vendor the schema for manifest version {version}"
    schema = json.loads(schema_file.read_text(encoding="utf-8"))
    assert str(manifest["$schema"]).endswith(f"/v{version}/MicrosoftTeams.schema.json")
    cls = jsonschema.validators.validator_for(schema)
    errors = [e.message for e in cls(schema, format_checker=cls.FORMAT_CHECKER).iter_errors(manifest)]
    assert errors == []


NEWEST = "1.30"  # the newest Teams manifest version in @microsoft/app-manifest 1.1.2 (schemas/README.md)


def _version(path: Path) -> tuple[int, ...]:
    """Returns (1, 30) for MicrosoftTeams.v1.30.schema.json."""
    return tuple(int(n) for n in path.name.removeprefix("MicrosoftTeams.v").removesuffix(".schema.json").split("."))


def test_the_manifest_declares_the_newest_vendored_schema_version() -> None:
    manifest = json.loads((MANIFEST_DIR / "manifest.json").read_text(encoding="utf-8"))
    vendored = max(SCHEMAS.glob("MicrosoftTeams.v*.schema.json"), key=_version)
    assert vendored.name == f"MicrosoftTeams.v{NEWEST}.schema.json"
    assert manifest["manifestVersion"] == NEWEST
    assert manifest["$schema"] == f"https://developer.microsoft.com/json-schemas/teams/v{NEWEST}/MicrosoftTeams.schema.json"


def test_the_manifest_validates_against_the_teams_schema() -> None:
    manifest = json.loads((MANIFEST_DIR / "manifest.json").read_text(encoding="utf-8"))
    validate(manifest)
    validate(manifest_for(APP_ID))
    bot = manifest["bots"][0]
    assert set(bot["scopes"]) == {"personal", "team"}
    titles = {c["title"] for cl in bot["commandLists"] for c in cl["commands"]}
    assert titles == {"Raise a concern", "Who do I talk to", "Help"}


def test_the_package_has_the_three_files_at_its_root(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["manifest", "teams", "--app-id", APP_ID, "--out", str(tmp_path / "app.zip"),
                                      *LINKS])
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(tmp_path / "app.zip") as package:
        assert sorted(package.namelist()) == ["color.png", "manifest.json", "outline.png"]
        manifest = json.loads(package.read("manifest.json"))
        color = Image.open(io.BytesIO(package.read("color.png")))
        outline = Image.open(io.BytesIO(package.read("outline.png"))).convert("RGBA")
    assert manifest["id"] == APP_ID and manifest["bots"][0]["botId"] == APP_ID
    assert manifest["developer"]["privacyUrl"] == "https://www.test-school.example.org/privacy"
    assert manifest["developer"]["termsOfUseUrl"] == "https://www.test-school.example.org/it-policy"
    validate(manifest)
    assert color.size == (192, 192) and outline.size == (32, 32)
    pixels = [p for x in range(32) for y in range(32) if isinstance(p := outline.getpixel((x, y)), tuple)]
    assert len(pixels) == 32 * 32, "RGBA pixels"
    assert any(p[3] == 0 for p in pixels), "the outline icon has a transparent background"
    assert all(p[3] == 0 or p[:3] == (255, 255, 255) for p in pixels), "and only white lines"


def test_a_bad_app_id_or_icon_is_refused(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["manifest", "teams", "--app-id", "not-a-guid", "--out", str(tmp_path / "a.zip")])
    assert result.exit_code == 2 and not (tmp_path / "a.zip").exists()
    source = tmp_path / "src"
    source.mkdir()
    (source / "manifest.json").write_bytes((MANIFEST_DIR / "manifest.json").read_bytes())
    (source / "color.png").write_bytes((MANIFEST_DIR / "outline.png").read_bytes())
    (source / "outline.png").write_bytes((MANIFEST_DIR / "outline.png").read_bytes())
    links = {"websiteUrl": "https://a.example.org", "privacyUrl": "https://a.example.org/privacy",
             "termsOfUseUrl": "https://a.example.org/terms"}
    with pytest.raises(PackageError, match="192x192"):
        build_package(APP_ID, tmp_path / "b.zip", source, links=links)


def test_the_placeholder_links_are_refused(tmp_path: Path) -> None:
    out = tmp_path / "app.zip"
    result = CliRunner().invoke(cli, ["manifest", "teams", "--app-id", APP_ID, "--out", str(out), *LINKS[:2]])
    assert result.exit_code == 2 and not out.exists()
    assert "--privacy-url, --terms-url" in result.output and "--website" not in result.output.split("with")[1]
    result = CliRunner().invoke(cli, ["manifest", "teams", "--app-id", APP_ID, "--out", str(out), *LINKS[:4],
                                      "--terms-url", "http://insecure.example.org"])
    assert result.exit_code == 2 and "must be an https:// address" in result.output and not out.exists()
