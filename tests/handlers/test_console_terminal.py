"""The console at a terminal: Ctrl-C and Ctrl-D quit at once, long pastes arrive whole, news puts the prompt back.

Most tests drive the console in this process through a pseudo-terminal (pty) with a stand-in engine; one
runs `prevent-bot chat` in a pty that is its controlling terminal, where Ctrl-C is a real SIGINT.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import sqlite3
import subprocess
import sys
import termios
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from bot.services.wording import Words
from dialogs.messages import Inbound, Reply
from handlers import console
from handlers.console import chat_on_stdio
from storage.crypto import Cipher
from tests.helpers import TEACHER_EMAIL, TEST_KEY

LONG = " ".join(["He said they are the only ones who get me."] * 150)  # 6,449 characters: past a terminal line's 4,095
LAUNCH = ("import os, sys; fd = os.open(sys.argv[1], os.O_RDWR); [os.dup2(fd, n) for n in (0, 1, 2)]; "
          "os.close(fd); os.execv(sys.executable, [sys.executable, *sys.argv[2:]])")  # the pty becomes its terminal


@dataclass
class Recorder:
    """Stands in for the dialog engine: remembers each line, answers with how long it was."""

    said: list[str] = field(default_factory=list)
    unfinished_dialog: str | None = None
    services: Any = field(default_factory=lambda: SimpleNamespace(words=Words()))

    async def greet(self, inbound: Inbound) -> list[Reply]:
        return [Reply("Hello. What would you like to do?", expects="text")]

    async def handle(self, inbound: Inbound) -> list[Reply]:
        self.said.append(inbound.text or "")
        return [Reply(f"Got {len(inbound.text or '')} characters.")]

    async def unfinished(self, user: object, key: str) -> str | None:
        return self.unfinished_dialog


@dataclass
class News:
    """A mailbox that has something for the person once `waiting` is filled."""

    waiting: list[Reply] = field(default_factory=list)

    async def collect(self, email: str) -> list[Reply]:
        found, self.waiting = self.waiting, []
        return found


@dataclass
class Terminal:
    """The person's side of a pty: what they type, and everything the console has written."""

    master: int
    shown: bytearray = field(default_factory=bytearray)

    async def type(self, text: str) -> None:
        data = text.encode()
        while data:
            try:
                data = data[os.write(self.master, data):]
            except BlockingIOError:
                await asyncio.sleep(0.01)  # the console has not read the last part yet

    async def sees(self, marker: str, after: int = 0, within: float = 10) -> str:
        """Waits until the screen shows `marker` (after byte `after`); returns all shown since `after`."""
        end = time.monotonic() + within
        while marker.encode() not in self.shown[after:]:
            assert time.monotonic() < end, f"never shown: {marker!r}; got {bytes(self.shown[after:])[-300:]!r}"
            with contextlib.suppress(BlockingIOError, OSError):
                self.shown += os.read(self.master, 65536)
            await asyncio.sleep(0.01)
        return self.shown[after:].decode(errors="replace")


@contextlib.contextmanager
def pty_pair() -> Iterator[tuple[int, int]]:
    master, slave = os.openpty()
    os.set_blocking(master, False)
    try:
        yield master, slave
    finally:
        os.close(master)
        os.close(slave)


Running = tuple[Terminal, Recorder, News, "asyncio.Task[str]"]


@pytest.fixture
async def at_terminal(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Running]:
    """The console running on a pty with a stand-in engine and mailbox (news is looked for every 50 ms)."""
    monkeypatch.setattr(console, "POLL_SECONDS", 0.05)
    engine, news = Recorder(), News()
    with pty_pair() as (master, slave):
        stdin, stdout = os.fdopen(slave, closefd=False), os.fdopen(slave, "w", closefd=False)
        chat = asyncio.create_task(chat_on_stdio(engine, news, TEACHER_EMAIL, "demo", False,  # type: ignore[arg-type]
                                                 stdin=stdin, stdout=stdout))
        terminal = Terminal(master)
        await terminal.sees("> ")
        try:
            yield terminal, engine, news, chat
        finally:
            chat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await chat
            stdin.close()
            stdout.close()
            assert termios.tcgetattr(slave)[3] & termios.ICANON, "the terminal is given back as it was"


async def test_a_paste_longer_than_a_terminal_line_arrives_whole(at_terminal: Any) -> None:
    terminal, engine, _, _ = at_terminal
    await terminal.type(LONG + "\r")
    await terminal.sees(f"Got {len(LONG)} characters.")
    assert engine.said == [LONG]
    start = len(terminal.shown)
    await terminal.type("first line\rsecond line\r")  # two lines pasted together are two answers
    await terminal.sees("Got 11 characters.", after=start)
    assert engine.said[1:] == ["first line", "second line"]


