"""Attacks on the report page in a real headless Chromium (the setup of tests/wire/test_reports_browser.py):
hostile text from everywhere the page takes text from — the channel's name (the link the bot minted), the
question file's dimension names, the latest round's comments — must not run, must not add elements, must not
break the CSP-protected rendering, must not push the page wider than a phone, and must not leak the link's
token. Broken links get the friendly 4xx page."""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import hashlib
import time
from datetime import timedelta
from typing import Any
from urllib.parse import quote, urlsplit

import pytest

import handlers.reports.build as build
from handlers.pulse.questions import load_questions
from tests.support.harness import Harness, running
from tests.support.pulse_helpers import slack_team
from tests.support.reports_helpers import PEOPLE, seed_history
from tests.wire.test_reports_browser import _browser
from tests.wire.test_reports_page import path_of

# every payload, if it ever ran, marks the window; none of them may appear as an element either
MARK = "window.__pwned=1;document.title='PWNED'"
CHANNEL = "<img src=x onerror=window.__pwned=1></style><svg onload=window.__pwned=2>"  # 80 characters at most
DIMENSION_NAMES = {  # a question file's names (30 characters at most)
    "exhaustion": "<svg onload=window.__pwned=3>",
    "cynicism": "\"><img src=x onerror=alert(1)>",
    "efficacy": "</style><script>alert(1)//",
    "workload": "</text><script>alert(1)</script",
    "burnout": "<![CDATA[x]]><a href=javascript:",
}
COMMENTS = [
    f"<script>{MARK}</script>",
    f"\"><img src=x onerror=\"{MARK}\">",
    "<a href=\"javascript:window.__pwned=1\">click me</a> javascript:window.__pwned=1",
    f"</style></blockquote><svg onload=\"{MARK}\"><script>{MARK}</script></svg>",
    f"<math><mtext><table><mglyph><style><img src=x onerror=\"{MARK}\">",
    "https://jira.example.com/secure/RapidBoard.jspa?rapidView=1234&projectKey=PLATFORM&selectedIssue=PLATFORM-98765",
    "Soooooooooooooooooooooooooooooooooooooooooooooooooooooooooo tired of this release train",
]
PHONE = {"width": 375, "height": 800, "deviceScaleFactor": 2, "mobile": True}

FACTS = """
    const imgs = [...document.querySelectorAll('img')];
    const svgOk = [...document.querySelectorAll('figure.chart img, figure.chart source')].map(el => {
      const uri = el.getAttribute('src') || el.getAttribute('srcset');
      const xml = atob(uri.split(',', 2)[1]);
      const doc = new DOMParser().parseFromString(xml, 'image/svg+xml');
      const all = [...doc.querySelectorAll('*')];
      return {
        parsed: !doc.querySelector('parsererror') && doc.documentElement.localName === 'svg',
        script: all.filter(e => e.localName === 'script' || e.localName === 'foreignObject').length,
        handlers: all.filter(e => [...e.attributes].some(a => a.name.toLowerCase().startsWith('on'))).length,
        links: all.filter(e => [...e.attributes].some(a => /href$/i.test(a.name))).length,
      };
    });
    return {
      pwned: window.__pwned === undefined ? null : String(window.__pwned),
      title: document.title,
      lang: document.documentElement.lang,
      heading: document.querySelector('h1') && document.querySelector('h1').textContent,
      comments: [...document.querySelectorAll('blockquote')].map(b => b.textContent),
      captions: [...document.querySelectorAll('figcaption')].map(f => f.textContent),
      scripts: document.querySelectorAll('script').length,
      styles: document.querySelectorAll('style').length,
      svgs: document.querySelectorAll('svg, math').length,
      links: [...document.querySelectorAll('[href], [action], [formaction]')].map(e => e.outerHTML),
      foreignImgs: imgs.filter(i => !(i.getAttribute('src') || '').startsWith('data:image/svg+xml;base64,')).length,
      handlers: [...document.querySelectorAll('*')].filter(e => [...e.attributes].some(
        a => a.name.toLowerCase().startsWith('on'))).length,
      charts: document.querySelectorAll('figure.chart img').length,
      rendered: imgs.filter(i => i.complete && i.naturalWidth > 0).length,
      svgOk,
      resources: performance.getEntriesByType('resource').map(e => e.name),
      width: document.documentElement.scrollWidth,
      inner: window.innerWidth,
      html: document.documentElement.outerHTML,
    };"""


def open_page(url: str, phone: bool = False, dark: bool = False) -> dict[str, Any]:
    driver = _browser()
    try:
        if phone:
            driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", PHONE)
        if dark:
            driver.execute_cdp_cmd("Emulation.setEmulatedMedia",
                                   {"features": [{"name": "prefers-color-scheme", "value": "dark"}]})
        driver.get(url)
        logs = driver.get_log("browser")  # before FACTS: its DOMParser documents inherit the page's CSP
        facts = dict(driver.execute_script(FACTS))
        facts["logs"] = logs
        return facts
    finally:
        driver.quit()


