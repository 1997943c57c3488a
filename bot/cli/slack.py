"""Command-line commands for Slack: `prevent-bot manifest slack --url https://HOST` prints the app manifest."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated
from urllib.parse import urlsplit

import typer

MANIFEST = Path(__file__).resolve().parents[1] / "manifests" / "slack" / "manifest.yml"  # package data
PLACEHOLDER = "https://HOST"


class ManifestError(Exception):
    """The manifest cannot be filled in; the message says why."""


def manifest_for(url: str, socket_mode: bool = False, source: Path = MANIFEST) -> str:
    """Returns the manifest with the request URLs filled in (or Socket Mode turned on)."""
    text = source.read_text(encoding="utf-8")
    if socket_mode:
        kept = [line for line in text.splitlines() if PLACEHOLDER not in line]
        return "\n".join(kept).replace("socket_mode_enabled: false", "socket_mode_enabled: true") + "\n"
    parts = urlsplit(url.strip())
    if parts.scheme != "https" or not parts.hostname or parts.query or parts.fragment:
        raise ManifestError(f"--url must be the server's public https address, e.g. https://bot.school.example "
                            f"(got {url!r}); Slack only calls https URLs")
    base = f"https://{parts.netloc}{parts.path.rstrip('/')}"
    return text.replace(PLACEHOLDER, base)


def slack_manifest(
    url: Annotated[str, typer.Option("--url", help="The server's public address, e.g. https://bot.school.example")]
    = "",
    socket_mode: Annotated[bool, typer.Option("--socket-mode", help="For Socket Mode (no public URL).")] = False,
) -> None:
    """Print the Slack app manifest with the request URLs filled in (paste it at api.slack.com/apps)."""
    if not url and not socket_mode:
        typer.secho("Give --url https://HOST (your server's public address) or --socket-mode.",
                    fg=typer.colors.RED, err=True)
        raise typer.Exit(2)
    try:
        typer.echo(manifest_for(url, socket_mode), nl=False)
    except (ManifestError, OSError) as exc:
        typer.secho(f"Cannot print the Slack manifest: {exc}", fg=typer.colors.RED, err=True)
        raise typer.Exit(2) from exc
