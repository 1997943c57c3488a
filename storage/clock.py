"""The one clock: the only module that reads the machine's time.

Everything else is handed a `Clock` (the App's, frozen in tests) or calls `utcnow()` from here, so a test
can run at any hour of any year, and a whole `prevent-bot` process can be started as if it were another
moment (the hidden `PREVENT_NOW` setting, see `running_from`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, tzinfo

Clock = Callable[[], datetime]  # returns an aware datetime


def utcnow() -> datetime:
    """Returns the machine's current time in UTC (aware); SQLModel stores and returns aware UTC."""
    return datetime.now(UTC)


def machine_clock(zone: tzinfo) -> Clock:
    """Returns the machine's clock, telling the time in `zone`."""
    return lambda: utcnow().astimezone(zone)


def running_from(moment: datetime, zone: tzinfo) -> Clock:
    """Returns a clock that reads `moment` now and runs on at the machine's pace (a naive `moment` is in `zone`)."""
    start = moment if moment.tzinfo is not None else moment.replace(tzinfo=zone)
    offset = start - utcnow()
    return lambda: (utcnow() + offset).astimezone(zone)