async def test_typing_can_be_corrected(at_terminal: Any) -> None:
    terminal, engine, _, _ = at_terminal
    await terminal.type("Libary\x7f\x7f\x7frary\r")  # backspace
    await terminal.type("wrong words\x17\x17right\r")  # Ctrl-W: the last word
    await terminal.type("all wrong\x15Yes\x1b[A\x1b[D\r")  # Ctrl-U: the whole line; arrow keys ignored
    await terminal.sees("Got 3 characters.")
    assert engine.said == ["Library", "right", "Yes"]


async def test_news_while_typing_puts_the_prompt_and_the_typing_back(at_terminal: Any) -> None:
    terminal, engine, news, _ = at_terminal
    await terminal.type("half a sent")
    await terminal.sees("half a sent")
    start = len(terminal.shown)
    news.waiting.append(Reply("C-2026-0001 has been picked up by the DSL team."))
    shown = await terminal.sees("> half a sent", after=start)  # a fresh prompt, with what was typed, below the news
    assert shown.index("[NEW] C-2026-0001 has been picked up") < shown.rindex("> half a sent")
    await terminal.type("ence\r")
    await terminal.sees("Got 15 characters.")
    assert engine.said == ["half a sentence"]


async def test_ctrl_d_says_goodbye_and_that_the_half_told_concern_is_kept(at_terminal: Any) -> None:
    terminal, engine, _, chat = at_terminal
    engine.unfinished_dialog = "raise_concern"
    await terminal.type("\x04")
    assert await asyncio.wait_for(chat, 5) == "ended"
    said = await terminal.sees("Goodbye.")
    assert "Your concern is not finished" in said and "carries on from the same question" in said


async def test_ctrl_c_that_reaches_the_console_as_a_key_stops_it(at_terminal: Any) -> None:
    terminal, _, _, chat = at_terminal
    mode = termios.tcgetattr(terminal.master)
    mode[3] &= ~termios.ISIG  # as with `stty -isig`: the terminal passes Ctrl-C on instead of signalling
    termios.tcsetattr(terminal.master, termios.TCSANOW, mode)
    await terminal.type("never sent\x03")
    assert await asyncio.wait_for(chat, 5) == "interrupted"
    assert "Goodbye." in await terminal.sees("Goodbye.")


def test_ctrl_c_quits_prevent_bot_chat_at_once_and_keeps_the_paste(tmp_path: Path) -> None:
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'prevent.db'}", "PREVENT_DATA_KEY": TEST_KEY}
    env.pop("PREVENT_CONFIG", None)
    with pty_pair() as (master, slave):
        process = subprocess.Popen([sys.executable, "-c", LAUNCH, os.ttyname(slave), "-m", "bot", "chat", "--as",
                                    TEACHER_EMAIL], start_new_session=True, env=env, cwd=tmp_path,
                                   stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            terminal = Terminal(master)
            steps = [("1\r", "immediate danger"), ("2\r", "Who is the concern about?"),
                     ("1\r", "full name"), ("Jamie Testpupil\r", "year"), ("Year 9\r", "saw or heard"),
                     (LONG + "\r", "Anything to add")]  # raise a concern: no danger, a child, name, year, the account
            asyncio.run(_walk(terminal, steps))
            start = len(terminal.shown)
            os.write(master, b"\x03")
            assert process.wait(timeout=10) == 130  # at once: nothing else needs to be typed
            said = asyncio.run(terminal.sees("Goodbye.", after=start))
            assert "Your concern is not finished" in said and "Traceback" not in said
            assert termios.tcgetattr(slave)[3] & termios.ECHO  # the terminal echoes again
        finally:
            process.kill()
            process.wait()
    with sqlite3.connect(tmp_path / "prevent.db") as db:
        [(sealed,)] = db.execute("SELECT data_enc FROM dialog_session").fetchall()
    assert json.loads(Cipher.from_keys(TEST_KEY).decrypt(sealed))["draft"]["seen_heard"] == LONG  # whole, not cut


async def _walk(terminal: Terminal, steps: list[tuple[str, str]]) -> None:
    """Types each answer once the question it answers is shown."""
    await terminal.sees("> ")
    for typed, then in steps:
        start = len(terminal.shown)
        await terminal.type(typed)
        await terminal.sees(then, after=start, within=30)
        await terminal.sees("> ", after=start, within=30)
