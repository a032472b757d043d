"""The log reader and the metrics reader (issue: privacy of logs and /metrics): with STEADYBOT_LOG_LEVEL=DEBUG
(bot/logs.py's handler, SDK loggers included) and `GET /metrics`, the whole bot on its real wires (Bolt,
botbuilder, the fakes in tests/support) is driven through OAuth, pulses answered with comments, journals,
report links, forget, retried sends and failures — and the log and the metrics are read for what the privacy
rules keep out of them."""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Iterator
from datetime import timedelta
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from bot.logs import setup_logging
from tests.support.harness import running
from tests.support.logs import restore_logging

CLIENT_ID = "1111.2222"
CLIENT_SECRET = "oauth-client-secret-0123456789"
#: Loggers a library or an operator might turn to DEBUG after start-up (bot/logs.py must hold them anyway).
FORCED = ("slack_sdk", "slack_bolt", "botbuilder", "msrest", "aiohttp.access", "sqlalchemy.engine", "asyncpg",
          "urllib3", "steadybot.slack.web", "steadybot.slack.bolt", "aiosqlite")


@pytest.fixture
def debug_log() -> Iterator[io.StringIO]:
    """What `steadybot serve` with STEADYBOT_LOG_LEVEL=DEBUG writes (text format), captured."""
    stream = io.StringIO()
    levels = {name: logging.getLogger(name).level for name in (*FORCED, "", "aiohttp", "sqlalchemy", "msal",
                                                               "asyncio", "alembic.runtime")}
    yield stream
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)
    for name, logger in list(logging.root.manager.loggerDict.items()):
        # loggers created meanwhile under a forced one (Bolt copies its level to `….bolt.app`) start over
        if isinstance(logger, logging.Logger) and name not in levels and name.startswith(FORCED):
            logger.setLevel(logging.NOTSET)
    restore_logging()


def start_logging(stream: io.StringIO, settings: object, fmt: str = "text") -> None:
    setup_logging("DEBUG", settings.secrets(), stream=stream, fmt=fmt)  # type: ignore[attr-defined]


async def test_a_refused_oauth_code_and_its_state_stay_out_of_the_log(sqlite_url: str,
                                                                      debug_log: io.StringIO) -> None:
    """Slack refuses the code of an install (expired, used, a misconfigured app): Bolt's OAuth flow logs the
    failure at WARNING with the code in it. The code and the state are credentials of the install."""
    async with running(sqlite_url, teams=False, slack_bot_token="", slack_client_id=CLIENT_ID,
                       slack_client_secret=CLIENT_SECRET) as bot:
        bot.slack.client_id, bot.slack.client_secret = CLIENT_ID, CLIENT_SECRET
        start_logging(debug_log, bot.settings)
        started = await bot.client.get("/slack/install", allow_redirects=False)
        assert started.status == 302
        state = parse_qs(urlsplit(started.headers["Location"]).query)["state"][0]
        cookie = re.search(r"(slack-app-oauth-state=[^;]+)", started.headers["Set-Cookie"])
        assert cookie is not None
        code = "4242424242.5151515151.9c1f0e2d3b4a59687766554433221100ffeeddccbbaa"  # Slack never issued it
        done = await bot.client.get(f"/slack/oauth_redirect?{urlencode({'code': code, 'state': state})}",
                                    headers={"Cookie": cookie.group(1)})
        assert done.status >= 400
        assert bot.slack.calls_to("oauth.v2.access")
    log = debug_log.getvalue()
    assert "oauth.v2.access" in log  # the failure is logged ...
    assert code not in log and "9c1f0e2d3b4a5968" not in log  # ... without the code
    assert state not in log


async def test_a_report_link_that_fails_to_render_keeps_its_token_out_of_the_log(sqlite_url: str,
                                                                               debug_log: io.StringIO) -> None:
    """A report page that fails (a damaged or half-migrated database) is logged with its path: the path is
    the report link itself, good for 15 minutes to anyone who reads the log."""
    import json
    import sqlite3

    from tests.support.pulse_helpers import slack_team
    from tests.support.reports_helpers import seed_history

    async with running(sqlite_url, teams=False) as bot:
        start_logging(debug_log, bot.settings)
        slack_team(bot, {f"U{i}": "UTC" for i in range(1, 8)})
        await seed_history(bot, weeks=3, heavy_weeks=(), below_k_week=None)
        await bot.slash_reply("/steadybot", "report", user="U1")
        await bot.settle()
        said = json.dumps([bot.slack.responses, [c.params for c in bot.slack.calls]])
        found = re.search(r"/reports/([A-Za-z0-9._~-]+)", said)
        assert found is not None, said
        token = found.group(1)
        assert (await bot.client.get(f"/reports/{token}")).status == 200
        conn = sqlite3.connect(sqlite_url.removeprefix("sqlite:///"))
        try:
            conn.execute("UPDATE pulse_round_totals SET answers = 'damaged'")  # SQLite keeps any type
            conn.commit()
        finally:
            conn.close()
        failed = await bot.client.get(f"/reports/{token}")
        assert failed.status == 500
    log = debug_log.getvalue()
    assert "unhandled error on GET /reports/" in log  # the failure is logged ...
    assert token not in log and token[:24] not in log  # ... without the link's token


