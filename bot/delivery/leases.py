"""The background-work lease: with several instances on one database, one sends and runs turns at a time."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import socket
from collections.abc import Callable
from datetime import timedelta

from storage import leases
from storage.db import Database, utcnow

log = logging.getLogger(__name__)
BACKGROUND = "background-work"  # the outbox sender and every platform's inbox worker
LEASE_SECONDS = 30.0
RENEW_SECONDS = 10.0  # a holder renews this often; a lease is lost only after LEASE_SECONDS without one
STANDBY_SECONDS = 2.0  # an instance without the lease tries this often to take it over


class Lease:
    """Holds a named lease while this instance is alive; `held()` says whether work may start now.

    Every instance accepts events; only the holder sends the outbox and runs inbox turns, so two
    instances never send the same message or run the same turn. If the holder stops renewing (it
    stopped or lost the database), another takes over once the lease has expired. Clocks of the
    instances are assumed to agree to within a few seconds (NTP), far less than LEASE_SECONDS.
    """

    def __init__(self, db: Database, name: str = BACKGROUND, seconds: float = LEASE_SECONDS,
                 renew_seconds: float = RENEW_SECONDS, standby_seconds: float = STANDBY_SECONDS) -> None:
        self.db, self.name = db, name
        self.holder = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"
        self.ttl = timedelta(seconds=seconds)
        self.renew_seconds, self.standby_seconds = renew_seconds, standby_seconds
        self._until = 0.0  # event-loop time until which this instance may start work
        self._on_taken: list[Callable[[], None]] = []
        self._stopping = asyncio.Event()

    def stop(self) -> None:
        """Asks `keep` to give the lease up and return (a clean shutdown: another instance takes over now)."""
        self._stopping.set()

    def on_taken(self, listener: Callable[[], None]) -> None:
        """Calls `listener` whenever this instance takes the lease (its workers start at once)."""
        self._on_taken.append(listener)

    def held(self) -> bool:
        """True while this instance holds the lease, with a margin for a renewal to be late."""
        return asyncio.get_running_loop().time() < self._until

    async def try_take(self) -> bool:
        """Takes or renews the lease now; returns whether this instance holds it."""
        loop = asyncio.get_running_loop()
        started, had = loop.time(), self.held()
        async with self.db.transaction() as session:
            won = await leases.take(session, self.name, self.holder, utcnow(), self.ttl)
        # Work may start only until the lease would expire counting from before the renewal was
        # asked, less one renewal period: it stops before another instance could take over.
        self._until = started + self.ttl.total_seconds() - self.renew_seconds if won else 0.0
        if won and not had:
            log.warning("this instance now does the background work (%s)", self.holder)
            for listener in self._on_taken:
                listener()
        elif had and not won:
            log.error("background-work lease lost to another instance; this one stops sending")
        return won

    async def keep(self) -> None:
        """Renews the lease while held, tries to take it while not; until stopped or cancelled (then gives it up)."""
        try:
            while not self._stopping.is_set():
                try:
                    held = await self.try_take()
                except Exception:
                    log.exception("could not renew the background-work lease")
                    held = self.held()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stopping.wait(), self.renew_seconds if held else self.standby_seconds)
        finally:
            if self.held():
                self._until = 0.0
                try:
                    async with self.db.transaction() as session:
                        await leases.give_up(session, self.name, self.holder, utcnow())
                except Exception:  # the database is away: another instance takes over when the lease runs out
                    log.exception("could not hand the background-work lease over")
