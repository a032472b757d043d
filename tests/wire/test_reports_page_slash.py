"""The browser: a report link with a trailing slash (`/reports/<token>/`: a chat client, a mail client or a
person completing the address adds one) opens the same page as `/reports/<token>`, with the same headers —
not aiohttp's plain 404 page without a policy."""

from __future__ import annotations

from tests.support.harness import running
from tests.support.pulse_helpers import slack_team
from tests.support.reports_helpers import PEOPLE, seed_history
from tests.wire.test_reports_page import get, path_of, sent_link, validate_html

SECURITY = ("Content-Security-Policy", "Referrer-Policy", "Cache-Control", "X-Content-Type-Options",
            "X-Frame-Options", "X-Robots-Tag", "Cross-Origin-Resource-Policy")


async def test_a_trailing_slash_opens_the_same_page_with_the_same_headers(sqlite_url: str) -> None:
    async with running(sqlite_url, teams=False) as bot:
        slack_team(bot, {u: "UTC" for u in PEOPLE})
        await seed_history(bot, weeks=2)
        path = path_of(await sent_link(bot))
        status, plain_headers, plain = await get(bot, path)
        assert status == 200
        status, headers, body = await get(bot, path + "/")
        assert status == 200 and headers["Content-Type"].startswith("text/html")
        assert "Team health for #team" in body and body.count("<table>") == plain.count("<table>")
        validate_html(body)
        for name in SECURITY:
            assert headers.get(name) == plain_headers[name], name
        # an altered token with a slash: the friendly 403 page and its policy, no data
        status, headers, body = await get(bot, path[:-3] + "AAA/")
        assert status == 403 and "Team health" not in body
        assert headers["Content-Security-Policy"] == plain_headers["Content-Security-Policy"]
        assert headers["Referrer-Policy"] == "no-referrer" and headers["Cache-Control"] == "no-store"
