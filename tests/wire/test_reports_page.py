"""The report page `GET /reports/<token>`: reached from the link the bot sent through the Slack wire; strict
CSP, valid HTML (html5lib's strict parser), privacy rules; expired, altered and foreign links get the 403 page."""

from __future__ import annotations

import base64
import re
from datetime import timedelta
from typing import Any

import html5lib
import pytest

from bot.secret import Secret
from handlers.core.types import Platform
from handlers.reports.links import LINK_PURPOSE, SIGNER, LinkTarget
from tests.support.harness import Harness, running
from tests.support.pulse_helpers import slack_team
from tests.support.reports_helpers import CHANNEL, PEOPLE, pulse_round, scores, seed_history


async def sent_link(bot: Harness, user: str = "U2", channel: str = "C1") -> str:
    """Runs `/steadybot report` through the Slack wire and returns the URL of the private link it sent."""
    before = len(bot.slack.responses)
    response = await bot.slash("/steadybot", "report", user=user, channel=channel)
    assert response.status == 200
    replies = await bot.slack.wait_for_responses(before + 2)
    link = replies[before + 1]
    assert link["response_type"] == "ephemeral"
    return str(next(e["url"] for b in link["blocks"] if b["type"] == "actions" for e in b["elements"] if "url" in e))


def path_of(url: str) -> str:
    return "/reports/" + url.split("/reports/", 1)[1]


def validate_html(body: str) -> None:
    """html5lib's strict parser raises on any parse error of the WHATWG HTML algorithm."""
    html5lib.HTMLParser(strict=True, namespaceHTMLElements=False).parse(body)


def svgs(body: str) -> list[str]:
    return [base64.b64decode(b).decode("utf-8") for b in re.findall(r"data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)",
                                                                     body)]


async def get(bot: Harness, path: str) -> tuple[int, dict[str, Any], str]:
    response = await bot.client.get(path)
    return response.status, dict(response.headers), await response.text()


async def test_the_sent_link_opens_the_page_with_charts_tables_and_a_strict_policy(db_url: str) -> None:
    async with running(db_url) as bot:
        slack_team(bot, {u: "UTC" for u in PEOPLE})
        await seed_history(bot)
        url = await sent_link(bot)
        assert url.startswith(bot.runtime.settings.base_url + "/reports/")
        status, headers, body = await get(bot, path_of(url))
        assert status == 200 and headers["Content-Type"].startswith("text/html")
        csp = headers["Content-Security-Policy"]
        assert csp.startswith("default-src 'none'; img-src data:; style-src 'sha256-")
        assert "script-src" not in csp and "unsafe" not in csp and "frame-ancestors 'none'" in csp
        assert headers["Referrer-Policy"] == "no-referrer" and headers["Cache-Control"] == "no-store"
        validate_html(body)
        assert "<script" not in body and "http://" not in body.split("<main>")[1] and "https://" not in body
        charts = svgs(body)
        assert len(charts) == 2 * 8  # 5 dimensions, response rate, meetings, decisions: light and dark each
        assert all(c.lstrip().startswith("<?xml") and "<svg" in c and "<script" not in c for c in charts)
        assert body.count("<table>") == 8 and body.count("<caption>") == 8
        assert "Team health for #team" in body and "What goes together" in body
        assert "fewer than 4 of 6" in body  # two people at burnout level 3 or higher never show as "2" (nor 3)
        assert "comment 7-0" in body and "comment 7-1" in body  # the latest shown round's comments


async def test_privacy_on_the_page_no_round_below_its_threshold_no_small_counts_no_hidden_comments(
        db_url: str) -> None:
    async with running(db_url) as bot:
        slack_team(bot, {u: "UTC" for u in PEOPLE})
        await seed_history(bot, weeks=5, below_k_week=None)
        # the newest round: 4 of 7 answered (below k = 5), with distinctive scores and a comment
        await pulse_round(bot, CHANNEL, "hidden", scores(1, 5, 5, 4), ["SECRET-HIDDEN-COMMENT"])
        bot.clock.advance(timedelta(days=1))
        status, _, page = await get(bot, path_of(await sent_link(bot)))
        assert status == 200
        body = page.split("<main>", 1)[1]
        assert "SECRET-HIDDEN-COMMENT" not in body
        assert "4 of 7" not in body and "1.0" not in body  # the hidden round: no answer count, no mean
        chart_text = "\n".join(svgs(body))
        assert ">1.0<" not in chart_text
        for match in re.finditer(r"(\d+) of (\d+)", body):
            assert int(match.group(1)) not in (1, 2), match.group(0)  # no figure of one or two people
        # the latest *shown* round's comments are there; rounds in between have none shown
        assert "comment 4-0" in body and "comment 3-0" not in body


