"""One aiohttp server for both platforms: POST /slack/events, POST /api/messages, GET /healthz, GET /metrics,
the Slack OAuth pages (GET /slack/install, /slack/oauth_redirect) and the report page GET /reports/<token>
(bot/web).

Nothing else is routed (no index page listing the routes), the `Server` header names no software or
version, and a refusal looks the same whether or not something is configured (401 for the platforms, a
plain 404 for the OAuth pages and metrics when they are off).

Slow or idle clients are cut off (docs/operations.md, "Slow clients"): a connection must finish sending a
request's headers within `Limits.header_timeout` seconds of opening (or of its previous response: that is
also the keep-alive limit), its body within `Limits.body_timeout` seconds (bot/limits.py; 408), and at
most `Limits.max_connections` connections are open at once (more are closed at once, unanswered).
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import gc
import ipaddress
import logging
import signal
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace

from aiohttp import web, web_response

from bot import limits, platforms
from bot import metrics as metrics_mod
from bot.adapter import Route
from bot.runtime import Runtime
from bot.web.page import register as register_report_page
from handlers.core.errors import SORRY_DATABASE, StorageUnavailable

log = logging.getLogger("steadybot.server")
#: How long a stop waits for the start's warm-up thread (seconds) before it disposes of the database.
WARM_UP_WAIT = 30.0
MAX_BODY = limits.MAX_SLACK_BODY  # the largest body any route takes; bigger bodies get 413
RUNTIME_KEY = web.AppKey("runtime", Runtime)
SERVER_NAME = "steadybot"
INSECURE_REMINDER = 15 * 60  # seconds between the WARNING lines while STEADYBOT_INSECURE_DEV is on
INSECURE_WARNING = ("STEADYBOT_INSECURE_DEV=1: Teams traffic is NOT authenticated — anyone who can reach this "
                    "port can act as anyone and make the bot send to any host. Local development only.")


@dataclass(frozen=True, slots=True)
class Limits:
    """Slow-client limits of the HTTP server (docs/operations.md)."""

    header_timeout: float = 15.0  # open → request headers complete, and the keep-alive idle limit
    body_timeout: float = limits.BODY_TIMEOUT  # headers complete → body complete
    max_connections: int = 1000
    lingering: float = 2.0  # after answering early (413, 408), how long the rest of a body is drained


class CannotListen(RuntimeError):
    """The server could not take its address: in use, not this machine's, a name that does not resolve."""


def _why_not_listening(exc: OSError | ValueError) -> str:
    """What an operator can do about a failed bind, in words (`serve` prints it instead of a stack trace)."""
    if isinstance(exc, ValueError):
        return "that is not a valid host name (HOST or --host)"
    if isinstance(exc, socket.gaierror):
        return "the host name does not resolve (HOST or --host)"
    if exc.errno == errno.EADDRINUSE:
        return "another program already listens on that port (PORT or --port; --port 0 picks a free one)"
    if exc.errno == errno.EADDRNOTAVAIL:
        return "this machine has no such address (HOST or --host; 0.0.0.0 listens on all of them)"
    if exc.errno == errno.EACCES:
        return "this user may not listen on that port (ports below 1024 need privileges; PORT or --port)"
    return exc.strerror or type(exc).__name__


class InsecureBinding(RuntimeError):
    """STEADYBOT_INSECURE_DEV=1 with a non-loopback address: refused at start."""


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_insecure_binding(runtime: Runtime, host: str) -> None:
    if runtime.settings.insecure_dev and not is_loopback(host):
        raise InsecureBinding(f"STEADYBOT_INSECURE_DEV=1 accepts unauthenticated Teams traffic, so the server only "
                              f"binds to a loopback address (127.0.0.1, ::1), not {host!r}. Unset "
                              "STEADYBOT_INSECURE_DEV for a real deployment, or bind to 127.0.0.1.")


