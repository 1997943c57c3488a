"""The local console: talk to the bot as a member of staff, in a terminal or from a script."""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Literal, Protocol, TextIO

from rich.console import Console

from dialogs.engine import Engine
from dialogs.messages import Inbound, Reply, UserRef
from handlers.terminal import Interrupted, Reader, reader_for

POLL_SECONDS = 2.0
Ending = Literal["ended", "interrupted"]  # end of input (Ctrl-D), or Ctrl-C


class Mailbox(Protocol):
    """Messages waiting for this person on the console (their own, and the DSL channel's)."""

    async def collect(self, email: str) -> list[Reply]:
        """Returns and marks delivered everything waiting for this person."""
        ...


@dataclass(slots=True)
class Shown:
    """The buttons on screen since the last input: number -> (choice id, prompt token)."""

    buttons: list[tuple[str, str | None]] = field(default_factory=list)
    last_token: str | None = None

    def reset(self) -> None:
        """Forgets the buttons shown (they are renumbered for each batch)."""
        self.buttons.clear()

    def token_for(self, choice: str) -> str | None:
        """Returns the prompt token of the newest button with this id."""
        for shown, token in reversed(self.buttons):
            if shown == choice:
                return token
        return self.last_token


class ConsoleChat:
    """Reads lines, turns them into Inbound messages, prints the replies."""

    def __init__(self, engine: Engine, mailbox: Mailbox, email: str, school: str, *, jsonl: bool,
                 out: TextIO, interactive: bool) -> None:
        self.engine, self.mailbox, self.email = engine, mailbox, email.strip().lower()
        self.user = UserRef("console", school, self.email, self.email)
        self.key = f"console:{self.email}"
        self.jsonl, self.out, self.interactive = jsonl, out, interactive
        self.rich = Console(file=out, highlight=False) if interactive and not jsonl else None
        self.shown = Shown()
        self._aside: Callable[[], contextlib.AbstractContextManager[None]] = contextlib.nullcontext

    async def run(self, reader: Reader) -> Ending:
        """Greets, then handles each line until end of input or Ctrl-C; says goodbye to a person."""
        self._aside = reader.aside
        self.show(await self.engine.greet(Inbound(self.user, self.key)))
        await self.deliver()
        poller = asyncio.create_task(self._poll()) if self.interactive else None
        try:
            ending = await self._converse(reader)
        finally:
            if poller is not None:
                poller.cancel()
        await self.deliver()
        if self.interactive:
            await self.goodbye()
        return ending

    async def _converse(self, reader: Reader) -> Ending:
        """Handles each line read until end of input or Ctrl-C."""
        while True:
            try:
                line = await reader.read_line()
            except Interrupted:
                return "interrupted"
            if line is None:
                return "ended"
            inbound = self.parse(line)
            if inbound is None:
                continue
            self.shown.reset()
            self.show(await self.engine.handle(inbound))
            await self.deliver()

    async def goodbye(self) -> None:
        """Says goodbye, and that a half-told concern (or anything else left half-way) is kept for next time."""
        unfinished = await self.engine.unfinished(self.user, self.key)
        key = {None: "console.goodbye", "raise_concern": "console.goodbye_concern"}.get(
            unfinished, "console.goodbye_unfinished")
        self.out.write(self.engine.services.words(key) + "\n")
        self.out.flush()

    async def _poll(self) -> None:
        while True:
            await asyncio.sleep(POLL_SECONDS)
            await self.deliver()

    async def deliver(self) -> None:
        """Shows anything waiting in the outbox for this person."""
        waiting = await self.mailbox.collect(self.email)
        if waiting:
            with self._aside():  # a prompt waiting for input is put back below the news
                self.show(waiting, notification=True)

    def parse(self, line: str) -> Inbound | None:
        """Turns one input line into an Inbound: JSON, a number for a button, or text."""
        text, choice = line, None
        stripped = line.strip()
        if stripped.startswith("{"):
            try:
                data = json.loads(stripped)
            except json.JSONDecodeError:
                data = None
            if isinstance(data, dict):
                choice = str(data["choice"]) if data.get("choice") is not None else None
                text = str(data.get("text", "")) if choice is None else ""
        elif stripped.isascii() and stripped.isdigit() and len(stripped) <= 3 \
                and 1 <= int(stripped) <= len(self.shown.buttons):  # isdigit() alone lets "²" and 5,000 digits in
            choice = self.shown.buttons[int(stripped) - 1][0]
        if choice is not None:
            return Inbound(self.user, self.key, choice=choice, prompt_token=self.shown.token_for(choice))
        if not text.strip() and not self.jsonl:
            return None
        return Inbound(self.user, self.key, text=text)

    def show(self, replies: list[Reply], notification: bool = False) -> None:
        """Prints replies: JSON lines, rich text, or plain text."""
        for reply in replies:
            if reply.prompt_token:
                self.shown.last_token = reply.prompt_token
            first = len(self.shown.buttons) + 1
            self.shown.buttons += [(c.id, reply.prompt_token) for c in reply.choices]
            if self.jsonl:
                record = {**reply.to_json(), "notification": notification}
                self.out.write(json.dumps(record) + "\n")
            else:
                self._print(reply, first, notification)
        self.out.flush()

    def _print(self, reply: Reply, first: int, notification: bool) -> None:
        text = reply.text.replace("*", "")  # light markdown: bold has no meaning in a terminal
        lines = [("[NEW] " if notification else "") + text]
        lines += [f"    {label}: {value}" for label, value in reply.facts]
        lines += [f"  [{first + i}] {c.label}" for i, c in enumerate(reply.choices)]
        if self.rich is not None:
            style = "bold red" if reply.urgent else ("bold yellow" if notification else "")
            for index, line in enumerate(lines):
                self.rich.print(line, style=style if index == 0 else "", markup=False)
            self.rich.print()
        else:
            self.out.write("\n".join(lines) + "\n\n")


async def chat_on_stdio(engine: Engine, mailbox: Mailbox, email: str, school: str, jsonl: bool,
                        stdin: TextIO | None = None, stdout: TextIO | None = None) -> Ending:
    """Runs the console chat on stdin/stdout until end of input or Ctrl-C; returns which it was."""
    stdin, stdout = stdin or sys.stdin, stdout or sys.stdout
    interactive = stdin.isatty() and not jsonl
    chat = ConsoleChat(engine, mailbox, email, school, jsonl=jsonl, out=stdout, interactive=interactive)
    reader = reader_for(stdin, stdout, interactive)
    with reader, _stopping_on_signals(reader.interrupt):
        return await chat.run(reader)


@contextlib.contextmanager
def _stopping_on_signals(stop: Callable[[], None]) -> Iterator[None]:
    """Turns Ctrl-C (SIGINT) and SIGTERM into a clean stop of the chat while it runs."""
    loop = asyncio.get_running_loop()
    caught = []
    for number in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(number, stop)
            caught.append(number)
        except (NotImplementedError, RuntimeError, ValueError):  # Windows, or not the main thread
            pass
    try:
        yield
    finally:
        for number in caught:
            loop.remove_signal_handler(number)
