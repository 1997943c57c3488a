"""`prevent-bot serve`: one aiohttp server for Slack, Teams, health checks and background jobs."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import AsyncIterator
from datetime import timedelta

from aiohttp import web

from bot.app import App, build
from bot.checks import all_checks
from bot.delivery.dispatcher import OutboxDispatcher
from bot.delivery.inbox import InboxWorker
from bot.delivery.leases import Lease
from bot.delivery.platforms import Platform
from bot.delivery.registry import configured_platforms
from bot.jobs.scheduler import start_scheduler
from bot.services.keys import key_problems
from bot.settings import Settings
from storage import inbox, people
from storage.db import utcnow
from storage.wakeups import WorkListener

log = logging.getLogger(__name__)
APP_KEY = web.AppKey("prevent_app", App)
DISPATCHER_KEY = web.AppKey("prevent_dispatcher", OutboxDispatcher)
EVENT_MEMORY = timedelta(days=1)
STOP_SECONDS = 10.0  # on shutdown, how long the send or turn in hand may take to finish
PLATFORMS_KEY = web.AppKey("prevent_platforms", list[Platform])


async def healthz(request: web.Request) -> web.Response:
    """The process is up."""
    return web.json_response({"status": "ok"})


async def readyz(request: web.Request) -> web.Response:
    """The database answers and every platform is usable; 503 with what to fix otherwise."""
    app = request.app[APP_KEY]
    problems = [p for check in all_checks() for p in await check(app)
                if not p.startswith("using the built-in DEMO")]
    for platform in request.app[PLATFORMS_KEY]:
        problems += await platform.readiness()
    status = 200 if not problems else 503
    return web.json_response({"status": "ready" if not problems else "not ready", "problems": problems},
                             status=status)


def build_web_app(app: App, platforms: list[Platform] | None = None) -> web.Application:
    """Builds the aiohttp application with every configured platform's routes."""
    web_app = web.Application(client_max_size=1024 * 1024)
    platforms = configured_platforms(app) if platforms is None else platforms
    web_app[APP_KEY] = app
    web_app[PLATFORMS_KEY] = platforms
    fallback = timedelta(minutes=app.config.delivery.fallback_after_minutes)
    web_app[DISPATCHER_KEY] = OutboxDispatcher(app.db, app.concerns, {p.name: p for p in platforms}, fallback)
    web_app.router.add_get("/healthz", healthz)
    web_app.router.add_get("/readyz", readyz)
    for platform in platforms:
        platform.add_routes(web_app)
    web_app.cleanup_ctx.append(_background)
    return web_app


async def _background(web_app: web.Application) -> AsyncIterator[None]:
    """Starts platforms, the outbox dispatcher and the scheduler; stops them on shutdown."""
    platforms = web_app[PLATFORMS_KEY]
    for platform in platforms:
        await platform.start()
    lease = Lease(web_app[APP_KEY].db)  # with several instances, one sends and runs turns at a time
    dispatcher = web_app[DISPATCHER_KEY]
    inboxes = [w for w in (getattr(p, "inbox_worker", None) for p in platforms) if isinstance(w, InboxWorker)]
    sender = asyncio.create_task(dispatcher.run_forever(lease))
    workers = [asyncio.create_task(w.run_forever(lease)) for w in inboxes]
    keeper = asyncio.create_task(lease.keep())
    listener = WorkListener(web_app[APP_KEY].db)  # PostgreSQL: work stored by other instances wakes ours
    listener.on("outbox", dispatcher.wake)
    for inbox_worker in inboxes:
        listener.on(f"inbox:{inbox_worker.platform}", inbox_worker.doorbell.ring)
    listening = asyncio.create_task(listener.run_forever())
    housekeeping = asyncio.create_task(_housekeeping(web_app[APP_KEY]))
    scheduler = start_scheduler(web_app[APP_KEY])
    yield
    if scheduler is not None:
        scheduler.shutdown(wait=False)
    # Workers finish the send or turn in hand, then the lease is handed over (cancelled only if stuck).
    dispatcher.stop()
    for inbox_worker in inboxes:
        inbox_worker.stop()
    await _finish([sender, *workers], STOP_SECONDS)
    lease.stop()
    await _finish([keeper], STOP_SECONDS)
    await _finish([housekeeping, listening], 0)
    for platform in platforms:
        await platform.stop()


async def _finish(tasks: list[asyncio.Task[None]], seconds: float) -> None:
    """Waits up to `seconds` for tasks to return, then cancels what is left and waits for that."""
    if seconds > 0:
        await asyncio.wait(tasks, timeout=seconds)
    for task in tasks:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def _housekeeping(app: App) -> None:
    """Forgets processed event ids (and processed inbox events) after a day, every hour."""
    while True:
        async with app.db.transaction() as session:
            await people.prune_events(session, utcnow() - EVENT_MEMORY)
            await inbox.prune(session, utcnow() - EVENT_MEMORY)
        await asyncio.sleep(3600)


async def log_key_problems(app: App) -> None:
    """Says at start if any stored value needs a key that is not configured (a rotation gone wrong)."""
    for problem in await key_problems(app.db):
        log.warning("data keys: %s", problem)  # key ids and counts only: never a key or content


async def serve(settings: Settings, host: str = "") -> None:
    """Builds everything and serves on PREVENT_HOST (all interfaces unless set) until SIGTERM or SIGINT, then stops."""
    app = await build(settings)
    await log_key_problems(app)
    web_app = build_web_app(app)
    runner = web.AppRunner(web_app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, host or settings.host, settings.port)
    await site.start()
    log.warning("serving on port %s for %s", settings.port, app.config.school.name)
    stopping = asyncio.Event()
    for signal_number in (signal.SIGTERM, signal.SIGINT):  # docker stop, systemd and Ctrl-C stop cleanly
        asyncio.get_running_loop().add_signal_handler(signal_number, stopping.set)
    try:
        await stopping.wait()
        log.warning("stopping: finishing the work in hand and handing over the background work")
    finally:
        await runner.cleanup()
        await app.close()


def run_server(settings: Settings) -> None:
    """Runs the server until interrupted."""
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(settings))
