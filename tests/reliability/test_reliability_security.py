"""Who may talk to the bot, and who may change what: Slack signatures with the 5-minute replay window on every
path, Teams JWTs validated against (fake) Bot Framework keys whenever an app id is set, admin-only actions,
and no secret or anonymous answer in any log line, even at DEBUG."""

from __future__ import annotations

import io
import json
import logging
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.logs import setup_logging
from support import wire
from tests.support.fakes.openid import new_key
from tests.support.harness import BOT_TOKEN, SIGNING_SECRET, Harness, running
from tests.support.pulse_helpers import ANSWER, answer_slack, pulse_now, slack_team
from tests.support.teams_signed import AAD_TOKEN, APP_ID, SignedTeams, teams_with_keys

# ---- Slack: signatures on every path ---------------------------------------------------------------------


def _paths(bot: Harness) -> dict[str, tuple[str, str]]:
    url = bot.slack.response_url("sig")
    return {
        "command": (wire.slash_body("/steadybot", "help", response_url=url), "application/x-www-form-urlencoded"),
        "event": (wire.event_body({"type": "app_mention", "user": "U1", "channel": "C1", "text": "<@UBOT> help",
                                   "ts": "1.1"}), "application/json"),
        "button": (wire.interactive_body(wire.block_action("settings.edit", "", response_url=url)),
                   "application/x-www-form-urlencoded"),
        "modal": (wire.interactive_body(wire.view_submission({"f": "settings.edit", "ch": "C1"}, {"min": "3"})),
                  "application/x-www-form-urlencoded"),
        "options": (wire.interactive_body({"type": "block_suggestion", "action_id": "pick", "block_id": "b",
                                           "value": "a", "team": {"id": "T1"}, "user": {"id": "U1"},
                                           "api_app_id": "A1"}), "application/x-www-form-urlencoded"),
    }


async def test_every_slack_path_checks_the_signature_and_the_replay_window(bot: Harness) -> None:
    for name, (body, content_type) in _paths(bot).items():
        now = int(time.time())  # per path: the loop itself takes time under load
        def send(headers: dict[str, str], data: str = body) -> Any:
            return bot.client.post("/slack/events", data=data.encode(), headers=headers)

        good = wire.slack_headers(SIGNING_SECRET, body, now, content_type)
        refused = {
            "wrong secret": wire.slack_headers("another-secret-0123456789", body, now, content_type),
            "older than 5 minutes": wire.slack_headers(SIGNING_SECRET, body, now - 301, content_type),
            "5 minutes in the future": wire.slack_headers(SIGNING_SECRET, body, now + 310, content_type),
            "no signature": {"Content-Type": content_type, "X-Slack-Request-Timestamp": str(now)},
            "no timestamp": {k: v for k, v in good.items() if k != "X-Slack-Request-Timestamp"},
            "garbage timestamp": {**good, "X-Slack-Request-Timestamp": "soon"},
            "v1 scheme": {**good, "X-Slack-Signature": good["X-Slack-Signature"].replace("v0=", "v1=")},
        }
        for why, headers in refused.items():
            response = await send(headers)
            assert response.status == 401, (name, why, response.status)
        tampered = await send(good, body.replace("U1", "U9").replace("help", "settings"))
        assert tampered.status == 401, (name, "tampered body")
        within = await send(wire.slack_headers(SIGNING_SECRET, body, now - 290, content_type))
        assert within.status in (200, 404), (name, within.status)  # 404: no options menus are registered
    await bot.settle()


async def test_a_replayed_signed_request_inside_the_window_does_nothing_twice(bot: Harness) -> None:
    body = wire.slash_body("/steadybot", "help", response_url=bot.slack.response_url("replay"))
    signed_at = int(time.time())  # the same signed bytes three times (an answer in an ack body counts too)
    for _ in range(3):
        assert (await bot.post_slack(body, timestamp=signed_at)).status == 200
    await bot.slack.wait_for_responses(1)
    await bot.settle()
    assert len(bot.slack.responses) == 1


# ---- Teams: JWT validation against fake Bot Framework keys -------------------------------------------------
@pytest.fixture
async def teams_auth(sqlite_url: str) -> AsyncIterator[SignedTeams]:
    async with teams_with_keys(sqlite_url) as signed:
        yield signed


async def _post(auth: SignedTeams, activity: dict[str, Any], authorization: str | None) -> int:
    return await auth.post(activity, authorization)


async def test_a_properly_signed_activity_is_accepted_and_answered_with_the_bots_own_token(
        teams_auth: SignedTeams) -> None:
    activity = wire.teams_activity("help", service_url=teams_auth.connector.url)
    token = teams_auth.openid.token(APP_ID, teams_auth.connector.url)
    assert await _post(teams_auth, activity, f"Bearer {token}") in (200, 201)
    sent = await teams_auth.connector.wait_for(1)
    assert "steadybot settings" in sent[0].text
    assert sent[0].headers.get("Authorization") == f"Bearer {AAD_TOKEN}"