def custom_questions() -> Any:
    qs = load_questions()
    scales = tuple(dataclasses.replace(s, name=DIMENSION_NAMES[s.id]) for s in qs.scales)
    return dataclasses.replace(qs, scales=scales)


async def link_for(bot: Harness, channel_name: str) -> str:
    before = len(bot.slack.responses)
    response = await bot.slash("/steadybot", "report", user="U2", channel="C1", channel_name=channel_name)
    assert response.status == 200
    replies = await bot.slack.wait_for_responses(before + 2)
    link = replies[before + 1]
    url = next(e["url"] for b in link["blocks"] if b["type"] == "actions" for e in b["elements"] if "url" in e)
    return str(bot.client.make_url("/")).rstrip("/") + path_of(str(url))


async def hostile_page(bot: Harness, monkeypatch: pytest.MonkeyPatch) -> str:
    from bot.demo import history
    from tests.support.reports_helpers import CHANNEL as PLACE

    monkeypatch.setattr(build, "questions", custom_questions)
    slack_team(bot, {u: "UTC" for u in PEOPLE})
    await history.write_history(bot.runtime.store, bot.clock, PLACE, PEOPLE, weeks=5, below_k_week=None,
                                comments=COMMENTS)
    return await link_for(bot, CHANNEL)


def assert_inert(facts: dict[str, Any]) -> None:
    assert facts["pwned"] is None and facts["title"] != "PWNED"
    assert facts["scripts"] == 0 and facts["styles"] == 1 and facts["svgs"] == 0
    assert facts["handlers"] == 0 and facts["foreignImgs"] == 0 and facts["links"] == []
    assert facts["charts"] == 8 and facts["rendered"] == 8
    assert len(facts["svgOk"]) == 16 and all(s == {"parsed": True, "script": 0, "handlers": 0, "links": 0}
                                              for s in facts["svgOk"])
    assert [r for r in facts["resources"] if not r.startswith("data:")] == []
    assert [e for e in facts["logs"] if e["level"] in ("SEVERE", "WARNING")] == []