async def test_expired_altered_and_foreign_links_get_the_403_page_and_no_data(db_url: str) -> None:
    async with running(db_url) as bot:
        slack_team(bot, {u: "UTC" for u in PEOPLE})
        await seed_history(bot, weeks=2)
        url = await sent_link(bot)
        token = path_of(url).removeprefix("/reports/")
        body_part, expires, mac = token.split(".")
        forged_target = LinkTarget(Platform.SLACK, "C-OTHER", "T1", "other", "UTC").dumps()
        other_secret = Secret(b"another-server-secret-0123456789abcdef").signer(SIGNER)
        ours = bot.runtime.secret.signer(SIGNER)
        cases = {
            "altered mac": f"{body_part}.{expires}.{mac[:-2]}AA",
            "altered channel": f"{base64.urlsafe_b64encode(forged_target.encode()).decode().rstrip('=')}.{expires}.{mac}",
            "longer expiry": f"{body_part}.{int(expires) + 3600}.{mac}",
            "another server": other_secret.sign(forged_target, purpose=LINK_PURPOSE, expires_at=int(expires)),
            "another purpose": ours.sign(forged_target, purpose="actions", expires_at=int(expires)),
            "garbage": "not-a-token",
            "huge": "a." * 3000,
        }
        for name, bad in cases.items():
            status, headers, body = await get(bot, f"/reports/{bad}")
            assert status == 403, name
            assert "This link doesn’t open a report" in body and "Team health" not in body, name
            assert headers["Content-Security-Policy"].startswith("default-src 'none'"), name
            validate_html(body)
        assert (await get(bot, "/reports/"))[0] == 403
        status, _, _ = await get(bot, f"/reports/{token}")
        assert status == 200
        bot.clock.advance(timedelta(minutes=15, seconds=1))
        status, _, body = await get(bot, f"/reports/{token}")
        assert status == 403 and "expired" in body and "Team health" not in body


@pytest.mark.parametrize("text", ["report", "reports"])
async def test_both_spellings_answer(bot: Harness, text: str) -> None:
    slack_team(bot, {"U1": "UTC"})
    url = await sent_link(bot, user="U1")
    assert "/reports/" in url and text


async def test_the_page_counts_time_boxed_calls_and_names_nobody(db_url: str) -> None:
    """Plain /timebox timers sent over the Slack wire: one stopped early, one extended and left to run out, one
    still running (not counted); the page shows the figures and neither who started them nor their topics."""
    async with running(db_url) as bot:
        slack_team(bot, {u: "UTC" for u in PEOPLE})
        bot.slack.add_user("UZED", "Zed Starter", tz="UTC")

        async def timebox(text: str) -> None:
            assert (await bot.slash("/timebox", text, user="UZED")).status == 200
            await bot.idle()

        await timebox("10m SECRET-TOPIC")
        await bot.advance(timedelta(minutes=3))
        await timebox("stop")
        await timebox("10m")
        await bot.advance(timedelta(minutes=2))
        await timebox("extend 5m")
        await bot.advance(timedelta(minutes=14), step=timedelta(seconds=30))
        await timebox("25m still running")
        status, _, page = await get(bot, path_of(await sent_link(bot)))
        assert status == 200
        validate_html(page)
        body = page.split("<main>", 1)[1]
        assert ("Timeboxes: 2 time-boxed calls · planned 20 min, used 18 min · time given back 7 min (1 stopped "
                "early) · overruns 5 min (1 ran over).") in body
        assert "Timeboxes</span> <strong>2 time-boxed calls" in body  # at a glance, too
        for secret in ("Zed", "UZED", "SECRET-TOPIC", "still running"):
            assert secret not in body