MARK = "qz9okapi"  # in every comment: found in the log only if a comment reached it
SLACK_PEOPLE = ["UANNA00001", "UBORIS0002", "UCLARA0003", "UDAVID0004", "UEMMA00005", "UFELIX0006"]
TEAMS = {"29:lead": ("Lea", "aad-lead"), "29:u1": ("Ana", "aad-1"), "29:u2": ("Ben", "aad-2"),
         "29:u3": ("Cai", "aad-3")}  # tests/wire/test_pulse_teams.py's TEAM


@pytest.mark.parametrize("fmt", ["text", "json"])
async def test_pulse_answers_journals_retries_and_forget_at_debug_leave_no_answer_in_log_or_metrics(
        sqlite_url: str, debug_log: io.StringIO, fmt: str) -> None:
    """Both platforms through Bolt and botbuilder at DEBUG, SDK loggers forced to DEBUG after start (as a
    library might), the first DMs answered 429 and 500: no comment, no score, no journal text in the log; no
    user id in /metrics."""
    from handlers.pulse.forgetting import forget_everywhere
    from tests.support.pulse_helpers import ANSWER, answer_slack, pulse_now, slack_team, text_of
    from tests.wire.test_pulse_teams import answer as answer_teams
    from tests.wire.test_pulse_teams import channel as teams_channel

    async with running(sqlite_url, admins=frozenset({SLACK_PEOPLE[0]})) as bot:
        start_logging(debug_log, bot.settings, fmt)
        for sdk in FORCED:
            logging.getLogger(sdk).setLevel(logging.DEBUG)
        slack_team(bot, dict.fromkeys(SLACK_PEOPLE, "UTC"), creator=SLACK_PEOPLE[0])
        for user, (name, aad) in TEAMS.items():
            bot.connector.add_member(user, name, aad, role="owner" if user == "29:lead" else "user")
        faults = {"429": 2, "500": 2}

        def flaky(method: str, params: dict[str, object]) -> tuple[int, dict[str, object], dict[str, str]] | None:
            if method != "chat.postMessage" or str(params.get("channel", "")).startswith("C"):
                return None
            for status in ("429", "500"):
                if faults[status]:
                    faults[status] -= 1
                    return (int(status), {"ok": False, "error": "ratelimited" if status == "429" else "fatal_error"},
                            {"Retry-After": "1"} if status == "429" else {})
            return None

        bot.slack.faults.append(flaky)
        assert "3" in text_of(await bot.slash_reply("/steadybot", "settings min 3", user=SLACK_PEOPLE[0]))
        await bot.slash_reply("/pulse", "me on", user=SLACK_PEOPLE[2])
        await bot.teams(bot.activity("pulse me on", user="29:u1", name="Ana", aad="aad-1"))
        await teams_channel(bot, "steadybot settings min 3")
        await pulse_now(bot, user=SLACK_PEOPLE[0])
        await teams_channel(bot, "pulse now")
        for _ in range(4):  # the 429 and the 500 waited out
            await bot.advance(timedelta(seconds=30), step=timedelta(seconds=10))
            await bot.settle()
        assert faults == {"429": 0, "500": 0}
        for user in SLACK_PEOPLE:
            thanks = await answer_slack(bot, user, {**ANSWER, "comment": f"{MARK}-{user.lower()} my manager"})
            assert "Thanks — answered" in thanks
        for user in ("29:u1", "29:u2", "29:u3"):
            await answer_teams(bot, user, comment=f"{MARK}-{user[3:]} too many meetings")
        await bot.slash_reply("/pulse", "me", user=SLACK_PEOPLE[2])
        await bot.teams(bot.activity("pulse me", user="29:u1", name="Ana", aad="aad-1"))
        await bot.slash_reply("/pulse", "close", user=SLACK_PEOPLE[0])
        await teams_channel(bot, "pulse close")
        await bot.settle()
        results = text_of(await bot.slash_reply("/pulse", "results", user=SLACK_PEOPLE[1]))
        assert MARK in results  # the comments are there, in the aggregate: the log must not have them
        await forget_everywhere(bot.runtime.store, bot.runtime.directories, SLACK_PEOPLE[2], None)
        await bot.settle()
        scraped = await bot.client.get("/metrics")
        assert scraped.status == 200
        metrics = await scraped.text()
    log = debug_log.getvalue()
    assert "DEBUG" in log and "sealed" in log
    assert MARK not in log and "my manager" not in log and "too many meetings" not in log
    for line in log.splitlines():
        # column names in statements are no answer (parameters are hidden); a value next to a dimension is
        assert not re.search(r"""(exhaustion|cynicism|efficacy|workload|burnout)['"]?\s*[:=]\s*['"]?\d""", line), \
            f"an answer in the log: {line}"
        assert not re.search(r"Row \(|\[parameters:", line), f"a statement's values: {line}"
    assert "steadybot_outbox_sends" in metrics and "steadybot_platform_429" in metrics
    for person in [*SLACK_PEOPLE, *TEAMS, "aad-", "C1", MARK]:
        assert person not in metrics, f"{person} in /metrics"
