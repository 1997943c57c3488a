"""`prevent-bot chat --as EMAIL`: the local console, the same dialogs on this computer."""

from __future__ import annotations

import logging
from typing import Annotated

import typer

from bot.app import App
from bot.cli.support import with_app
from bot.delivery.console import ConsoleMailbox
from handlers.console import chat_on_stdio


def chat(
    email: Annotated[str, typer.Option("--as", help="Your email address (who you are talking as).")],
    jsonl: Annotated[bool, typer.Option("--jsonl", help="One JSON object per line in and out.")] = False,
) -> None:
    """Talk to the bot on this computer, as the person with EMAIL."""
    logging.getLogger().setLevel(logging.ERROR)  # keep the conversation readable; errors still show

    async def work(app: App) -> str:
        if app.config.school.demo and not jsonl:
            typer.secho("Demo school: made-up people and numbers. Create prevent.toml for real use.",
                        fg=typer.colors.YELLOW, err=True)
        mailbox = ConsoleMailbox(app.db, app.directory, app.concerns)
        return await chat_on_stdio(app.engine, mailbox, email, app.config.school.slug, jsonl)

    if with_app(work) == "interrupted":
        raise typer.Exit(130)  # Ctrl-C: what a shell expects of an interrupted command
