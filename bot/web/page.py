"""`GET /reports/<token>`: the team report as a web page, served by `steadybot serve` itself.

The token (handlers/reports/links.py) is signed with the server secret's "reports" key, bound to one
channel and valid for 15 minutes; anything else gets a friendly 403 page and no data. The page is plain
server-rendered HTML (jinja2, autoescaped) with SVG charts as images (bot/web/charts.py): no script, no
external request, one stylesheet allowed by its hash:

    Content-Security-Policy: default-src 'none'; img-src data:; style-src 'sha256-…'; base-uri 'none';
                             form-action 'none'; frame-ancestors 'none'

The HTML itself (jinja2, pygal) is bot/web/render.py, imported by the first page request in a worker thread,
not when the server starts; the reports feature (the link, the report's figures) is imported by the first
request too (docs/benchmarks.md, "Cold start").
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from aiohttp import web

from bot import limits
from bot.runtime import Runtime
from handlers.core.errors import StorageUnavailable
from handlers.core.signing import Signer
from handlers.core.timeparse import zone
from handlers.reports.catalog import SIGNER

if TYPE_CHECKING:
    from handlers.reports.model import Report

log = logging.getLogger("steadybot.web")
MAX_TOKEN = 2048


def _page(template: str, context: dict[str, object]) -> tuple[str, dict[str, str]]:
    from bot.web.render import headers, page

    return page(template, **context), headers()


def _report(report: Report, tz: ZoneInfo) -> tuple[str, dict[str, str]]:
    from bot.web.render import headers, render_report

    return render_report(report, tz), headers()


async def html(template: str, status: int = 200, extra: dict[str, str] | None = None,
               **context: object) -> web.Response:
    """A page from a template, rendered off the event loop (the first one also imports jinja2 there)."""
    body, headers = await asyncio.to_thread(_page, template, context)
    headers = {**headers, **(extra or {})}
    return web.Response(text=body, status=status, content_type="text/html", charset="utf-8", headers=headers)


async def forbidden(reason: str) -> web.Response:
    return await html("forbidden.html", 403, reason=reason)


def register(app: web.Application, runtime: Runtime) -> None:
    """Adds `GET /reports/{token}` (and `/reports/{token}/`) to the server (bot/server.py)."""
    signer: Signer = runtime.secret.signer(SIGNER)

    async def report_page(request: web.Request) -> web.StreamResponse:
        from handlers.reports.build import build_report
        from handlers.reports.links import LinkTarget, read_token

        token = request.match_info.get("token", "")
        target: LinkTarget | None = None
        if len(token) <= MAX_TOKEN:
            target = read_token(signer, token, runtime.clock.now().timestamp())
        if target is None:
            return await forbidden("This link has expired, was changed, or was not made for this server.")
        tz = zone(target.tz, runtime.settings.default_tz)
        try:
            report = await build_report(runtime.services, target.place(), tz, channel_name=target.channel_name)
        except StorageUnavailable:
            return await html("forbidden.html", 503, {"Retry-After": str(limits.RETRY_AFTER)},
                              reason="The report can't be read right now (the database does not answer). Please "
                                     "try again in a minute.")
        # pygal draws 16 SVGs in pure Python (~0.1–0.3 s on 2 loaded cores): off the event loop, so acks
        # to Slack and Teams never wait behind a chart
        body, headers = await asyncio.to_thread(_report, report, tz)
        response = web.Response(text=body, content_type="text/html", charset="utf-8", headers=headers)
        response.enable_compression()  # the charts' data URIs are base64 SVG: about 4× smaller gzipped
        return response

    async def bare(_: web.Request) -> web.StreamResponse:
        return await forbidden("This address needs the private link steadybot sent you.")

    app.router.add_get("/reports/{token}", report_page)
    # The same page with a trailing slash (a chat or mail client, or a person completing the address, adds
    # one): answered in place, not redirected — a redirect would carry the token once more, in a Location
    # header a browser may cache (docs/reports.md).
    app.router.add_get("/reports/{token}/", report_page)
    app.router.add_get("/reports/", bare)
    app.router.add_get("/reports", bare)
