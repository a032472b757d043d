"""The report page's HTML: jinja2 templates (autoescaped) and pygal charts (bot/web/charts.py).

Imported by the first page request (bot/web/page.py), not when the server starts: jinja2 and pygal are a
noticeable part of a start's imports and most processes serve no page for a long time
(docs/benchmarks.md, "Cold start")."""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from bot.web.charts import charts
from handlers.reports.model import Report, people
from handlers.reports.render import decision_headline, headlines, meeting_headline, timebox_headline

TEMPLATES = Path(__file__).with_name("templates")


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


def headers() -> dict[str, str]:
    return {
        "Content-Security-Policy": assets().csp,
        "Referrer-Policy": "no-referrer",
        "Cache-Control": "no-store",
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
        "X-Robots-Tag": "noindex, nofollow",
        "Cross-Origin-Resource-Policy": "same-origin",
    }


def page(template: str, **context: object) -> str:
    return assets().env.get_template(template).render(css=assets().css, **context)


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
        "timeboxes_line": "Timeboxes: " + timebox_headline(report) + ".",
        "decisions_line": "Decisions: " + decision_headline(report) + ".",
    }
    return page("report.html", **context)
