"""`prevent-bot serve`: the server (Slack, Teams, health checks, scheduled jobs)."""

from __future__ import annotations

from typing import Annotated

import typer

from bot.app import load_config
from bot.cli.support import fail
from bot.config import ConfigError
from bot.settings import Settings
from storage.crypto import DataKeyError

DEMO_REFUSED = (
    "Not starting: this is the built-in demo school (made-up people and phone numbers), so a concern raised "
    "here would not reach a real DSL.\n"
    "For real use, create prevent.toml in this folder from prevent.example.toml (or set PREVENT_CONFIG to "
    "your school file), then check it with `prevent-bot doctor`.\n"
    "To try the server on the demo school anyway, run `prevent-bot serve --demo`."
)


DEMO_HELP = "Start on the built-in demo school (made-up people) anyway, to try it out."


def serve(demo: Annotated[bool, typer.Option("--demo", help=DEMO_HELP)] = False) -> None:
    """Run the server: Slack events, Teams messages, health checks and scheduled jobs."""
    from bot.server import run_server  # here, not at the top: only `serve` loads the Slack and Teams SDKs

    try:
        settings = Settings()
        if load_config(settings).school.demo and not demo:
            fail(DEMO_REFUSED)
        run_server(settings)
    except (ConfigError, DataKeyError) as exc:
        fail(str(exc))
