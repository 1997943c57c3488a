"""Scheduled jobs (APScheduler, Europe/London). Owned by the reminders work; a stub until it lands."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.app import App
    from bot.delivery import OutboxDispatcher


def start_scheduler(app: App, dispatcher: OutboxDispatcher) -> Any:
    """Starts the scheduler inside the server; returns it (or None when there are no jobs yet)."""
    return None
