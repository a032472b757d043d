"""The Slack side of the server: a Bolt AsyncApp behind POST /slack/events (or Socket Mode).

One request: the signature is checked once (bot/slack/signature.py, before anything parses the body; Bolt's
own check is off), Bolt dispatches it, the global middleware (bot/slack/middleware.py) parses it into an
`Inbound`, a listener (bot/slack/listeners/) acknowledges once and hands it to the shared pipeline, whose
work runs in the after-ack lane (bot/inbound.py)."""

from __future__ import annotations

import asyncio
import contextlib
import html
import logging
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.async_app import AsyncApp
from slack_bolt.logger.messages import warning_client_prioritized_and_token_skipped
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.web.async_client import AsyncWebClient

from bot import limits
from bot.adapter import Route, Wiring
from bot.inbound import chained
from bot.metrics import CURRENT, slack_kind
from bot.slack import signature
from bot.slack.channel_names import ChannelNames
from bot.slack.directory import SlackDirectory
from bot.slack.home import REFRESH_SECONDS, HomePublisher
from bot.slack.listeners import register
from bot.slack.mentions import MentionNames
from bot.slack.middleware import Inbounds
from bot.slack.oauth import SEAL_PURPOSE, SlackOAuth, WorkspaceClients
from bot.slack.platform import EVENTS_PATH, OAUTH_PATHS
from bot.slack.replier import Respond
from bot.slack.response_urls import ResponseUrls
from bot.slack.sender import SlackSender
from bot.slack.workspaces import Workspaces
from handlers.core.errors import SORRY_DATABASE, StorageUnavailable
from handlers.core.registry import PeriodicTask
from handlers.core.types import Platform

if TYPE_CHECKING:
    from slack_bolt.adapter.socket_mode.aiohttp import AsyncSocketModeHandler

    from bot.config import Settings

log = logging.getLogger("steadybot.slack")

#: Slack's redirect back when the installation could not be saved.
INSTALL_NOT_FINISHED = ("<!doctype html><meta charset=\"utf-8\"><title>steadybot</title>"
                        "<p>steadybot can't reach its database right now, so the installation was not finished.</p>"
                        "<p>Please <a href=\"{path}\">start the installation again</a> in a minute.</p>")


@contextlib.contextmanager
def _quiet_token_warning(logger: logging.Logger) -> Iterator[None]:
    """Bolt reads SLACK_BOT_TOKEN from the environment itself and, given the client built from that same token,
    warned on every start that the token "will be unused": not a problem, so not a line for an operator to read."""
    unused = warning_client_prioritized_and_token_skipped()

    def keep(record: logging.LogRecord) -> bool:
        return record.getMessage() != unused

    logger.addFilter(keep)
    try:
        yield
    finally:
        logger.removeFilter(keep)