async def test_hostile_channel_name_dimension_names_and_comments_stay_text(
        sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    async with running(sqlite_url) as bot:
        url = await hostile_page(bot, monkeypatch)
        facts = await asyncio.to_thread(open_page, url)
        assert_inert(facts)
        assert facts["heading"] == f"Team health for #{CHANNEL}"
        assert facts["title"] == f"Team health for #{CHANNEL} · steadybot" and facts["lang"] == "en"
        assert facts["comments"] and all(c in COMMENTS for c in facts["comments"])
        assert any(DIMENSION_NAMES["exhaustion"] in c for c in facts["captions"])
        dark = await asyncio.to_thread(open_page, url, False, True)
        assert_inert(dark)


async def test_every_hostile_comment_stays_text(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each comment payload is the latest round's comment once (a round shows at most two comments here)."""
    from bot.demo import history
    from tests.support.reports_helpers import CHANNEL as PLACE

    async with running(sqlite_url) as bot:
        slack_team(bot, {u: "UTC" for u in PEOPLE})
        for i in range(0, len(COMMENTS), 2):
            await history.pulse_round(bot.runtime.store, bot.clock, PLACE, f"attack-{i}", PEOPLE,
                                      history.scores(3, 3, 2, 6), COMMENTS[i:i + 2])
            bot.clock.advance(timedelta(days=1))
            facts = await asyncio.to_thread(open_page, await link_for(bot, "team"))
            assert facts["pwned"] is None and facts["scripts"] == 0 and facts["svgs"] == 0
            assert facts["handlers"] == 0 and facts["foreignImgs"] == 0 and facts["links"] == []
            assert sorted(facts["comments"]) == sorted(COMMENTS[i:i + 2])
            assert [e for e in facts["logs"] if e["level"] in ("SEVERE", "WARNING")] == []


async def test_the_csp_blocks_inline_script_and_the_page_needs_none(sqlite_url: str) -> None:
    """The header really is enforced by Chromium: script injected as markup would be refused; the charts
    still render under it (an <img> of a data: SVG), with no violation reported."""
    async with running(sqlite_url) as bot:
        slack_team(bot, {u: "UTC" for u in PEOPLE})
        await seed_history(bot, weeks=4)
        url = await link_for(bot, "team")

        def probe() -> dict[str, Any]:
            driver = _browser()
            try:
                driver.get(url)
                before = driver.get_log("browser")
                result = driver.execute_script("""
                    const s = document.createElement('script'); s.textContent = 'window.__inline = 1';
                    document.body.appendChild(s);
                    const st = document.createElement('style'); st.textContent = 'body{background:red}';
                    document.head.appendChild(st);
                    const i = document.createElement('img'); i.src = 'http://127.0.0.1:9/x.png';
                    document.body.appendChild(i);
                    return {inline: window.__inline === undefined ? null : window.__inline,
                            bg: getComputedStyle(document.body).backgroundColor,
                            rendered: [...document.querySelectorAll('figure.chart img')].filter(
                              i => i.complete && i.naturalWidth > 0).length};""")
                time.sleep(0.3)
                return {"before": before, "after": driver.get_log("browser"), **result}
            finally:
                driver.quit()

        facts = await asyncio.to_thread(probe)
        assert facts["before"] == []  # the page as served: no violation, no error
        assert facts["inline"] is None and facts["bg"] != "rgb(255, 0, 0)" and facts["rendered"] == 8
        blocked = " ".join(e["message"] for e in facts["after"])
        assert "Content Security Policy" in blocked


async def test_the_token_stays_out_of_the_page_and_every_request(sqlite_url: str) -> None:
    async with running(sqlite_url) as bot:
        slack_team(bot, {u: "UTC" for u in PEOPLE})
        await seed_history(bot, weeks=4)
        url = await link_for(bot, "team")
        token = url.rsplit("/", 1)[1]
        facts = await asyncio.to_thread(open_page, url)
        assert token not in facts["html"] and token[:16] not in facts["html"]
        assert token.split(".")[2] not in facts["html"]
        assert facts["links"] == [] and [r for r in facts["resources"] if not r.startswith("data:")] == []
        response = await bot.client.get(urlsplit(url).path)
        assert response.headers["Referrer-Policy"] == "no-referrer"
        assert 'name="referrer" content="no-referrer"' in await response.text()


def _tampered(token: str) -> list[str]:
    body, expires, mac = token.split(".")
    other = base64.urlsafe_b64encode(b'{"p":"slack","c":"C2","t":"T1","n":"other","z":"UTC"}').decode().rstrip("=")
    fake_mac = base64.urlsafe_b64encode(hashlib.sha256(b"x").digest()).decode().rstrip("=")
    return [
        f"{other}.{expires}.{mac}",  # another channel under this link's signature
        f"{body}.{int(expires) + 3600}.{mac}",  # a longer life
        f"{body}.0.{mac}",  # no expiry
        f"{body}.{expires}.{fake_mac}",
        f"{body}.{expires}",
        quote("é.1.ü", safe=""),
        quote("\u00b2.\u00b2.\u00b2", safe=""),
        "%ED%A0%80.1.AAAA",  # a lone surrogate, percent-encoded
        "%00.%00.%00",
        quote("<script>alert(1)</script>", safe=""),
        "A" * 5000,
        f"{body}.{expires}.{mac}{'A' * 3000}",
    ]


async def test_broken_links_get_the_friendly_page_never_a_trace(sqlite_url: str) -> None:
    async with running(sqlite_url) as bot:
        slack_team(bot, {u: "UTC" for u in PEOPLE})
        await seed_history(bot, weeks=4)
        url = await link_for(bot, "team")
        origin, token = url.rsplit("/reports/", 1)
        for bad in _tampered(token):
            response = await bot.client.get("/reports/" + bad)
            text = await response.text()
            assert response.status == 403, (bad, response.status, text[:300])
            assert "This link doesn’t open a report" in text and "Traceback" not in text, bad
            assert "Content-Security-Policy" in response.headers
            assert "<script>alert" not in text
        bot.clock.advance(timedelta(minutes=16))
        expired = await asyncio.to_thread(open_page, url)
        assert expired["heading"] == "This link doesn’t open a report" and expired["lang"] == "en"
        assert expired["title"] and expired["width"] <= expired["inner"]
        assert [e for e in expired["logs"] if "403" not in e["message"]] == []
        phone = await asyncio.to_thread(open_page, f"{origin}/reports/{_tampered(token)[0]}", True)
        assert phone["heading"] == "This link doesn’t open a report" and phone["width"] <= phone["inner"] == 375


async def test_long_unbroken_text_does_not_widen_the_page_on_a_phone(
        sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A channel name of 80 characters without a space (Slack allows that, with underscores), a dimension
    name of 30, a pasted URL as a comment: the page still fits a 375 px phone."""
    from bot.demo import history
    from tests.support.reports_helpers import CHANNEL as PLACE

    long_names = {s: f"{s}_" + "x" * (29 - len(s)) for s in DIMENSION_NAMES}

    def questions() -> Any:
        qs = load_questions()
        return dataclasses.replace(qs, scales=tuple(dataclasses.replace(s, name=long_names[s.id])
                                                    for s in qs.scales))

    monkeypatch.setattr(build, "questions", questions)
    async with running(sqlite_url) as bot:
        slack_team(bot, {u: "UTC" for u in PEOPLE})
        await history.write_history(bot.runtime.store, bot.clock, PLACE, PEOPLE, weeks=4, below_k_week=None,
                                    comments=COMMENTS[5:])
        facts = await asyncio.to_thread(open_page, await link_for(bot, "release_train_" + "platform_" * 7), True)
        assert facts["charts"] == 8 and facts["rendered"] == 8
        assert facts["inner"] == 375 and facts["width"] <= facts["inner"], facts["width"]
