"""Shared helpers for the command-line modules: build the app for one command, fail plainly."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from typing import NoReturn, TypeVar

import typer

from bot.app import App, build
from bot.config import ConfigError
from bot.settings import Settings
from storage.crypto import DataKeyError

T = TypeVar("T")
_REFERENCE = re.compile(r"C-([0-9]{4})-([0-9]{4,9})", re.IGNORECASE)  # as storage writes them: C-2026-0042


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


def parse_reference(text: str) -> str | None:
    """Returns a concern reference as stored (C-2026-0042) from what was typed, or None if it is not one."""
    found = _REFERENCE.fullmatch(text.strip())
    return f"C-{found[1]}-{found[2]}" if found else None


def reference_or_fail(text: str) -> str:
    """Returns the reference typed, as stored; says plainly that it is not one (and exits) otherwise."""
    reference = parse_reference(text)
    if reference is None:
        shown = repr(text[:40]) + ("…" if len(text) > 40 else "")  # repr: no control characters reach the terminal
        fail(f"{shown} is not a concern reference; they look like C-2026-0001. Nothing was looked up.")
    return reference