def _hide_server_software_everywhere() -> None:
    """aiohttp gives every response without a `Server` header its default, `Python/3.x aiohttp/3.x` — the
    app's responses and those it writes itself for malformed requests (a header line over 8 KB, a bad method),
    before any app code runs. That default is a module constant of aiohttp.web_response; it names no version
    once replaced (no response signal needed: one call fewer on every request's path)."""
    web_response.SERVER_SOFTWARE = SERVER_NAME

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def no_stack_traces(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Whatever goes wrong, the client gets a short answer and never a traceback."""
    try:
        return await handler(request)
    except web.HTTPException:
        raise
    except StorageUnavailable as exc:
        # A route with no "try again" of its own (Bolt's OAuth pages keep their state in the database): a
        # browser or client is told to come back, and the log says why without a traceback at ERROR
        log.warning("database unavailable on %s %s (%s): answered 503", request.method, _route(request), exc)
        return web.Response(status=503, text=SORRY_DATABASE, headers={"Retry-After": str(limits.RETRY_AFTER)})
    except Exception:
        # The route's pattern, not the path: a path can be a credential (`/reports/<token>`: bot/logs.py redacts it too)
        log.exception("unhandled error on %s %s", request.method, _route(request))
        return web.json_response({"error": "internal error"}, status=500)


def _route(request: web.Request) -> str:
    """The matched route's pattern (`/reports/{token}`), or "(no route)"."""
    resource = request.match_info.route.resource
    return resource.canonical if resource is not None else "(no route)"


def build_app(runtime: Runtime, body_timeout: float = limits.BODY_TIMEOUT) -> web.Application:
    app = web.Application(client_max_size=MAX_BODY, middlewares=[no_stack_traces])
    app[RUNTIME_KEY] = runtime
    app[limits.BODY_TIMEOUT_KEY] = body_timeout
    _hide_server_software_everywhere()

    async def healthz(_: web.Request) -> web.StreamResponse:
        extra = {"insecure_dev": True} if runtime.settings.insecure_dev else {}
        if await runtime.handle.ping():
            return web.json_response({"status": "ok", **extra})
        return web.json_response({"status": "database unavailable", **extra}, status=503)

    async def metrics(request: web.Request) -> web.StreamResponse:
        if runtime.metrics is None:
            raise web.HTTPNotFound()
        if not metrics_mod.allowed(runtime.settings.metrics_token, request.headers.get("Authorization", ""),
                                   request.remote, via_proxy=metrics_mod.proxied(request.headers)):
            if runtime.settings.metrics_token:
                return web.Response(status=401, text="bearer token required",
                                    headers={"WWW-Authenticate": 'Bearer realm="metrics"'})
            return web.Response(status=403, text="metrics answer loopback clients only, not through a proxy "
                                "(set STEADYBOT_METRICS_TOKEN to scrape from elsewhere)")
        body = await runtime.metrics.exposition()
        return web.Response(body=body, headers={"Content-Type": runtime.metrics.content_type})

    def measure(route: Route) -> Handler:
        """The route's handler, with its ack latency per platform and request kind (closed sets) and the request id
        for the logs. A coroutine function, as aiohttp asks of a handler (a plain function returning a coroutine is
        deprecated, and wrapped in one more coroutine of aiohttp's own)."""
        handler, platform = route.handler, route.kind
        if not platform:
            return handler

        async def measured(request: web.Request) -> web.StreamResponse:
            if runtime.metrics is None:
                return await handler(request)
            scope = runtime.metrics.begin(platform, "other")
            response = await handler(request)
            runtime.metrics.answered(scope, response.status)
            if scope.kind == "invoke":  # a Teams invoke's turn runs inside its request
                metrics_mod.turn_finished()
            return response

        return measured

    routes = [route for adapter in runtime.adapters.values() for route in adapter.routes()]
    for spec in platforms.discover():  # a platform that is off answers its routes like bad credentials
        if spec.platform not in runtime.adapters:
            routes.extend(spec.refusals(runtime.settings))
    for route in routes:
        app.router.add_route(route.method, route.path, measure(route))
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", metrics)
    register_report_page(app, runtime)
    return app


class _Refuse:
    """The protocol of a connection over the cap: closed at once, before any byte is read."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        transport.close()

    def connection_lost(self, exc: BaseException | None) -> None:
        return None

    def data_received(self, data: bytes) -> None:
        return None

    def eof_received(self) -> bool:
        return False


class CappedSite(web.TCPSite):
    """A TCPSite that closes connections beyond `max_connections` at once."""

    def __init__(self, runner: web.AppRunner, host: str, port: int, max_connections: int) -> None:
        super().__init__(runner, host, port)
        self.max_connections = max_connections
        self.refused = 0

    async def start(self) -> None:
        await web.BaseSite.start(self)
        server = self._runner.server
        assert server is not None
        site = self

        def factory() -> asyncio.BaseProtocol:
            if len(server.connections) >= site.max_connections:
                site.refused += 1
                if site.refused in (1, 10, 100) or site.refused % 1000 == 0:
                    log.warning("connection cap reached (%d open): %d connection(s) refused so far",
                                site.max_connections, site.refused)
                return _Refuse()  # type: ignore[return-value]
            return server()

        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(factory, self._host, self._port, backlog=self._backlog,
                                                reuse_address=self._reuse_address, reuse_port=self._reuse_port)


async def _insecure_reminders() -> None:
    while True:
        await asyncio.sleep(INSECURE_REMINDER)
        log.warning(INSECURE_WARNING)


async def start_server(runtime: Runtime, host: str, port: int,
                       server_limits: Limits = Limits()) -> tuple[web.AppRunner, int]:
    """The app on host:port with the slow-client limits; returns the runner and the bound port."""
    check_insecure_binding(runtime, host)
    app = build_app(runtime, server_limits.body_timeout)
    runner = web.AppRunner(app, access_log=None, keepalive_timeout=server_limits.header_timeout,
                           lingering_time=server_limits.lingering, max_field_size=8190, max_line_size=8190)
    await runner.setup()
    site = CappedSite(runner, host, port, server_limits.max_connections)
    try:
        await site.start()
    except (OSError, ValueError) as exc:  # ValueError: a host name IDNA cannot encode (`a..b`, a 64-letter label)
        await runner.cleanup()
        shown = host[:100] if host.isprintable() else repr(host[:100])  # no escape sequence reaches the terminal
        raise CannotListen(f"cannot listen on {shown}:{port}: {_why_not_listening(exc)}") from None
    bound = port
    if runner.addresses:  # the port actually bound (port 0 picks a free one)
        bound = runner.addresses[0][1]
    return runner, bound


def warm_up(runtime: Runtime) -> asyncio.Future[None]:
    """`Runtime.warm_up` in a worker thread, with the cyclic garbage collector off meanwhile (what it builds lives
    as long as the process: collecting as it piles up finds nothing to free) and what it built frozen after, as
    the rest of the start is (docs/benchmarks.md#garbage-collection-frozen-at-start). A failure is logged; the
    first use then tries again and answers for itself."""
    gc.disable()

    def done(task: asyncio.Future[None]) -> None:
        gc.freeze()
        gc.enable()
        if not task.cancelled() and (exc := task.exception()) is not None:
            log.warning("building the database engine at start failed (the first request tries again): %s",
                        type(exc).__name__)

    warming = asyncio.ensure_future(asyncio.to_thread(runtime.warm_up))
    warming.add_done_callback(done)
    return warming


async def serve(runtime: Runtime, host: str, port: int, ready: Callable[[int], None] | None = None,
                server_limits: Limits = Limits()) -> None:
    """Run until SIGINT/SIGTERM: migrations are done by the caller; here the scheduler and HTTP server run.
    With STEADYBOT_INSECURE_DEV=1 it refuses a non-loopback address (InsecureBinding); an address it cannot take
    closes the runtime and raises CannotListen."""
    try:
        runner, bound = await start_server(runtime, host, port, server_limits)
    except CannotListen:
        await runtime.close()
        raise
    if bound != port and not runtime.settings.public_url:  # port 0: report links name the port it picked
        base = replace(runtime.settings, host=host, port=bound).base_url
        runtime.services.settings = replace(runtime.services.settings, public_url=base)
    reminders: asyncio.Task[None] | None = None
    if runtime.settings.insecure_dev:
        log.warning(INSECURE_WARNING)
        reminders = asyncio.create_task(_insecure_reminders(), name="insecure-dev reminders")
    runtime.scheduler.start()
    for adapter in runtime.adapters.values():
        await adapter.start()  # Slack Socket Mode connects here
    log.info("steadybot listening on http://%s:%s (Slack %s, Teams %s)", host, bound,
             "on" if runtime.slack else "off",
             "on" if runtime.teams and runtime.settings.teams_enabled else
             ("on, UNAUTHENTICATED (STEADYBOT_INSECURE_DEV)" if runtime.teams else "off"))
    # Everything loaded at start lives as long as the process: frozen, a full garbage collection no longer
    # walks it and stalls the requests in flight (docs/benchmarks.md#garbage-collection-frozen-at-start).
    gc.freeze()
    warming = warm_up(runtime)
    if ready is not None:
        ready(bound)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        log.info("shutting down")
        if reminders is not None:
            reminders.cancel()
        await runner.cleanup()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(asyncio.shield(warming), WARM_UP_WAIT)  # a thread cannot be cancelled
        await runtime.close()
