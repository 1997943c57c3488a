"""What a person types into the console, read on the event loop: never a thread left waiting at exit.

A terminal is read in non-canonical mode with light editing of our own (backspace, Ctrl-U, Ctrl-W), so a
long paste arrives whole instead of being cut at the 4,095 characters a terminal line holds, and what is
typed can be put back after a message is printed over it. A pipe or file is read line by line.
"""

from __future__ import annotations

import asyncio
import codecs
import contextlib
import os
import sys
import unicodedata
from collections import deque
from collections.abc import Iterator
from typing import Any, Protocol, Self, TextIO

READ_BYTES = 65_536
CTRL_C, CTRL_D, CTRL_U, CTRL_W, ESC = "\x03", "\x04", "\x15", "\x17", "\x1b"
BACKSPACES = ("\x7f", "\x08")


class Interrupted(Exception):
    """The person pressed Ctrl-C (or the process was asked to stop)."""


class Reader(Protocol):
    """Where the console's lines come from; entered while the chat runs (a terminal is set up, then restored)."""

    def __enter__(self) -> Self:
        """Gets ready to read."""
        ...

    def __exit__(self, *_: object) -> None:
        """Puts back what was changed to read."""
        ...

    async def read_line(self) -> str | None:
        """Returns the next line without its newline, or None at the end of input."""
        ...

    def interrupt(self) -> None:
        """Ends the read in progress, or the next one, with Interrupted."""
        ...

    def aside(self) -> contextlib.AbstractContextManager[None]:
        """Clears the prompt and what is typed for a message to be printed, then puts them back."""
        ...


