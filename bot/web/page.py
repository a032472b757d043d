"""`GET /reports/<token>`: the team report as a web page, served by `steadybot serve` itself.

The token (handlers/reports/links.py) is signed with the server secret's "reports" key, bound to one
channel and valid for 15 minutes; anything else gets a friendly 403 page and no data. The page is plain
server-rendered HTML (jinja2, autoescaped) with SVG charts as images (bot/web/charts.py): no script, no
external request, one stylesheet allowed by its hash:

    Content-Security-Policy: default-src 'none'; img-src data:; style-src 'sha256-…'; base-uri 'none';
                             form-action 'none'; frame-ancestors 'none'
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import logging
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

from aiohttp import web
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from bot.runtime import Runtime
from bot.web.charts import charts
from handlers.core.errors import StorageUnavailable
from handlers.core.signing import Signer
from handlers.core.timeparse import zone
from handlers.reports.build import build_report
from handlers.reports.links import SIGNER, LinkTarget, read_token
from handlers.reports.model import Report, people
from handlers.reports.render import decision_headline, headlines, meeting_headline

log = logging.getLogger("steadybot.web")
TEMPLATES = Path(__file__).with_name("templates")
MAX_TOKEN = 2048


@dataclass(frozen=True, slots=True)
class Assets:
    env: Environment
    css: Markup
    csp: str


@cache
def assets() -> Assets:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]),
                      trim_blocks=True, lstrip_blocks=True)
    css = (TEMPLATES / "report.css").read_text(encoding="utf-8")
    digest = base64.b64encode(hashlib.sha256(css.encode("utf-8")).digest()).decode("ascii")
    csp = (f"default-src 'none'; img-src data:; style-src 'sha256-{digest}'; base-uri 'none'; "
           "form-action 'none'; frame-ancestors 'none'")
    return Assets(env, Markup(css), csp)  # noqa: S704 - our own stylesheet file, not user input


def _headers() -> dict[str, str]:
    return {
        "Content-Security-Policy": assets().csp,
        "Referrer-Policy": "no-referrer",
        "Cache-Control": "no-store",
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
        "X-Robots-Tag": "noindex, nofollow",
        "Cross-Origin-Resource-Policy": "same-origin",
    }


def html(template: str, status: int = 200, **context: object) -> web.Response:
    body = assets().env.get_template(template).render(css=assets().css, **context)
    return web.Response(text=body, status=status, content_type="text/html", charset="utf-8", headers=_headers())


def forbidden(reason: str) -> web.Response:
    return html("forbidden.html", 403, reason=reason)


def render_report(report: Report, tz: ZoneInfo) -> str:
    all_charts = charts(report)
    generated = report.generated_at.astimezone(tz)
    context = {
        "r": report,
        "generated": f"{generated:%a} {generated.day} {generated:%b %Y, %H:%M} ({tz.key})",
        "facts": headlines(report),
        "burnout_high": (report.latest.burnout_shown or people(report.latest.burnout_high)) if report.latest else "",
        "pulse_charts": [c for c in all_charts if c.id.startswith("dim-") or c.id == "response"],
        "meeting_charts": [c for c in all_charts if c.id == "meetings"],
        "decision_charts": [c for c in all_charts if c.id == "decisions"],
        "meetings_line": "Meetings: " + meeting_headline(report) + ".",
        "decisions_line": "Decisions: " + decision_headline(report) + ".",
    }
    return assets().env.get_template("report.html").render(css=assets().css, **context)


def register(app: web.Application, runtime: Runtime) -> None:
    """Adds `GET /reports/{token}` to the server (bot/server.py)."""
    signer: Signer = runtime.secret.signer(SIGNER)

    async def report_page(request: web.Request) -> web.StreamResponse:
        token = request.match_info.get("token", "")
        target: LinkTarget | None = None
        if len(token) <= MAX_TOKEN:
            target = read_token(signer, token, runtime.clock.now().timestamp())
        if target is None:
            return forbidden("This link has expired, was changed, or was not made for this server.")
        tz = zone(target.tz, runtime.settings.default_tz)
        try:
            report = await build_report(runtime.services, target.place(), tz, channel_name=target.channel_name)
        except StorageUnavailable:
            return html("forbidden.html", 503, reason="The report can't be read right now (the database does not "
                                                      "answer). Please try again in a minute.")
        # pygal draws 16 SVGs in pure Python (~0.1–0.3 s on 2 loaded cores): off the event loop, so acks
        # to Slack and Teams never wait behind a chart
        body = await asyncio.to_thread(render_report, report, tz)
        response = web.Response(text=body, content_type="text/html", charset="utf-8", headers=_headers())
        response.enable_compression()  # the charts' data URIs are base64 SVG: about 4× smaller gzipped
        return response

    async def bare(_: web.Request) -> web.StreamResponse:
        return forbidden("This address needs the private link steadybot sent you.")

    app.router.add_get("/reports/{token}", report_page)
    app.router.add_get("/reports/", bare)
    app.router.add_get("/reports", bare)

