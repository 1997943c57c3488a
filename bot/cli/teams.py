"""Command-line commands for Teams: `prevent-bot manifest teams` builds the app package."""

from __future__ import annotations

import json
import re
import struct
import zipfile
from pathlib import Path
from typing import Annotated
from urllib.parse import urlsplit

import typer

MANIFEST_DIR = Path(__file__).resolve().parents[1] / "manifests" / "teams"  # package data
ICON_SIZES = {"color.png": (192, 192), "outline.png": (32, 32)}
GUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


class PackageError(Exception):
    """The app package cannot be built; the message says why."""


def png_size(data: bytes) -> tuple[int, int]:
    """Returns a PNG's width and height from its header."""
    if data[:8] != PNG_SIGNATURE or data[12:16] != b"IHDR":
        raise PackageError("not a PNG file")
    width, height = struct.unpack(">II", data[16:24])
    return int(width), int(height)


PLACEHOLDER_HOST = "school.example"  # the shipped manifest's developer links: a school must give its own
LINK_OPTIONS = {"websiteUrl": "--website", "privacyUrl": "--privacy-url", "termsOfUseUrl": "--terms-url"}


def manifest_for(app_id: str, source: Path = MANIFEST_DIR, version: str = "",
                 links: dict[str, str] | None = None) -> dict[str, object]:
    """Returns the manifest with the app and bot ids, and any developer links given, filled in."""
    if not GUID.match(app_id):
        raise PackageError(f"--app-id must be the bot's Microsoft App ID, a GUID (got {app_id!r})")
    manifest = json.loads((source / "manifest.json").read_text(encoding="utf-8"))
    manifest["id"] = app_id
    for bot in manifest.get("bots", []):
        bot["botId"] = app_id
    if version:
        manifest["version"] = version
    for field, url in (links or {}).items():
        if url:
            if not url.startswith("https://"):
                raise PackageError(f"{LINK_OPTIONS[field]} must be an https:// address (got {url!r})")
            manifest["developer"][field] = url
    return dict(manifest)


def placeholder_links(manifest: dict[str, object]) -> list[str]:
    """Returns the options still needed because their developer link is the shipped placeholder."""
    developer = manifest.get("developer")
    assert isinstance(developer, dict)
    hosts = {field: urlsplit(str(developer.get(field, ""))).hostname or "" for field in LINK_OPTIONS}
    return [option for field, option in LINK_OPTIONS.items()
            if hosts[field] == PLACEHOLDER_HOST or hosts[field].endswith("." + PLACEHOLDER_HOST)]


def build_package(app_id: str, out: Path, source: Path = MANIFEST_DIR, version: str = "",
                  links: dict[str, str] | None = None) -> Path:
    """Writes the Teams app package: manifest.json, color.png and outline.png at the root of a zip."""
    manifest = manifest_for(app_id, source, version, links)
    if missing := placeholder_links(manifest):
        raise PackageError(f"give your school's own pages with {', '.join(missing)} (Teams shows them to staff "
                           "in the app's details; the privacy link should be the school's privacy notice)")
    icons = {}
    for name, size in ICON_SIZES.items():
        data = (source / name).read_bytes()
        found = png_size(data)
        if found != size:
            raise PackageError(f"{name} must be {size[0]}x{size[1]} pixels (it is {found[0]}x{found[1]})")
        icons[name] = data
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as package:
        package.writestr("manifest.json", json.dumps(manifest, indent=2) + "\n")
        for name, data in icons.items():
            package.writestr(name, data)
    return out


def teams_manifest(
    app_id: Annotated[str, typer.Option("--app-id", help="The bot's Microsoft App ID (MicrosoftAppId).")],
    out: Annotated[Path, typer.Option("--out", help="Where to write the app package.")] = Path("app.zip"),
    version: Annotated[str, typer.Option("--version", help="App version (semver), e.g. 1.0.1.")] = "",
    source: Annotated[Path, typer.Option("--from", help="Folder with manifest.json and the icons.")]
    = MANIFEST_DIR,
    website: Annotated[str, typer.Option("--website", help="https:// page about the bot at your school.")] = "",
    privacy: Annotated[str, typer.Option("--privacy-url", help="https:// your school's privacy notice.")] = "",
    terms: Annotated[str, typer.Option("--terms-url", help="https:// terms of use (e.g. the IT policy).")] = "",
) -> None:
    """Build the Teams app package (upload it in Teams or the Teams admin centre)."""
    links = {"websiteUrl": website.strip(), "privacyUrl": privacy.strip(), "termsOfUseUrl": terms.strip()}
    try:
        written = build_package(app_id.strip(), out, source, version, links)
    except (PackageError, OSError, ValueError) as exc:
        typer.secho(f"Cannot build the Teams app package: {exc}", fg=typer.colors.RED, err=True)
        raise typer.Exit(2) from exc
    typer.echo(f"Wrote {written} (manifest.json, color.png, outline.png). Upload it as described in "
               "docs/teams.md.")
