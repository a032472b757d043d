"""One aiohttp server for both platforms: POST /slack/events, POST /api/messages, GET /healthz, GET /metrics,
and the report page GET /reports/<token> (bot/web)."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import hashlib
import hmac
import logging
import signal
import time
from collections.abc import Awaitable, Callable

from aiohttp import web

from bot import metrics as metrics_mod
from bot.runtime import Runtime
from bot.web.page import register as register_report_page

log = logging.getLogger("steadybot.server")
MAX_BODY = 1024 * 1024  # Slack and Teams payloads are far smaller; bigger bodies get 413
REPLAY_WINDOW = 5 * 60  # seconds a signed Slack request stays valid
RUNTIME_KEY = web.AppKey("runtime", Runtime)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def no_stack_traces(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Whatever goes wrong, the client gets a short answer and never a traceback."""
    try:
        return await handler(request)
    except web.HTTPException:
        raise
    except Exception:
        log.exception("unhandled error on %s %s", request.method, request.path)
        return web.json_response({"error": "internal error"}, status=500)


async def _slack_signed(request: web.Request, secret: str, now: Callable[[], float] = time.time) -> bool:
    """Slack's signature (HMAC-SHA256 of `v0:timestamp:body`) with the 5-minute replay window, checked for
    every path — commands, events, interactivity, options — before Bolt sees the request (Bolt checks it
    again). Works on the raw bytes, so a body that is not even UTF-8 is just unsigned, not an error."""
    timestamp = request.headers.get("X-Slack-Request-Timestamp", "")
    signature = request.headers.get("X-Slack-Signature", "")
    if not timestamp.isdigit() or len(timestamp) > 12 or not signature.startswith("v0="):
        return False
    if abs(now() - int(timestamp)) > REPLAY_WINDOW:
        return False
    body = await request.read()
    digest = hmac.new(secret.encode(), b"v0:" + timestamp.encode() + b":" + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(f"v0={digest}", signature)


def build_app(runtime: Runtime) -> web.Application:
    app = web.Application(client_max_size=MAX_BODY, middlewares=[no_stack_traces])
    app[RUNTIME_KEY] = runtime
    warned = {"teams": False}

    async def measured(platform: str, kind: str, answer: Awaitable[web.StreamResponse]) -> web.StreamResponse:
        """Ack latency per platform and request kind (closed sets); the request id for the logs."""
        if runtime.metrics is None:
            return await answer
        scope = runtime.metrics.begin(platform, kind)
        response = await answer
        runtime.metrics.answered(scope, response.status)
        if scope.kind == "invoke":  # a Teams invoke's turn runs inside its request
            metrics_mod.turn_finished()
        return response

    async def slack_events(request: web.Request) -> web.StreamResponse:
        kind = metrics_mod.slack_kind(await request.read(), request.content_type) \
            if request.content_length is not None and request.content_length <= MAX_BODY else "other"
        return await measured("slack", kind, _slack_events(request))

    async def _slack_events(request: web.Request) -> web.StreamResponse:
        if runtime.slack is None:
            return web.json_response({"error": "Slack is not configured on this server"}, status=404)
        if not await _slack_signed(request, runtime.settings.slack_signing_secret):
            return web.Response(status=401, text="invalid signature")  # before anything reads the body
        return await runtime.slack.handle(request)

    async def teams_messages(request: web.Request) -> web.StreamResponse:
        return await measured("teams", "other", _teams_messages(request))

    async def _teams_messages(request: web.Request) -> web.StreamResponse:
        if runtime.teams is None:
            if not warned["teams"]:
                log.warning("Refusing Teams traffic on /api/messages: MICROSOFT_APP_ID is not set, so activities "
                            "cannot be authenticated. Set MICROSOFT_APP_ID/MICROSOFT_APP_PASSWORD, or "
                            "STEADYBOT_INSECURE_DEV=1 for local development only.")
                warned["teams"] = True
            return web.json_response({"error": "Teams is not configured on this server"}, status=401)
        return await runtime.teams.handle(request)

    async def healthz(_: web.Request) -> web.StreamResponse:
        if await runtime.db.ping():
            return web.json_response({"status": "ok"})
        return web.json_response({"status": "database unavailable"}, status=503)

    async def slack_oauth(request: web.Request) -> web.StreamResponse:
        """Slack OAuth v2 (many workspaces): the install link and Slack's redirect back (bot/slack/oauth.py)."""
        if runtime.slack is None:
            return web.json_response({"error": "Slack is not configured on this server"}, status=404)
        return await runtime.slack.handle_oauth(request)

    async def metrics(request: web.Request) -> web.StreamResponse:
        if runtime.metrics is None:
            return web.json_response({"error": "metrics are off"}, status=404)
        if not metrics_mod.allowed(runtime.settings.metrics_token, request.headers.get("Authorization", ""),
                                   request.remote):
            if runtime.settings.metrics_token:
                return web.Response(status=401, text="bearer token required",
                                    headers={"WWW-Authenticate": 'Bearer realm="metrics"'})
            return web.Response(status=403, text="metrics answer loopback clients only "
                                "(set STEADYBOT_METRICS_TOKEN to scrape from elsewhere)")
        body = await runtime.metrics.exposition()
        return web.Response(body=body, headers={"Content-Type": runtime.metrics.content_type})

    async def index(_: web.Request) -> web.StreamResponse:
        return web.Response(text="steadybot is running. Slack: POST /slack/events · Teams: POST /api/messages\n")

    app.router.add_post("/slack/events", slack_events)
    app.router.add_post("/api/messages", teams_messages)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", metrics)
    app.router.add_get("/slack/install", slack_oauth)
    app.router.add_get("/slack/oauth_redirect", slack_oauth)
    app.router.add_get("/", index)
    register_report_page(app, runtime)
    return app


async def serve(runtime: Runtime, host: str, port: int, ready: Callable[[int], None] | None = None) -> None:
    """Run until SIGINT/SIGTERM: migrations are done by the caller; here the scheduler and HTTP server run."""
    app = build_app(runtime)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    bound = port
    if runner.addresses:  # the port actually bound (port 0 picks a free one)
        bound = runner.addresses[0][1]
    runtime.scheduler.start()
    if runtime.slack is not None and runtime.settings.slack_app_token:
        await runtime.slack.start_socket_mode()
    log.info("steadybot listening on http://%s:%s (Slack %s, Teams %s)", host, bound,
             "on" if runtime.slack else "off",
             "on" if runtime.teams and runtime.settings.teams_enabled else
             ("on, UNAUTHENTICATED (STEADYBOT_INSECURE_DEV)" if runtime.teams else "off"))
    # Everything loaded at start lives as long as the process: frozen, a full garbage collection no longer
    # walks it and stalls the requests in flight (docs/benchmarks.md#garbage-collection-frozen-at-start).
    gc.freeze()
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
        await runner.cleanup()
        await runtime.close()