class SlackAdapter:
    platform = Platform.SLACK

    def __init__(self, wiring: Wiring) -> None:
        settings, core, store, clock = wiring.settings, wiring.core, wiring.store, wiring.clock
        secret, seal, limiter, pipeline = wiring.secret, wiring.seal, wiring.limiter, wiring.pipeline
        session = wiring.session()
        workspace_per_minute = float(wiring.options.get("slack_workspace_per_minute", settings.slack_posts_per_minute))
        self.settings = settings
        self._signing_key = signature.signing_key(settings.slack_signing_secret)
        self.client = AsyncWebClient(token=settings.slack_bot_token or None, base_url=settings.slack_api_url,
                                     session=session, timeout=15, logger=_web_logger(settings.log_level))
        # OAuth v2, many workspaces (SLACK_CLIENT_ID/SECRET, no SLACK_BOT_TOKEN): bot/slack/oauth.py
        self.oauth: SlackOAuth | None = None
        if settings.slack_bot_token and (settings.slack_client_id or settings.slack_client_secret):
            log.warning("SLACK_BOT_TOKEN is set, so SLACK_CLIENT_ID/SLACK_CLIENT_SECRET are ignored: one workspace, "
                        "no /slack/install (unset SLACK_BOT_TOKEN to install over OAuth)")
        if settings.slack_oauth:
            if secret is None:
                raise ValueError("Slack OAuth needs the server secret (it seals the installations' tokens)")
            # the installations' repository (and the engine) are built by the first OAuth request or lookup
            self.oauth = SlackOAuth(settings, store, secret.aead(SEAL_PURPOSE), clock)
        with _quiet_token_warning(bolt_log := logging.getLogger("steadybot.slack.bolt")):
            self.app = self._bolt_app(settings, bolt_log)
        if self.oauth is not None:
            self.oauth.register(self.app)  # its middleware first: the request's workspace, for everything after
        self.home = HomePublisher(core, clock)  # the App Home (its refresh runs periodically)
        self._response_urls = ResponseUrls.for_api(settings.slack_api_url)
        self.app.use(Inbounds(pipeline, self.home, Workspaces(store, pipeline, self.oauth), self._response_urls,
                              answer_in_ack=settings.slack_answer_in_ack))
        self._pipeline, self._session = pipeline, session
        register(self.app, tell=self._tell)
        store_ = self.oauth.installations if self.oauth else None
        self.clients = WorkspaceClients(self.client, store_, clock)
        send_clients = WorkspaceClients(self.client, store_, clock, retry_handlers=[])
        if self.oauth is not None:
            self.oauth.track(self.clients)
            self.oauth.track(send_clients)
        # The store, not its repositories: they are built on first use (storage/store.py)
        self.directory = SlackDirectory(self.client, store, clients=self.clients, home=self.home)
        # after the ack: `<@U…>` typed → `@name`; a command's channel without its name (a private channel's
        # `privategroup`, an @mention) → its name from conversations.info
        pipeline.prepare[Platform.SLACK] = chained(MentionNames(self.directory), ChannelNames(self.directory))
        self.sender = SlackSender(self.client, store, limiter, workspace_per_minute=workspace_per_minute,
                                  clients=send_clients, seal=seal)
        self._socket: AsyncSocketModeHandler | None = None

    def _bolt_app(self, settings: Settings, logger: logging.Logger) -> AsyncApp:
        return AsyncApp(
            # Without a name Bolt calls inspect.stack() (docs/benchmarks.md#bolt-without-inspectstack). The name
            # is also the logger Bolt writes to, with the level of `logger` below copied onto it: under
            # steadybot.slack.bolt it stays held at INFO with the other SDK loggers (bot/logs.py).
            name="steadybot.slack.bolt.app",
            signing_secret=settings.slack_signing_secret,
            client=self.client,
            # Listeners only acknowledge and hand the request to the after-ack lane, so Bolt may run them
            # inline and answer at once (otherwise it polls for the ack: bot/slack/middleware.py).
            process_before_response=True,
            request_verification_enabled=False,  # checked once, before Bolt: `events` below
            ignoring_self_events_enabled=True,
            raise_error_for_unhandled_request=True,  # unmatched requests → 2xx ack (listeners/unhandled.py)
            logger=logger,
            oauth_settings=self.oauth.settings if self.oauth else None,
        )

    def routes(self) -> Sequence[Route]:
        return [Route("POST", EVENTS_PATH, self.events, kind="slack"),
                *(Route("GET", path, self.handle_oauth) for path in OAUTH_PATHS)]

    def periodic(self) -> Sequence[PeriodicTask]:
        return [PeriodicTask("slack.home", REFRESH_SECONDS, self.home.refresh)]

    async def start(self) -> None:
        if self.settings.slack_app_token:
            await self.start_socket_mode()

    async def events(self, request: web.Request) -> web.StreamResponse:
        """POST /slack/events: the signature is checked first (the body is read only for plausible headers,
        capped in size and time), then Bolt takes it."""
        try:
            ok = await signature.signed(request, self._signing_key)
        except (limits.TooBig, limits.TooSlow) as exc:
            return limits.refusal(exc)
        if not ok:
            return web.Response(status=401, text="invalid signature")  # before anything parses the body
        if (scope := CURRENT.get()) is not None:
            scope.kind = slack_kind(await request.read(), request.content_type)  # the bytes read above
        return await self.handle(request)

    async def handle(self, request: web.Request) -> web.Response:
        """Events, slash commands, interactivity and options, once signed."""
        try:
            body = await request.text()
        except UnicodeDecodeError:
            return web.Response(status=400, text="request body is not UTF-8")
        # Work a listener leaves for after the ack (`pipeline.later`, `pipeline.run`: the middleware hands it the
        # pipeline `acked_by` this) starts once the ack is written: run synchronously (SQLite on the loop), it
        # would otherwise hold the ack back.
        ack_written = asyncio.Event()
        try:
            try:
                # no query string (Slack posts none): None, which Bolt reads as {} without running parse_qs
                bolt_request = AsyncBoltRequest(body=body, query=request.query_string or None,
                                                headers=dict(request.headers), context={"ack_written": ack_written})
            except Exception:  # noqa: BLE001 - unparseable bodies are the client's problem
                return web.Response(status=400, text="malformed request body")
            try:
                bolt_response = await self.app.async_dispatch(bolt_request)
            except Exception:  # noqa: BLE001
                log.warning("Slack request could not be handled", exc_info=True)
                return web.Response(status=400, text="request could not be handled")
            if bolt_response.status >= 500:
                return web.Response(status=400, text="request could not be handled")
            if bolt_response.status == 404:
                bolt_response.body = bolt_response.body or "not handled"
            response = await to_aiohttp_response(bolt_response)
            await response.prepare(request)
            await response.write_eof()
            return response
        finally:
            ack_written.set()

    def _tell(self, request: AsyncBoltRequest, url: str) -> None:
        """A press whose workspace could not be read (the database does not answer) is told so through its
        response_url, once its 200 is written (listeners/unhandled.py, `MiddlewareErrors`): no token needed."""
        after = request.context.get("ack_written")
        if not (url := self._response_urls.admit(url)):
            return
        self._pipeline.lane.run(self._told(url), "database unavailable: told",
                                after=after if isinstance(after, asyncio.Event) else None)

    async def _told(self, url: str) -> None:
        try:
            await Respond(url, self._session)(text=SORRY_DATABASE, response_type="ephemeral", replace_original=False)
        except Exception as exc:  # noqa: BLE001 - an outage's courtesy: never an error of its own
            log.warning("could not tell a press that the database does not answer: %s", type(exc).__name__)

    async def handle_oauth(self, request: web.Request) -> web.Response:
        """GET /slack/install and /slack/oauth_redirect: Bolt's OAuth flow (404 in single-token mode)."""
        flow = self.app.oauth_flow
        if flow is None:
            return web.Response(status=404, text="Slack OAuth is not configured on this server "
                                "(SLACK_CLIENT_ID and SLACK_CLIENT_SECRET, without SLACK_BOT_TOKEN)")
        bolt_request = AsyncBoltRequest(body="", query=request.query_string, headers=dict(request.headers))
        if request.path == flow.install_path:
            # a database that does not answer: the server's 503 "try again" (bot/server.py, nothing was begun)
            bolt_response = await flow.handle_installation(bolt_request)
        else:
            try:
                bolt_response = await flow.handle_callback(bolt_request)
            except StorageUnavailable as exc:
                # Bolt uses up the state and swaps Slack's one-time code before it saves the installation: after
                # a failure here a reload may find nothing left to finish, while starting again always works
                log.warning("Slack install not finished: database unavailable (%s)", exc)
                return web.Response(status=503, content_type="text/html", charset="utf-8",
                                    headers={"Retry-After": str(limits.RETRY_AFTER)},
                                    text=INSTALL_NOT_FINISHED.format(path=html.escape(flow.install_path)))
        return await to_aiohttp_response(bolt_response)

    async def start_socket_mode(self) -> None:
        """With SLACK_APP_TOKEN, connect to Slack over Socket Mode instead of receiving HTTP requests."""
        from slack_bolt.adapter.socket_mode.aiohttp import AsyncSocketModeHandler

        self._socket = AsyncSocketModeHandler(self.app, self.settings.slack_app_token)
        await self._socket.connect_async()
        log.info("Slack connected over Socket Mode")

    async def close(self) -> None:
        """Stop taking requests (Socket Mode). Acknowledged requests' work is the lane's: the runtime lets it
        finish, bounded, before closing the adapters (bot/inbound.py, `AfterAck.close`)."""
        if self._socket is not None:
            await self._socket.close_async()


def _web_logger(level: str) -> logging.Logger:
    """slack_sdk formats every request and response (blocks included) for its debug log whenever its
    logger's own level is unset — even when nothing would print it (docs/benchmarks.md#slack_sdks-debug-log).
    Its logger gets an explicit level, never below INFO: its DEBUG lines are request and response bodies (a
    person's journal, modal contents), which never reach a log whatever STEADYBOT_LOG_LEVEL says (issue 12;
    bot/logs.py also filters them out)."""
    logger = logging.getLogger("steadybot.slack.web")
    number = logging.getLevelName(level)  # "INFO" → 20; an unknown name comes back as a string
    logger.setLevel(max(logging.INFO, number if isinstance(number, int) else logging.INFO))
    return logger
