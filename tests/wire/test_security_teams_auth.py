"""Issue 13, items 9 and 10: who gets past /api/messages, and what a stranger costs.

Emulator tokens only in explicit development mode; keys endorsed only for other channels never pass for
Teams (whatever channel the activity claims); a request without a valid token costs no body read and no
JSON parsing; a stalled key server stalls neither /healthz nor Slack. Tokens are minted by the fake Bot
Framework token service (tests/support/fakes/openid.py) and checked by the real server code."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import aiohttp
import pytest

from bot import limits
from bot.config import Settings
from support import wire
from tests.support.fakes.openid import FakeOpenId, StalledServer, new_key
from tests.support.harness import Harness
from tests.support.teams_signed import APP_ID, post_activity, signed_teams


async def _post(bot: Harness, activity: dict[str, Any] | str, authorization: str | None) -> aiohttp.ClientResponse:
    response = await post_activity(bot, activity, authorization)
    await bot.teams_settled()
    return response


@pytest.fixture
def openid() -> Any:
    fake = FakeOpenId().start()
    yield fake
    fake.close()


async def test_emulator_tokens_are_refused_outside_development_mode(sqlite_url: str, openid: FakeOpenId) -> None:
    async with signed_teams(sqlite_url, openid, emulator_url=openid.metadata_url) as bot:
        for channel in ("msteams", "emulator"):
            activity = {**bot.activity("help"), "channelId": channel}
            token = openid.emulator_token(APP_ID, bot.connector.url)
            response = await _post(bot, activity, f"Bearer {token}")
            assert response.status == 401, channel
        assert bot.connector.sent == []
        good = openid.token(APP_ID, bot.connector.url)  # the channel's own token still works
        assert (await _post(bot, bot.activity("help"), f"Bearer {good}")).status in (200, 201)
        assert len(bot.connector.sent) == 1


async def test_emulator_tokens_work_in_explicit_development_mode(sqlite_url: str, openid: FakeOpenId) -> None:
    async with signed_teams(sqlite_url, openid, dev=True,
                         emulator_url=openid.metadata_url) as bot:
        token = openid.emulator_token(APP_ID, bot.connector.url)
        assert (await _post(bot, bot.activity("help"), f"Bearer {token}")).status in (200, 201)
        assert len(bot.connector.sent) == 1 and "steadybot settings" in bot.connector.sent[0].text


async def test_keys_endorsed_for_other_channels_never_pass_for_teams(sqlite_url: str, openid: FakeOpenId) -> None:
    webchat_key, webchat_kid = openid.add_key(["webchat", "directline"])
    async with signed_teams(sqlite_url, openid) as bot:
        other_channel = openid.token(APP_ID, bot.connector.url, key=webchat_key, kid=webchat_kid)
        for channel in ("msteams", "webchat"):  # botbuilder itself accepts the second: it trusts the activity
            activity = {**bot.activity("help"), "channelId": channel}
            assert (await _post(bot, activity, f"Bearer {other_channel}")).status == 401, channel
        teams_key = openid.token(APP_ID, bot.connector.url)
        activity = {**bot.activity("help"), "channelId": "webchat"}  # a Teams key, but not a Teams activity
        assert (await _post(bot, activity, f"Bearer {teams_key}")).status == 401
        assert bot.connector.sent == []


async def test_unauthenticated_requests_cost_no_body_read_and_no_json_parsing(
        sqlite_url: str, openid: FakeOpenId, monkeypatch: pytest.MonkeyPatch) -> None:
    counts = {"read": 0, "parsed": 0}

    def counting(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            counts[name] += 1
            return fn(*args, **kwargs)
        return wrapper

    monkeypatch.setattr(limits, "read_body", counting("read", limits.read_body))
    monkeypatch.setattr(limits, "parse_json", counting("parsed", limits.parse_json))
    async with signed_teams(sqlite_url, openid) as bot:
        url = bot.connector.url
        activity = bot.activity("help " + "x" * 200_000)
        strangers = {
            "no header": None, "empty": "", "Basic": "Basic dXNlcjpwYXNz", "not a JWT": "Bearer not-a-jwt",
            "long header": "Bearer " + "a." * 3000 + "b",
            "another key": f"Bearer {openid.token(APP_ID, url, key=new_key())}",
            "expired": f"Bearer {openid.token(APP_ID, url, expires_in=-900)}",
            "another app": f"Bearer {openid.token(APP_ID, url, audience='someone-else')}",
            "emulator": f"Bearer {openid.emulator_token(APP_ID, url)}",
            "alg none": "Bearer eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJpc3MiOiJ4In0.",
        }
        for why, header in strangers.items():
            assert (await _post(bot, activity, header)).status == 401, why
        huge = await _post(bot, activity, "Bearer " + "a" * 9000)  # over aiohttp's header line limit
        assert huge.status == 400 and huge.headers["Server"] == "steadybot"
        assert counts == {"read": 0, "parsed": 0}, "a stranger's body was read or parsed"
        assert (await _post(bot, bot.activity("help"), f"Bearer {openid.token(APP_ID, url)}")).status in (200, 201)
        assert counts == {"read": 1, "parsed": 1}
        assert openid.fetches == 2  # metadata + keys, once: cached for the next requests
        for _ in range(3):
            await _post(bot, bot.activity("help"), f"Bearer {openid.token(APP_ID, url)}")
        assert openid.fetches == 2


async def test_a_stalled_key_server_stalls_neither_healthz_nor_slack(sqlite_url: str, openid: FakeOpenId) -> None:
    stalled = StalledServer()
    try:
        async with signed_teams(sqlite_url, openid, metadata_url=stalled.url) as bot:
            assert bot.runtime.teams is not None and bot.runtime.teams.channel_auth is not None
            keys = bot.runtime.teams.channel_auth.keys
            keys.timeout = aiohttp.ClientTimeout(total=2.0)
            token = openid.token(APP_ID, bot.connector.url)  # well-formed: it needs the keys to be checked
            started = time.monotonic()
            teams = [asyncio.create_task(_post(bot, bot.activity("help"), f"Bearer {token}")) for _ in range(5)]
            await asyncio.sleep(0.2)  # the key fetch is in flight now
            slowest = 0.0
            for _ in range(10):
                t0 = time.monotonic()
                health = await bot.client.get("/healthz")
                assert health.status == 200
                slack = await bot.slash_reply("/steadybot", "help")
                assert "steadybot" in str(slack)
                slowest = max(slowest, time.monotonic() - t0)
            assert slowest < 1.0, f"/healthz + a Slack command took {slowest:.2f} s while the key server stalled"
            statuses = [r.status for r in await asyncio.gather(*teams)]
            assert statuses == [401] * 5  # unverifiable, refused after the fetch timed out — not hung
            assert time.monotonic() - started < 6.0
            t0 = time.monotonic()  # within the back-off after a failed fetch: refused at once, no new wait
            assert (await _post(bot, bot.activity("help"), f"Bearer {token}")).status == 401
            assert time.monotonic() - t0 < 0.5
    finally:
        stalled.close()


async def test_a_slack_timestamp_in_unicode_digits_is_a_401(bot: Harness) -> None:
    body = wire.slash_body("/steadybot", "help")
    for stamp in ("²", "١٧٠٠٠٠٠٠٠٠", "1e9", " 1700000000", "-1"):
        headers = {**wire.slack_headers("test-signing-secret-0123456789", body), "X-Slack-Request-Timestamp": stamp}
        response = await bot.client.post("/slack/events", data=body.encode(), headers=headers)
        assert response.status == 401, stamp


async def test_deeply_nested_json_is_a_400_not_a_500(bot: Harness) -> None:
    for depth in (100, 5_000, 200_000):
        nested = "[" * depth + "]" * depth
        response = await bot.client.post("/api/messages", data=nested, headers={"Content-Type": "application/json"})
        assert response.status == (413 if len(nested) > limits.MAX_TEAMS_BODY else 400), depth
        deep_value = json.dumps(bot.activity("hi"))[:-1] + ', "value": ' + "{\"a\":" * depth + "1" + "}" * depth + "}"
        response = await bot.client.post("/api/messages", data=deep_value,
                                         headers={"Content-Type": "application/json"})
        assert response.status == (413 if len(deep_value) > limits.MAX_TEAMS_BODY else 400), depth
        event = wire.event_body({"type": "message", "channel": "C1", "user": "U1", "text": "hi", "ts": "1.1"})
        deep_event = event[:-1] + ', "x": ' + "[" * depth + "]" * depth + "}"
        response = await bot.post_slack(deep_event, "application/json")
        assert response.status < 500, depth


async def test_settings_default_is_no_emulator() -> None:
    settings = replace(Settings(), teams_app_id=APP_ID)
    assert not settings.insecure_dev and settings.teams_emulator_openid_metadata_url == ""
