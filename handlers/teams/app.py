"""POST /api/messages: checks the request (400 malformed, 401 unsigned), then runs the turn."""

from __future__ import annotations

import logging
from types import SimpleNamespace

from aiohttp import web
from botbuilder.core import serializer_helper
from botbuilder.integration.aiohttp import CloudAdapter, ConfigurationBotFrameworkAuthentication
from botbuilder.schema import Activity
from msrest.exceptions import ClientException

from dialogs.engine import Engine
from handlers.teams.activities import activity_problem
from handlers.teams.connector import BotConnector
from handlers.teams.messenger import Messenger
from handlers.teams.ports import ReplyQueue, TeamsMessenger, TeamsOptions, TeamsStore, Wording
from handlers.teams.turns import TeamsTurns

log = logging.getLogger(__name__)
ROUTE = "/api/messages"
APP_TYPES = ("singletenant", "multitenant", "userassignedmsi")


def configuration_problems(options: TeamsOptions) -> list[str]:
    """Returns what is wrong with the app registration settings (empty when usable)."""
    if not options.app_id:
        return ["Teams: MicrosoftAppId is not set, so /api/messages accepts UNAUTHENTICATED requests "
                "(local testing only). Set MicrosoftAppId, MicrosoftAppPassword, MicrosoftAppType and "
                "MicrosoftAppTenantId (docs/teams.md)"]
    kind = options.app_type.strip().lower()
    problems = []
    if kind not in APP_TYPES:
        problems.append(f"Teams: MicrosoftAppType must be SingleTenant, MultiTenant or UserAssignedMSI "
                        f"(got {options.app_type!r})")
    if not options.tenant_id:
        problems.append("Teams: MicrosoftAppTenantId must be set to your school's Entra tenant id: people are "
                        "matched to the DSL team by email, which is only trustworthy inside your own tenant")
    if kind in ("singletenant", "multitenant") and not options.app_password:
        problems.append("Teams: MicrosoftAppPassword must be set (the client secret of the Entra app)")
    return problems


def make_adapter(options: TeamsOptions) -> CloudAdapter:
    """Builds the CloudAdapter: authenticated with the app registration, or open for local testing."""
    if options.authenticated:
        config = SimpleNamespace(APP_ID=options.app_id, APP_PASSWORD=options.app_password,
                                 APP_TYPE=options.app_type, APP_TENANTID=options.tenant_id)
    else:
        config = SimpleNamespace(APP_ID=None, APP_PASSWORD=None, APP_TYPE="MultiTenant")
    return CloudAdapter(ConfigurationBotFrameworkAuthentication(config))


class TeamsEndpoint:
    """The Teams side of the server: adapter, turn handler and proactive messenger."""

    def __init__(self, options: TeamsOptions, engine: Engine, store: TeamsStore, queue: ReplyQueue,
                 words: Wording) -> None:
        self.options = options
        self.problems = configuration_problems(options)
        broken = options.authenticated and bool(self.problems)
        self.adapter = make_adapter(options if not broken else TeamsOptions())
        self.usable = not broken
        messenger = Messenger(BotConnector(self.adapter, options.app_id), store)
        self.messenger: TeamsMessenger = messenger
        self.turns = TeamsTurns(engine, store, queue, words, options, messenger)

    @property
    def install_problem(self) -> str:
        """What the last install event found wrong with the DSL team ("" when nothing)."""
        return self.turns.installs.problem

    def add_routes(self, web_app: web.Application) -> None:
        """Adds POST /api/messages."""
        web_app.router.add_post(ROUTE, self.post)

    async def post(self, request: web.Request) -> web.StreamResponse:
        """Handles one activity from the Bot Connector."""
        if not self.usable:
            log.error("Teams request refused: the app registration settings are incomplete")
            return web.json_response({"error": "Teams is not configured"}, status=503)
        auth = request.headers.get("Authorization", "")
        if self.options.authenticated and not auth:
            return web.json_response({"error": "unauthorized"}, status=401)
        try:
            body = await request.json()
        except ValueError:
            return web.json_response({"error": "body is not JSON"}, status=400)
        problem = activity_problem(body)
        if problem:
            log.warning("malformed Teams activity refused: %s", problem)
            return web.json_response({"error": problem}, status=400)
        try:
            activity = Activity().deserialize(body)
        except (ClientException, ValueError, TypeError, AttributeError):
            return web.json_response({"error": "not an activity"}, status=400)
        try:
            authenticated = await self.adapter.bot_framework_authentication.authenticate_request(activity, auth)
        except PermissionError:  # the SDK's "not authorised" (an OSError, so before the next clause)
            log.warning("Teams request with a missing or invalid token refused")
            return web.json_response({"error": "unauthorized"}, status=401)
        except OSError as exc:  # requests' errors: Microsoft's signing keys could not be fetched; the connector retries
            log.error("Teams request not checked: the Bot Framework signing keys are unreachable (%s)",
                      type(exc).__name__)
            return web.json_response({"error": "cannot check the token now"}, status=503)
        except Exception:  # jwt errors, and the SDK's bare Exception or IndexError (an unknown key id)
            log.warning("Teams request with a missing or invalid token refused")
            return web.json_response({"error": "unauthorized"}, status=401)
        answer = await self.adapter.process_activity(authenticated, activity, self.turns.on_turn)
        if answer is not None:
            return web.json_response(serializer_helper(answer.body), status=answer.status)
        return web.Response(status=200)
