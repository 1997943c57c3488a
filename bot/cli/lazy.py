"""A Typer command group that lists its commands from the table and imports a command's module only to run it."""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import typer
from typer.core import TyperCommand, TyperGroup

from bot.cli.table import COMMANDS, Command, Entry, Group

if TYPE_CHECKING:  # annotations only: typer (0.29) carries its own click, under a private name
    from typer._click import Context, HelpFormatter
    from typer._click.shell_completion import CompletionItem

LISTING = "prevent_cli_listing"  # Context.meta flag: a help page is listing commands, so no module is imported


def load(name: str, command: Command) -> TyperCommand:
    """Imports the command's module and builds its click command, options and full help included."""
    function = getattr(importlib.import_module(command.module), command.function)
    holder = typer.Typer(add_completion=False)
    holder.command(name)(function)
    built = typer.main.get_command(holder)
    assert isinstance(built, TyperCommand)
    return built


def listed(name: str, entry: Entry) -> TyperCommand | LazyGroup:
    """What a help page lists for an entry: a group as it is (it imports nothing), a command by its help only."""
    if isinstance(entry, Group):
        return LazyGroup(name=name, help=entry.help, table=entry.children, no_args_is_help=True)
    return TyperCommand(name, help=entry.help)


class LazyGroup(TyperGroup):
    """A group whose commands come from a table: listed by their one-line help, imported only when run."""

    TABLE: Mapping[str, Entry] = {}

    def __init__(self, *, table: Mapping[str, Entry] | None = None, **attrs: Any) -> None:
        super().__init__(**attrs)
        self.table = self.TABLE if table is None else table
        # The listing stand-ins, in order: they give TyperGroup its names, order and "Did you mean …?".
        self.commands = {name: listed(name, entry) for name, entry in self.table.items()}

    def get_command(self, ctx: Context, cmd_name: str) -> TyperCommand | TyperGroup | None:
        """The command to run (its module imported now), or only its listing while a help page is drawn."""
        entry = self.table.get(cmd_name)
        if entry is None or isinstance(entry, Group) or ctx.meta.get(LISTING):
            found = self.commands.get(cmd_name)
            assert found is None or isinstance(found, TyperCommand | TyperGroup)
            return found
        return load(cmd_name, entry)

    def format_help(self, ctx: Context, formatter: HelpFormatter) -> None:
        """Draws the help page, listing the commands from the table (typer's would build every one)."""
        ctx.meta[LISTING] = True
        try:
            super().format_help(ctx, formatter)
        finally:
            del ctx.meta[LISTING]

    def shell_complete(self, ctx: Context, incomplete: str) -> list[CompletionItem]:
        """Completes a command name from the table, importing no command's module."""
        ctx.meta[LISTING] = True
        try:
            return super().shell_complete(ctx, incomplete)
        finally:
            del ctx.meta[LISTING]


class RootGroup(LazyGroup):
    """`prevent-bot` itself: every command in the table."""

    TABLE = COMMANDS
