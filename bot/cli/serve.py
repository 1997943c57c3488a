"""`prevent-bot serve`: the server (Slack, Teams, health checks, scheduled jobs)."""

from __future__ import annotations

import typer

from bot.app import load_config
from bot.cli.support import fail
from bot.config import ConfigError
from bot.settings import Settings
from storage.crypto import DataKeyError


def register(cli: typer.Typer) -> None:
    """Adds `serve`."""
    cli.command("serve")(serve)


def serve() -> None:
    """Run the server: Slack events, Teams messages, health checks and scheduled jobs."""
    from bot.server import run_server  # here, not at the top: only `serve` loads the Slack and Teams SDKs

    try:
        settings = Settings()
        load_config(settings)
        run_server(settings)
    except (ConfigError, DataKeyError) as exc:
        fail(str(exc))
