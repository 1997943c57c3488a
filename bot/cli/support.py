"""Shared helpers for the command-line modules: build the app for one command, fail plainly."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import NoReturn, TypeVar

import typer

from bot.app import App, build
from bot.config import ConfigError
from bot.settings import Settings
from storage.crypto import DataKeyError

T = TypeVar("T")


def fail(message: str, code: int = 2) -> NoReturn:
    """Prints a clear error (no traceback) and exits."""
    typer.secho(message, fg=typer.colors.RED, err=True)
    raise typer.Exit(code)


def with_app(work: Callable[[App], Awaitable[T]]) -> T:
    """Builds the app, runs `work` with it, and closes it; configuration errors are printed plainly."""

    async def run() -> T:
        app = await build(Settings())
        try:
            return await work(app)
        finally:
            await app.close()

    try:
        return asyncio.run(run())
    except (ConfigError, DataKeyError) as exc:
        fail(str(exc))
        raise AssertionError("unreachable") from exc
