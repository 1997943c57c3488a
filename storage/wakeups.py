"""Cross-instance wake-ups on PostgreSQL: LISTEN for the work other instances store, and wake the worker."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

import asyncpg

from storage.db import WORK_CHANNEL, Database

log = logging.getLogger(__name__)
RETRY_SECONDS = 5.0


class WorkListener:
    """Wakes this instance's workers when any instance commits work for them (outbox rows, inbox events).

    Without it the worker holding the lease finds work stored by another instance at its next poll
    (up to a second later). On SQLite (one instance) it does nothing: local commits wake workers directly.
    """

    def __init__(self, db: Database, retry_seconds: float = RETRY_SECONDS) -> None:
        self.url = db.engine.url
        self.retry_seconds = retry_seconds
        self._handlers: dict[str, list[Callable[[], None]]] = {}
        self.listening = asyncio.Event()  # set while the LISTEN connection is up

    def on(self, work: str, handler: Callable[[], None]) -> None:
        """Calls `handler` whenever `work` ("outbox", "inbox:slack", …) is announced."""
        self._handlers.setdefault(work, []).append(handler)

    def _wake(self, work: str | None = None) -> None:
        """Calls the handlers for one kind of work, or for all kinds (after (re)connecting, in case any was missed)."""
        for kind, handlers in self._handlers.items():
            if work is None or kind == work:
                for handler in handlers:
                    handler()

    def _heard(self, connection: object, pid: int, channel: str, payload: str) -> None:
        self._wake(payload)

    async def run_forever(self) -> None:
        """Listens until cancelled, reconnecting after a lost connection; returns at once on SQLite."""
        if self.url.get_backend_name() != "postgresql":
            return
        dsn = self.url.set(drivername="postgresql").render_as_string(hide_password=False)
        while True:
            try:
                connection = await asyncpg.connect(dsn)
            except (OSError, asyncpg.PostgresError) as exc:
                log.warning("cannot listen for other instances' work (%s); polling meanwhile", type(exc).__name__)
                await asyncio.sleep(self.retry_seconds)
                continue
            lost = asyncio.Event()
            try:
                connection.add_termination_listener(lambda _, lost=lost: lost.set())
                await connection.add_listener(WORK_CHANNEL, self._heard)
                self.listening.set()
                self._wake()
                await lost.wait()
                log.warning("lost the connection that listens for other instances' work; reconnecting")
            finally:
                self.listening.clear()
                with contextlib.suppress(Exception):
                    await asyncio.shield(connection.close(timeout=2))
            await asyncio.sleep(self.retry_seconds)
