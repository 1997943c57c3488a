"""The Slack endpoint: a Bolt AsyncApp on the shared aiohttp server (POST /slack/events) or Socket Mode."""

from __future__ import annotations

import contextlib
import logging
import secrets
from collections.abc import Awaitable, Callable

import aiohttp
from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_bolt.authorization import AuthorizeResult
from slack_bolt.request.async_request import AsyncBoltRequest

from dialogs.engine import Engine
from dialogs.ports import Wording
from handlers.slack.api import API_TIMEOUT, SlackApi, make_client
from handlers.slack.listeners import Listeners
from handlers.slack.ports import ROUTE, EventLedger, HomeSource, Inbox, ReplyQueue, SlackOptions
from handlers.slack.requests import Signatures, Unaddressed, Unheard, Unreadable, read_body
from handlers.slack.talk import Conversations

log = logging.getLogger(__name__)
BOLT_LOG = logging.getLogger("handlers.slack.bolt")
UNSET_TOKEN = "xoxb-not-set"  # noqa: S105 — a placeholder so Bolt starts; the problem is reported
BOLT_LOG.setLevel(logging.WARNING)  # Bolt logs request bodies at DEBUG: they may hold concern text


class _TokenNotice(logging.Filter):
    """Drops Bolt's notices that SLACK_BOT_TOKEN in the environment is unused (our authorize supplies it)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith(("As you gave `client` as well", "As `installation_store` or"))


BOLT_LOG.addFilter(_TokenNotice())


def configuration_problems(options: SlackOptions) -> list[str]:
    """Returns what is missing from the Slack settings, each with what to set."""
    problems = []
    if not options.bot_token:
        problems.append("Slack: set SLACK_BOT_TOKEN (xoxb-…, from OAuth & Permissions after installing the app)")
    if not options.socket_mode and not options.signing_secret:
        problems.append("Slack: set SLACK_SIGNING_SECRET (Basic Information → App Credentials); until then "
                        "every request to /slack/events is refused")
    return problems


class SlackEndpoint:
    """Everything Slack-facing: the Bolt app, its listeners and the Web API client."""

    def __init__(self, options: SlackOptions, engine: Engine, ledger: EventLedger, homes: HomeSource,
                 later: ReplyQueue, words: Wording, inbox: Inbox | None = None) -> None:
        self.options = options
        self.api = SlackApi(make_client(options.bot_token or UNSET_TOKEN, options.api_url))  # unset: reported
        self.problems = configuration_problems(options)
        secret = options.signing_secret or secrets.token_hex(32)  # unset: nothing can be signed, all get 401
        self._auth: AuthorizeResult | None = None
        self.signatures = Signatures(secret)
        self.bolt = AsyncApp(name="prevent-bot", signing_secret=secret, client=make_client("", options.api_url),
                             authorize=self._authorizer(), process_before_response=True, logger=BOLT_LOG,
                             request_verification_enabled=not options.socket_mode)
        self.talk = Conversations(engine, self.api, words, later)
        self.listeners = Listeners(self.talk, self.api, ledger, homes, words, inbox)
        self._arrival = inbox.arrival if inbox is not None else contextlib.nullcontext
        self.listeners.register(self.bolt)
        self._socket: AsyncSocketModeHandler | None = None

    def _authorizer(self) -> Callable[..., Awaitable[AuthorizeResult]]:
        """Returns Bolt's authorize: auth.test once; if Slack cannot answer, the request fails (500) and is retried.

        (Bolt's own single-workspace check answers 200 when auth.test fails, which would lose the event.)
        """

        async def authorize(enterprise_id: str | None, team_id: str | None) -> AuthorizeResult:
            if self._auth is None:
                data = await self.api.whoami()
                self._auth = AuthorizeResult(
                    enterprise_id=data.get("enterprise_id") or enterprise_id, team_id=data.get("team_id") or team_id,
                    bot_token=self.api.client.token, bot_id=data.get("bot_id"), bot_user_id=data.get("user_id"))
            return self._auth

        return authorize

    async def process(self, payload: dict[str, str]) -> None:
        """Runs the turn for a direct message the inbox accepted."""
        await self.listeners.process(payload)

    def add_routes(self, web_app: web.Application) -> None:
        """Adds POST /slack/events (not in Socket Mode, where Slack does not call us)."""
        if not self.options.socket_mode:
            web_app.router.add_post(ROUTE, self.handle)

    async def handle(self, request: web.Request) -> web.Response:
        """Checks the signature (401), then that the body is a Slack payload (400), and passes it to Bolt.

        Bolt parses a body before it checks the signature, so an unreadable one would be a 500 and a traceback.
        """
        with self._arrival():
            return await self._answer(request)

    async def _answer(self, request: web.Request) -> web.Response:
        """The checks and Bolt's dispatch, for `handle`."""
        raw = await request.read()
        if not self.signatures.valid(raw, request.headers):
            return web.json_response({"error": "invalid request"}, status=401)
        try:
            bolt_request = _bolt_request(read_body(raw, request.content_type), request)
        except Unreadable as exc:
            log.warning("Slack: refused a signed request that is not a Slack payload: %s", exc)
            return web.json_response({"error": "malformed request"}, status=400)
        except Unaddressed as exc:
            log.info("Slack: acknowledged and dropped a payload without valid ids: %s", exc)
            return web.Response(status=200)
        except Unheard as exc:
            log.info("Slack: acknowledged and dropped a payload no listener takes: %s", exc)
            return web.Response(status=200)
        response = await self.bolt.async_dispatch(bolt_request)
        return await to_aiohttp_response(response)

    async def start(self) -> None:
        """Opens one HTTP session for every Web API call, and connects Socket Mode when SLACK_APP_TOKEN is set."""
        # Without a session of its own, the Slack SDK opens a new connection (and TLS handshake) per call.
        if self.api.client.session is None or self.api.client.session.closed:
            self.api.client.session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=API_TIMEOUT))
        if self.options.socket_mode and self._socket is None:
            self._socket = AsyncSocketModeHandler(self.bolt, self.options.app_token, logger=BOLT_LOG,
                                                  web_client=make_client("", self.options.api_url))
            await self._socket.connect_async()  # type: ignore[no-untyped-call]
            log.warning("Slack: connected in Socket Mode")

    async def stop(self) -> None:
        """Disconnects Socket Mode and closes the Web API session."""
        if self._socket is not None:
            await self._socket.close_async()  # type: ignore[no-untyped-call]
            self._socket = None
        if self.api.client.session is not None:
            await self.api.client.session.close()
            self.api.client.session = None


def _bolt_request(text: str, request: web.Request) -> AsyncBoltRequest:
    """Builds Bolt's request from a checked body; a payload whose ids Bolt still cannot read is Unaddressed."""
    try:
        return AsyncBoltRequest(body=text, query=request.query_string, headers=request.headers)  # type: ignore[arg-type]
    except (TypeError, AttributeError, KeyError, IndexError) as exc:  # Bolt reads team and user ids as it builds
        raise Unaddressed(f"ids Bolt cannot read ({type(exc).__name__})") from exc