async def test_unsigned_or_wrongly_signed_activities_get_401(teams_auth: SignedTeams) -> None:
    connector, openid = teams_auth.connector.url, teams_auth.openid
    activity = wire.teams_activity("help", service_url=connector)
    unsigned = json.dumps({"alg": "none", "typ": "JWT"}).encode().hex()
    forged = {
        "no Authorization header": None,
        "empty header": "",
        "not a JWT": "Bearer not.a.jwt",
        "unsigned (alg none)": f"Bearer {unsigned}.e30.",
        "signed with another key": f"Bearer {openid.token(APP_ID, connector, key=new_key())}",
        "unknown key id": f"Bearer {openid.token(APP_ID, connector, kid='kid-unknown')}",
        "expired": f"Bearer {openid.token(APP_ID, connector, expires_in=-600)}",
        "for another app (audience)": f"Bearer {openid.token(APP_ID, connector, audience='some-other-app')}",
        "from another issuer": f"Bearer {openid.token(APP_ID, connector, issuer='https://evil.example')}",
        "for another service url": f"Bearer {openid.token(APP_ID, 'https://evil.example/')}",
        "wrong scheme": f"Basic {openid.token(APP_ID, connector)}",
    }
    for why, header in forged.items():
        assert await _post(teams_auth, activity, header) == 401, why
    assert teams_auth.connector.sent == []
    good = openid.token(APP_ID, connector)
    assert await _post(teams_auth, activity, f"Bearer {good}") in (200, 201)  # and the keys really work


# ---- admin-only actions ---------------------------------------------------------------------------------
async def test_settings_schedules_and_thresholds_are_for_the_creator_owners_and_admins(sqlite_url: str) -> None:
    async with running(sqlite_url, admins=frozenset({"UADMIN", "aad-boss"})) as bot:
        slack_team(bot, {"ULEAD": "UTC", "U2": "UTC"}, creator="ULEAD")
        for text in ("settings min 3", "settings scope off", "settings quiet 21:00-07:00"):
            refused = await bot.slash_reply("/steadybot", text, user="U2")
            assert "Only the channel's creator" in refused["text"], text
        for command, text in (("/pulse", "schedule every friday at 3pm"), ("/pulse", "now"), ("/pulse", "stop")):
            before = len(bot.slack.responses)
            await bot.slash(command, text, user="U2")
            answered = await bot.slack.wait_for_responses(before + 1)
            assert "Only the channel's creator" in answered[before]["text"], text
        assert bot.slack.posted("C1") == []  # nothing was scheduled or sent to the channel
        allowed = await bot.slash_reply("/steadybot", "settings min 3", user="UADMIN")
        assert "Saved" in str(allowed)
        allowed = await bot.slash_reply("/steadybot", "settings min 4", user="ULEAD")
        assert "Saved" in str(allowed)

        bot.connector.add_member("29:owner", "Olga", "aad-owner", role="owner")
        bot.connector.add_member("29:member", "Max", "aad-member")
        for who, aad, allowed_to in (("29:member", "aad-member", False), ("29:owner", "aad-owner", True),
                                     ("29:boss", "aad-boss", True)):
            before = len(bot.connector.sent)
            await bot.teams(bot.activity("steadybot settings min 6", user=who, aad=aad, conversation_type="channel",
                                         mention=True))
            reply = (await bot.connector.wait_for(before + 1))[before].text
            assert ("Only the channel's creator" not in reply) is allowed_to, (who, reply)


async def test_forgetting_someone_else_is_not_possible_from_chat(bot: Harness) -> None:
    """`steadybot forget <user>` is an operator command (shell access); in chat a person forgets only
    themselves."""
    reply = await bot.slash_reply("/pulse", "optout --forget U2", user="U1")
    assert "takes only" in reply["text"]
    reply = await bot.slash_reply("/steadybot", "forget U2", user="U1")
    assert "forget" not in reply["text"].lower() or "don't" in reply["text"].lower() or "know" in reply["text"]


# ---- logs -----------------------------------------------------------------------------------------------
SECRET_COMMENT = "zebra-quartz secret worry about my manager"


async def test_no_secret_and_no_anonymous_answer_in_any_log_line_at_debug(sqlite_url: str) -> None:
    stream = io.StringIO()
    password = "teams-password-0123456789"
    async with running(sqlite_url, teams_app_password=password) as bot:
        setup_logging("DEBUG", bot.settings.secrets(), stream)
        try:
            slack_team(bot, {"U1": "UTC", "U2": "UTC", "U3": "UTC", "U4": "UTC"}, creator="U1")  # 3 besides U1
            await bot.slash_reply("/steadybot", "settings min 3", user="U1")
            await pulse_now(bot)
            for user in ("U1", "U2", "U3"):
                await answer_slack(bot, user, {**ANSWER, "comment": f"{SECRET_COMMENT} {user}"})
            await bot.slash_reply("/pulse", "close", user="U1")
            await bot.slash_reply("/pulse", "results", user="U2")
            await bot.slash_reply("/pulse", "me", user="U2")
            await bot.teams(bot.activity("steadybot help"))
            await bot.teams(bot.activity("pulse me"))
            await bot.connector.wait_for(2)
            logging.getLogger("steadybot.test").debug("bearer check: Authorization: Bearer abcdefghijklmnopqrstuvwxyz")
            await bot.settle()
        finally:
            root = logging.getLogger()
            for handler in [h for h in root.handlers if getattr(h, "_steadybot", False)]:
                root.removeHandler(handler)
            root.setLevel(logging.WARNING)
    output = stream.getvalue()
    assert output.count("\n") > 20, "the flow logged nothing: the test would prove nothing"
    assert "DEBUG" in output
    for secret in (BOT_TOKEN, SIGNING_SECRET, password, "abcdefghijklmnopqrstuvwxyz", "xoxb-"):
        assert secret not in output, f"{secret[:8]}… in the log"
    assert "zebra" not in output and "worry about my manager" not in output, "an anonymous answer in the log"
    for line in output.splitlines():  # and no line prints an answer next to a user id
        assert not ("U2" in line and '"exhaustion"' in line), line
