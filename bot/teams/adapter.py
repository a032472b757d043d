"""The Teams side of the server: botbuilder's CloudAdapter behind POST /api/messages.

With MICROSOFT_APP_ID set, every activity's JWT is validated before its body is even read (bot/teams/auth.py:
header shape, signature against the channel's keys fetched without blocking, msteams endorsement, then the
activity's channel and service URL). Without it the runtime builds no Teams adapter at all and the server
refuses Teams traffic with 401 (and says why in the log), unless STEADYBOT_INSECURE_DEV=1 (local development
against the Bot Framework Emulator or the test fakes; the only mode in which Emulator tokens are accepted,
through botbuilder's own validation).

Answer first, then work. An activity is validated and authenticated before anything is answered (401 on
a bad token, and no turn runs). Then, when the HTTP response carries nothing — every activity except an
`invoke` (whose body is the answer: card actions, task modules) and a `deliveryMode: expectReplies`
request (whose replies travel in the body) — the server answers 201 at once and runs the turn in the
process's after-ack lane (`bot/inbound.py`: `AfterAck`, counted from the request's arrival); its replies
go to the Bot Framework connector at the activity's `serviceUrl`, exactly as they would inside the
request. This is what Microsoft recommends (answer quickly, send replies through the connector: Teams
retries or shows an error when a bot takes too long), and it keeps the database work and the replies out
of the request's latency (docs/benchmarks.md#answer-first-teams). The trade-off is the one Slack's
ack-first makes: a process that dies between the 201 and the end of the turn loses that one message
(Teams does not redeliver an acknowledged activity). A graceful stop lets the lane finish (`Runtime.close`:
settle with a grace period, then cancel), so only a crash can lose one.

Inside a turn, botbuilder runs the middleware that parses the activity (bot/teams/middleware.py), then the
thin activity handler (bot/teams/bot.py), which hands the request to the shared pipeline. A turn never
fails silently: an error inside it is logged and the person gets the usual apology (`_on_turn_error`); an
error before botbuilder's pipeline runs (no connector credentials, say), where there is no way to
apologise, is logged with the activity's id.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from aiohttp import web
from botbuilder.core import TurnContext, serializer_helper
from botbuilder.integration.aiohttp import CloudAdapter, ConfigurationServiceClientCredentialFactory
from botbuilder.schema import Activity, ActivityTypes, DeliveryModes
from botframework.connector.auth import AuthenticateRequestResult, ServiceClientCredentialsFactory

from bot import limits
from bot.adapter import Route, Wiring
from bot.config import Settings
from bot.inbound import AfterAck
from bot.metrics import CURRENT, teams_kind
from bot.teams import payloads
from bot.teams.auth import EMULATOR_ISSUERS, ChannelAuth, Refused, precheck, unverified_issuer
from bot.teams.bot import SteadyTeamsBot
from bot.teams.clients import SharedClientsAuthentication, SharedCredentials
from bot.teams.direct import TeamsLines
from bot.teams.directory import TeamsDirectory
from bot.teams.graph import GraphClient, login_url_for
from bot.teams.middleware import ParseInbound
from bot.teams.platform import MESSAGES_PATH
from bot.teams.references import References
from bot.teams.sender import TeamsSender
from handlers.core.errors import SORRY_BUG
from handlers.core.registry import PeriodicTask
from handlers.core.types import Platform

log = logging.getLogger("steadybot.teams")
PUBLIC_AZURE_CALLER_ID = "urn:botframework:azure"  # what botbuilder's public-cloud authentication sets
#: `MICROSOFT_APP_TYPE` values (lower case) of a bot registered in one tenant: it serves that tenant only.
SINGLE_TENANT_TYPES = frozenset({"singletenant", "userassignedmsi"})
#: Activities that are a person's own request: only their failures get an apology.
APOLOGY_TYPES = frozenset({ActivityTypes.message, ActivityTypes.invoke})


def _unauthorized(reason: str) -> web.Response:
    log.info("Teams activity refused: %s", reason)
    return web.json_response({"error": "unauthorized"}, status=401)


def _emulator_header(header: str) -> bool:
    token = precheck(header)
    return token is not None and unverified_issuer(token) in EMULATOR_ISSUERS


def _invoke_body(body: Any) -> Any:
    """The JSON of an invoke response body: a msrest model (an invoke's answer) or the plain dict
    botbuilder builds for `expectReplies` (which its own `serializer_helper` cannot take)."""
    if body is None or isinstance(body, dict | list | str | int | float):
        return body
    try:
        return serializer_helper(body)
    except Exception:  # noqa: BLE001 - e.g. botbuilder's error answer to a malformed adaptiveCard/action
        log.warning("Teams invoke answer could not be serialised", exc_info=True)
        return {"error": "the answer could not be serialised"}


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
        if settings.teams_emulator_openid_metadata_url:
            self.TO_BOT_FROM_EMULATOR_OPENID_METADATA_URL = settings.teams_emulator_openid_metadata_url


def _graph(settings: Settings) -> GraphClient | None:
    """Team owners from Microsoft Graph need the bot's app registration (an app id and its password)."""
    if not (settings.graph_owners and settings.teams_app_id and settings.teams_app_password):
        return None
    return GraphClient(settings.teams_app_id, settings.teams_app_password, graph_url=settings.graph_url,
                       login_url=login_url_for(settings.graph_login_url, settings.teams_login_url))


class TeamsAdapter:
    platform = Platform.TEAMS

    def __init__(self, wiring: Wiring) -> None:
        settings, store, limiter, seal = wiring.settings, wiring.store, wiring.limiter, wiring.seal
        credentials_factory: ServiceClientCredentialsFactory | None = wiring.options.get("teams_credentials")
        self.settings = settings
        config = _BotConfig(settings)
        # botbuilder's own authentication and factories, with the outbound clients kept (bot/teams/clients.py)
        self.auth = SharedClientsAuthentication(config, SharedCredentials(
            credentials_factory or ConfigurationServiceClientCredentialFactory(config)))
        self.adapter = CloudAdapter(self.auth)
        self.adapter.on_turn_error = self._on_turn_error
        self.adapter.use(ParseInbound())  # first: every turn's activity is read once
        self.lane: AfterAck = wiring.lane
        # The store, not its repositories: they are built on first use (storage/store.py)
        self.lines = TeamsLines(self.adapter, settings.teams_app_id, store)
        self.references = References(store)
        self.bot = SteadyTeamsBot(wiring.pipeline, store, self.lines, self.references, seal)
        self.directory = TeamsDirectory(self.lines, store, _graph(settings), settings.teams_tenant_id)
        self.sender = TeamsSender(self.lines, store, limiter, max_in_flight=settings.teams_max_in_flight, seal=seal)
        # With an app id, tokens are validated here (bot/teams/auth.py), not by botbuilder's blocking code.
        self.channel_auth = (ChannelAuth(settings.teams_app_id, settings.teams_openid_metadata_url,
                                         settings.teams_token_issuer) if settings.teams_app_id else None)

    def routes(self) -> Sequence[Route]:
        return [Route("POST", MESSAGES_PATH, self.handle, kind="teams")]

    def periodic(self) -> Sequence[PeriodicTask]:
        return []

    async def start(self) -> None:
        return None

    async def handle(self, request: web.Request) -> web.Response:
        """Cheap checks first, so a stranger costs no body read and no parsing: the Authorization header
        (and, with an app id, the token's signature), then the body (size- and time-capped), then JSON."""
        if "application/json" not in request.headers.get("Content-Type", ""):
            return web.json_response({"error": "expected application/json"}, status=415)
        header = request.headers.get("Authorization", "")
        claims: dict[str, Any] | None = None
        if self.channel_auth is not None and not (self.settings.insecure_dev and _emulator_header(header)):
            token = precheck(header)
            if token is None:
                return _unauthorized("no usable Authorization header")
            try:
                claims = await self.channel_auth.verify(token)
            except Refused as exc:
                return _unauthorized(str(exc))
        try:
            body = limits.parse_json(await limits.read_body(request, limits.MAX_TEAMS_BODY))
        except (limits.TooBig, limits.TooSlow, limits.BadJson) as exc:
            return limits.refusal(exc)
        if not isinstance(body, dict) or not isinstance(body.get("type"), str) or not body["type"]:
            return web.json_response({"error": "not a Bot Framework activity"}, status=400)
        if (scope := CURRENT.get()) is not None:
            scope.kind = teams_kind(body["type"])  # the metrics' request kind (a closed set)
        try:
            activity = Activity().deserialize(body)
        except Exception:  # noqa: BLE001 - msrest raises assorted errors on wrong types
            return web.json_response({"error": "malformed activity"}, status=400)
        try:
            if claims is not None:
                ChannelAuth.check_activity(claims, activity)
                auth = await self._result(claims)
            else:  # development mode: botbuilder's own checks (no app id: none; Emulator tokens accepted)
                auth = await self.adapter.bot_framework_authentication.authenticate_request(activity, header)
        except Refused as exc:
            return _unauthorized(str(exc))
        except Exception as exc:  # noqa: BLE001 - PermissionError, bad JWTs, unreachable key metadata: all 401
            return _unauthorized(type(exc).__name__)
        if self._other_tenant(activity):
            return web.Response(status=200)  # acknowledged, and nothing of it is read or stored
        if not self._answer_first(activity):
            try:
                invoke = await self.adapter.process_activity(auth, activity, self.bot.on_turn)
            except Exception:  # noqa: BLE001
                log.warning("Teams activity could not be handled", exc_info=True)
                return web.json_response({"error": "activity could not be handled"}, status=400)
            if invoke is not None:
                if invoke.body is None:  # an empty answer is an empty body (not the JSON `null`)
                    return web.Response(status=invoke.status)
                return web.json_response(_invoke_body(invoke.body), status=invoke.status)
            return web.Response(status=201)
        self.lane.run(self._turn(auth, activity), name=f"teams turn {activity.id or ''}")  # counted from now
        return web.Response(status=201)

    def _other_tenant(self, activity: Activity) -> bool:
        """A single-tenant bot (`MICROSOFT_APP_TYPE` SingleTenant or UserAssignedMSI, with
        `MICROSOFT_APP_TENANT_ID`) serves its own organisation only: its app package can still be uploaded in
        another tenant, whose activities reach this endpoint with a valid Bot Framework token. Those (the
        activity's `channelData.tenant.id`, else `conversation.tenantId`) are ignored. An activity that names
        no tenant is not refused here (Teams always names one; the Emulator does not)."""
        own = self.settings.teams_tenant_id.strip().lower()
        if not own or self.settings.teams_app_type.strip().lower() not in SINGLE_TENANT_TYPES:
            return False
        tenant = payloads.tenant_id(activity).strip().lower()
        if not tenant or tenant == own:
            return False
        log.info("Teams activity from another tenant ignored: this bot is single-tenant (MICROSOFT_APP_TENANT_ID)")
        return True

    async def _result(self, claims: dict[str, Any]) -> AuthenticateRequestResult:
        """What botbuilder's authenticate_request would answer for these (already validated) claims."""
        bfa = self.adapter.bot_framework_authentication
        identity = ChannelAuth.identity(claims)
        result = AuthenticateRequestResult()
        result.claims_identity = identity
        result.audience = bfa.get_originating_audience()
        result.caller_id = PUBLIC_AZURE_CALLER_ID
        result.connector_factory = bfa.create_connector_factory(identity)
        return result

    @staticmethod
    def _answer_first(activity: Activity) -> bool:
        """Whether the HTTP response carries nothing, so it can go before the turn runs (module docstring)."""
        return activity.type != ActivityTypes.invoke and activity.delivery_mode != DeliveryModes.expect_replies

    async def _turn(self, auth: Any, activity: Activity) -> None:
        """One answered activity's turn, in the after-ack lane (which yields first, so the 201 leaves)."""
        try:
            await self.adapter.process_activity(auth, activity, self.bot.on_turn)
        except Exception:  # noqa: BLE001 - errors inside the turn went to _on_turn_error already
            log.warning("Teams activity could not be handled (activity %s)", activity.id, exc_info=True)

    async def close(self) -> None:
        """Release the Teams clients (the channel's signing keys, Graph, the connector's). Acknowledged turns
        are the lane's: `Runtime.close` lets them finish first."""
        if self.channel_auth is not None:
            await self.channel_auth.close()
        await self.directory.close()
        await self.auth.close()

    async def _on_turn_error(self, context: TurnContext, error: Exception) -> None:
        log.error("Teams turn failed: %s", type(error).__name__, exc_info=error)
        activity = context.activity
        if activity is None or activity.type not in APOLOGY_TYPES:
            # Nobody asked anything (a member joined, the app was installed, a proactive send the outbox
            # retries): an apology out of the blue would only confuse the channel.
            return
        try:
            await context.send_activity(SORRY_BUG)
        except Exception:  # noqa: BLE001
            log.debug("could not tell the person about the failure")