class _Watched:
    """Waits on the event loop for a file descriptor to be readable; Ctrl-C ends the wait at once."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.interrupted = False
        self._waiting: asyncio.Future[None] | None = None
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")

    def __enter__(self) -> Self:
        """Nothing to set up."""
        return self

    def __exit__(self, *_: object) -> None:
        """Nothing to put back."""

    def interrupt(self) -> None:
        """Ends the read in progress, or the next one, with Interrupted."""
        self.interrupted = True
        if self._waiting is not None and not self._waiting.done():
            self._waiting.set_exception(Interrupted())

    def aside(self) -> contextlib.AbstractContextManager[None]:
        """Nothing is on screen to clear."""
        return contextlib.nullcontext()

    async def _read(self) -> str | None:
        """Returns what can be read now, decoded ("" for an incomplete character), or None at the end."""
        if self.interrupted:
            raise Interrupted
        loop = asyncio.get_running_loop()
        self._waiting = loop.create_future()
        try:
            loop.add_reader(self.fd, self._ready)
        except PermissionError:  # a regular file: it cannot be watched, and reading it never waits
            self._waiting = None
        else:
            try:
                await self._waiting
            finally:
                loop.remove_reader(self.fd)
                self._waiting = None
        try:
            chunk = os.read(self.fd, READ_BYTES)
        except OSError:  # the terminal went away (EIO): the end of input
            chunk = b""
        text = self._decoder.decode(chunk, final=not chunk)
        return text if chunk or text else None

    def _ready(self) -> None:
        if self._waiting is not None and not self._waiting.done():
            self._waiting.set_result(None)


class PipeLines(_Watched):
    """Lines from a pipe or a file (a script, or `--jsonl`)."""

    def __init__(self, fd: int) -> None:
        super().__init__(fd)
        self._lines: deque[str] = deque()
        self._partial = ""
        self._ended = False

    async def read_line(self) -> str | None:
        """Returns the next line without its newline, or None at the end of input."""
        while not self._lines and not self._ended:
            text = await self._read()
            if text is None:
                self._ended = True
                if self._partial:
                    self._lines.append(self._partial)
            else:
                *complete, self._partial = (self._partial + text).split("\n")
                self._lines.extend(complete)
        return self._lines.popleft() if self._lines else None


def cells(text: str) -> int:
    """How many terminal columns the text takes (wide characters two, combining marks none)."""
    return sum(0 if unicodedata.combining(c) else 2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


class TerminalLines(_Watched):
    """Lines typed at a terminal, read in non-canonical mode so that a long paste arrives whole."""

    def __init__(self, fd: int, out: TextIO, prompt: str = "> ") -> None:
        super().__init__(fd)
        self.out, self.prompt = out, prompt
        self._typed: list[str] = []
        self._cells = 0  # columns the typed text takes
        self._pending = ""  # typed after Enter in the same read (a paste of several lines)
        self._escape = ""  # an escape sequence (arrow keys and the like) being skipped
        self._reading = False
        self._saved: list[Any] | None = None

    def __enter__(self) -> Self:
        """Turns off the terminal's own line editing and echo (Ctrl-C and Ctrl-Z still work)."""
        if sys.platform != "win32":
            import termios

            self._saved = termios.tcgetattr(self.fd)
            mode = termios.tcgetattr(self.fd)
            mode[3] &= ~(termios.ICANON | termios.ECHO)
            mode[6][termios.VMIN], mode[6][termios.VTIME] = 1, 0
            termios.tcsetattr(self.fd, termios.TCSANOW, mode)
        return self

    def __exit__(self, *_: object) -> None:
        """Gives the terminal back as it was."""
        if sys.platform != "win32" and self._saved is not None:
            import termios

            termios.tcsetattr(self.fd, termios.TCSADRAIN, self._saved)

    async def read_line(self) -> str | None:
        """Shows the prompt and returns the line typed, or None for Ctrl-D on an empty line."""
        self._write(self.prompt)
        self._reading = True
        try:
            return await self._typed_line()
        except EOFError:
            return None
        finally:
            self._reading = False

    async def _typed_line(self) -> str:
        """Reads keys until Enter (EOFError for Ctrl-D on an empty line or a terminal gone)."""
        text, self._pending = self._pending, ""
        try:
            while (line := self._feed(text)) is None:
                read = await self._read()
                if read is None:
                    raise EOFError
                text = read
        except (EOFError, Interrupted):
            self._write("\r\n")  # the goodbye starts on a line of its own
            raise
        return line

    @contextlib.contextmanager
    def aside(self) -> Iterator[None]:
        """Clears the prompt and what is typed for a message to be printed, then puts them back."""
        if not self._reading:
            yield
            return
        self._write(self._back_to_prompt())
        try:
            yield
        finally:
            self._write(self.prompt + "".join(self._typed))

    def _feed(self, text: str) -> str | None:
        """Applies what was typed; returns the line once Enter is pressed (keeping what follows it)."""
        echo: list[str] = []
        for index, char in enumerate(text):
            if self._skipped(char):
                continue
            if char in "\r\n":
                self._pending = text[index + 1:]
                line = "".join(self._typed)
                self._typed.clear()
                self._cells = 0
                self._write("".join(echo) + "\r\n")
                return line
            echo.append(self._key(char))
        self._write("".join(echo))
        return None

    def _skipped(self, char: str) -> bool:
        """True for the characters of an escape sequence (arrow keys, function keys, Alt+key)."""
        if char == ESC:
            self._escape = ESC
            return True
        if not self._escape:
            return False
        if self._escape == ESC:
            self._escape = char if char in "[O" else ""
        elif self._escape == "O" or "@" <= char <= "~":
            self._escape = ""  # the final character of the sequence
        return True

    def _key(self, char: str) -> str:
        """Applies one key; returns what to write to show it."""
        if char in BACKSPACES:
            return self._erase(1) if self._typed else ""
        if char == CTRL_U:
            return self._erase(len(self._typed))
        if char == CTRL_W:  # the last word, and the spaces after it
            text = "".join(self._typed)
            return self._erase(len(text) - (text.rstrip().rfind(" ") + 1))
        if char == CTRL_D:
            if not self._typed:
                raise EOFError
            return ""
        if char == CTRL_C:  # only seen when the terminal does not turn it into a signal
            self.interrupt()
            return ""
        char = " " if char == "\t" else char
        if unicodedata.category(char) == "Cc":  # other control characters mean nothing here
            return ""
        self._typed.append(char)
        self._cells += cells(char)
        return char

    def _erase(self, count: int) -> str:
        """Forgets the last `count` characters typed; returns what to write to take them off the screen."""
        if count <= 0:
            return ""
        before = cells(self.prompt) + self._cells
        redraw = self._back_to_prompt()
        gone = self._typed[-count:]
        del self._typed[-count:]
        width = cells("".join(gone))
        self._cells -= width
        column = before % self._width()
        if count == 1 and 0 < width <= column:  # on the cursor's row: rub it out
            return "\b" * width + " " * width + "\b" * width
        return redraw + self.prompt + "".join(self._typed)

    def _back_to_prompt(self) -> str:
        """What moves the cursor back to where the prompt starts and clears from there down."""
        rows = (cells(self.prompt) + self._cells - 1) // self._width()
        return "\r" + (f"\x1b[{rows}A" if rows else "") + "\x1b[J"

    def _width(self) -> int:
        try:
            return max(os.get_terminal_size(self.out.fileno()).columns, 1)
        except (OSError, ValueError):
            return 80

    def _write(self, text: str) -> None:
        if text:
            self.out.write(text)
            self.out.flush()


class StreamLines:
    """Lines from a stream that has no file descriptor to watch (read in a thread, as a last resort)."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.interrupted = False

    def __enter__(self) -> Self:
        """Nothing to set up."""
        return self

    def __exit__(self, *_: object) -> None:
        """Nothing to put back."""

    async def read_line(self) -> str | None:
        """Returns the next line without its newline, or None at the end of input."""
        if self.interrupted:
            raise Interrupted
        line = await asyncio.to_thread(self.stream.readline)
        return line.removesuffix("\n") if line else None

    def interrupt(self) -> None:
        """Ends the next read with Interrupted (one in progress finishes first)."""
        self.interrupted = True

    def aside(self) -> contextlib.AbstractContextManager[None]:
        """Nothing is on screen to clear."""
        return contextlib.nullcontext()


def reader_for(stdin: TextIO, stdout: TextIO, interactive: bool) -> Reader:
    """Picks how to read: a terminal's keys, a pipe's lines, or (without a watchable descriptor) a thread."""
    try:
        fd = stdin.fileno()
    except (OSError, ValueError):
        return StreamLines(stdin)
    if sys.platform == "win32":
        return StreamLines(stdin)
    return TerminalLines(fd, stdout) if interactive else PipeLines(fd)
