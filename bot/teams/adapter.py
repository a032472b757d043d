"""The Teams side of the server: botbuilder's CloudAdapter behind POST /api/messages.

With MICROSOFT_APP_ID set, every activity's JWT is validated by botbuilder. Without it the runtime builds
no Teams adapter at all and the server refuses Teams traffic with 401 (and says why in the log), unless
STEADYBOT_INSECURE_DEV=1 (local development against the Bot Framework Emulator or the test fakes).
"""

from __future__ import annotations

import json
import logging
from typing import Any

from aiohttp import web
from botbuilder.core import TurnContext, serializer_helper
from botbuilder.integration.aiohttp import CloudAdapter, ConfigurationBotFrameworkAuthentication
from botbuilder.schema import Activity, ActivityEventNames, ActivityTypes
from botframework.connector.auth import ServiceClientCredentialsFactory

from bot.config import Settings
from bot.outbox.ratelimit import RateLimiter
from bot.teams.bot import SteadyTeamsBot
from bot.teams.direct import TeamsLines
from bot.teams.directory import TeamsDirectory
from bot.teams.sender import TeamsSender
from handlers.core.dispatch import Core
from handlers.core.errors import SORRY_BUG

log = logging.getLogger("steadybot.teams")
PROACTIVE = frozenset({ActivityEventNames.continue_conversation, ActivityEventNames.create_conversation})


class _BotConfig:
    """The attribute names botbuilder's configuration classes read."""

    def __init__(self, settings: Settings) -> None:
        self.APP_ID = settings.teams_app_id
        self.APP_PASSWORD = settings.teams_app_password
        self.APP_TYPE = settings.teams_app_type
        self.APP_TENANTID = settings.teams_tenant_id
        if settings.teams_openid_metadata_url:
            self.TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL = settings.teams_openid_metadata_url
        if settings.teams_token_issuer:
            self.TO_BOT_FROM_CHANNEL_TOKEN_ISSUER = settings.teams_token_issuer
        if settings.teams_login_url:
            self.TO_CHANNEL_FROM_BOT_LOGIN_URL = settings.teams_login_url


class TeamsAdapter:
    def __init__(self, settings: Settings, core: Core, store: Any, limiter: RateLimiter,
                 credentials_factory: ServiceClientCredentialsFactory | None = None) -> None:
        self.settings = settings
        auth = ConfigurationBotFrameworkAuthentication(_BotConfig(settings), credentials_factory=credentials_factory)
        self.adapter = CloudAdapter(auth)
        self.adapter.on_turn_error = self._on_turn_error
        self.lines = TeamsLines(self.adapter, settings.teams_app_id, store.identities)
        self.bot = SteadyTeamsBot(core, store, self.lines)
        self.directory = TeamsDirectory(self.lines, store.identities, store.conversations)
        self.sender = TeamsSender(self.lines, store.conversations, limiter, max_in_flight=settings.teams_max_in_flight)

    async def handle(self, request: web.Request) -> web.Response:
        if "application/json" not in request.headers.get("Content-Type", ""):
            return web.json_response({"error": "expected application/json"}, status=415)
        try:
            body = json.loads(await request.text())
        except (ValueError, UnicodeDecodeError):
            return web.json_response({"error": "malformed JSON"}, status=400)
        if not isinstance(body, dict) or not isinstance(body.get("type"), str) or not body["type"]:
            return web.json_response({"error": "not a Bot Framework activity"}, status=400)
        try:
            activity = Activity().deserialize(body)
        except Exception:  # noqa: BLE001 - msrest raises assorted errors on wrong types
            return web.json_response({"error": "malformed activity"}, status=400)
        try:
            auth = await self.adapter.bot_framework_authentication.authenticate_request(
                activity, request.headers.get("Authorization", ""))
        except Exception as exc:  # noqa: BLE001 - PermissionError, bad JWTs, unreachable key metadata: all 401
            log.info("Teams activity refused: %s", type(exc).__name__)
            return web.json_response({"error": "unauthorized"}, status=401)
        try:
            invoke = await self.adapter.process_activity(auth, activity, self.bot.on_turn)
        except Exception:  # noqa: BLE001
            log.warning("Teams activity could not be handled", exc_info=True)
            return web.json_response({"error": "activity could not be handled"}, status=400)
        if invoke is not None:
            return web.json_response(serializer_helper(invoke.body), status=invoke.status)
        return web.Response(status=201)

    async def _on_turn_error(self, context: TurnContext, error: Exception) -> None:
        log.error("Teams turn failed: %s", type(error).__name__, exc_info=error)
        activity = context.activity
        if activity is not None and activity.type == ActivityTypes.event and activity.name in PROACTIVE:
            return  # nobody asked anything: no apology out of the blue (the outbox retries the send)
        try:
            await context.send_activity(SORRY_BUG)
        except Exception:  # noqa: BLE001
            log.debug("could not tell the person about the failure")
