"""`prevent-bot db upgrade`: apply the database migrations (`db backup` and `db rekey` have modules of their own)."""

from __future__ import annotations

import typer

from bot.app import App
from bot.cli.support import with_app


def db_upgrade() -> None:
    """Apply database migrations (also done on every start)."""

    async def work(app: App) -> None:
        typer.echo(f"Database is up to date for {app.config.school.name}.")

    with_app(work)
