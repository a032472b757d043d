"""Slack OAuth v2, many workspaces: a full install through Bolt's OAuth flow against the fake Web API
(install → Slack's consent → redirect → oauth.v2.access → stored installation), then commands, events,
pulses and outbox sends in two workspaces, each with its own token; uninstall stops one and not the other;
org-wide (Enterprise Grid) installs; two replicas sharing the store; SQLite and PostgreSQL."""

from __future__ import annotations

import contextlib
import logging
import re
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select

from bot.runtime import build_runtime
from bot.server import build_app
from handlers.core.types import OutboxItem, Platform, Reply, Target
from storage.models.core import OutboxRow
from storage.models.installations import SlackInstallationRow
from support import wire
from tests.support.harness import SIGNING_SECRET, Harness, running
from tests.support.pulse_helpers import dms

CLIENT_ID = "1111.2222"
CLIENT_SECRET = "oauth-client-secret-0123456789"
@contextlib.asynccontextmanager
async def oauth_bot(db_url: str) -> AsyncIterator[Harness]:
    async with running(db_url, teams=False, slack_bot_token="", slack_client_id=CLIENT_ID,
                       slack_client_secret=CLIENT_SECRET) as bot:
        bot.slack.client_id, bot.slack.client_secret = CLIENT_ID, CLIENT_SECRET
        yield bot


async def install(client: TestClient, bot: Harness, code: str, team: str | None, *, enterprise: str | None = None,
                  finish: TestClient | None = None) -> str:
    """The whole browser round trip: /slack/install → Slack's consent screen → /slack/oauth_redirect.
    `finish`: the replica Slack's redirect lands on (another one than the install link's)."""
    started = await client.get("/slack/install", allow_redirects=False)
    assert started.status == 302, await started.text()
    authorize = urlsplit(started.headers["Location"])
    assert (authorize.scheme, authorize.netloc, authorize.path) == ("https", "slack.com", "/oauth/v2/authorize")
    query = parse_qs(authorize.query)
    assert query["client_id"] == [CLIENT_ID] and "chat:write" in query["scope"][0].split(",")
    state = query["state"][0]
    cookie = re.search(r"(slack-app-oauth-state=[^;]+)", started.headers["Set-Cookie"])
    assert cookie is not None and state in cookie.group(1)
    token = bot.slack.add_install_code(code, team, enterprise_id=enterprise)
    done = await (finish or client).get(f"/slack/oauth_redirect?{urlencode({'code': code, 'state': state})}",
                                        headers={"Cookie": cookie.group(1)})
    assert done.status == 200, await done.text()
    return token


def slash_body(command: str, text: str, *, team: str, user: str, channel: str, response_url: str,
               enterprise: str | None = None) -> str:
    body = parse_qs(wire.slash_body(command, text, user=user, channel=channel, team=team,
                                    response_url=response_url))
    fields = {k: v[0] for k, v in body.items()}
    if enterprise:
        fields.update(enterprise_id=enterprise, is_enterprise_install="true")
    return urlencode(fields)


async def slash(client: TestClient, bot: Harness, text: str, *, team: str, user: str, channel: str,
                enterprise: str | None = None) -> None:
    bot.responses += 1
    body = slash_body("/pulse", text, team=team, user=user, channel=channel,
                      response_url=bot.slack.response_url(f"r{bot.responses}"), enterprise=enterprise)
    response = await client.post("/slack/events", data=body.encode(), headers=wire.slack_headers(SIGNING_SECRET, body))
    assert response.status == 200, await response.text()


T1_PEOPLE = ["U1", "U2", "U11", "U12", "U13", "U14"]  # five besides the sender in each channel (k = 5)
T2_PEOPLE = ["U5", "U6", "U51", "U52", "U53", "U54"]


def team_setup(bot: Harness) -> None:
    for user in T1_PEOPLE:
        bot.slack.add_user(user, f"Person {user}", team_id="T1")
    for user in T2_PEOPLE:
        bot.slack.add_user(user, f"Person {user}", team_id="T2")
    bot.slack.add_channel("C1", "U1", T1_PEOPLE)
    bot.slack.add_channel("C2", "U5", T2_PEOPLE)


def calls_with(bot: Harness, token: str) -> list[str]:
    return [c.method for c in bot.slack.calls if c.headers.get("Authorization") == f"Bearer {token}"]


async def test_two_workspaces_each_with_its_own_token_and_uninstall_stops_one(db_url: str) -> None:
    async with oauth_bot(db_url) as bot:
        team_setup(bot)
        assert (await bot.client.get("/slack/oauth_redirect?code=x&state=forged")).status in (400, 401)
        token1 = await install(bot.client, bot, "code-1", "T1")
        token2 = await install(bot.client, bot, "code-2", "T2")
        exchanges = bot.slack.tokens_used("oauth.v2.access")
        assert len(exchanges) == 2 and all(e.startswith("Basic ") for e in exchanges)  # the app's credentials
        async with bot.runtime.db.session() as session:
            rows = (await session.execute(select(SlackInstallationRow))).scalars().all()
        assert {(r.team_id, r.user_id) for r in rows} == {("T1", ""), ("T1", "UINSTALLER"), ("T2", ""),
                                                          ("T2", "UINSTALLER")}
        assert all(token1.encode() not in r.sealed and token2.encode() not in r.sealed for r in rows)  # sealed

        # commands and pulses in both workspaces
        await slash(bot.client, bot, "now", team="T1", user="U1", channel="C1")
        await slash(bot.client, bot, "now", team="T2", user="U5", channel="C2")
        await bot.slack.wait_for("chat.postMessage", 2)
        await bot.settle()
        assert dms(bot, "U1") and dms(bot, "U2") and dms(bot, "U5") and dms(bot, "U6")
        for call in bot.slack.calls:
            if call.method in ("chat.postMessage", "conversations.members", "conversations.info", "users.info"):
                channel = str(call.params.get("channel") or call.params.get("user") or "")
                expected = token1 if channel in ("C1", *T1_PEOPLE) else token2
                assert call.headers.get("Authorization") == f"Bearer {expected}", (call.method, channel)
        assert "conversations.members" in calls_with(bot, token1) and "conversations.members" in calls_with(bot, token2)

        # an event in the second workspace is answered with its token
        before = len(calls_with(bot, token2))
        event = {"type": "message", "channel": "C2", "user": "U5", "ts": "1700000000.000200",
                 "text": "can we also add a CSV export and dark mode to the release this week?"}
        body = wire.event_body(event, team="T2")
        assert (await bot.post_slack(body, "application/json")).status == 200
        await bot.slack.wait_for("chat.postMessage", len(bot.slack.calls_to("chat.postMessage")) + 1, timeout=5)
        assert "chat.postMessage" in calls_with(bot, token2)[before:]

        # uninstall the second workspace: its installation goes, its sends stop, the first goes on
        uninstall = wire.event_body({"type": "app_uninstalled"}, team="T2")
        assert (await bot.post_slack(uninstall, "application/json")).status == 200
        await bot.idle()
        async with bot.runtime.db.session() as session:
            left = (await session.execute(select(SlackInstallationRow.team_id))).scalars().all()
        assert set(left) == {"T1"}
        used = len(calls_with(bot, token2))
        now = bot.clock.now()
        await bot.runtime.outbox.enqueue([
            OutboxItem(Target(Platform.SLACK, "channel", "C2", None, "T2"), now, reply=Reply("to T2")),
            OutboxItem(Target(Platform.SLACK, "channel", "C1", None, "T1"), now, reply=Reply("to T1"))])
        await bot.runtime.worker.drain()
        assert len(calls_with(bot, token2)) == used  # nothing more with the uninstalled workspace's token
        assert [m["text"] for m in bot.slack.posted("C1")][-1] == "to T1"
        async with bot.runtime.db.session() as session:
            skipped = (await session.execute(select(OutboxRow).where(OutboxRow.status == "skipped"))).scalars().all()
        assert [r.target_key for r in skipped] == ["slack:channel:C2:"]  # skipped: nothing to fix and retry
        assert "not installed" in (skipped[0].last_error or "")
        await slash(bot.client, bot, "now", team="T1", user="U1", channel="C1")  # the first still works


async def test_tokens_revoked_drops_the_bot(sqlite_url: str) -> None:
    async with oauth_bot(sqlite_url) as bot:
        team_setup(bot)
        await install(bot.client, bot, "code-1", "T1")
        revoked = wire.event_body({"type": "tokens_revoked", "tokens": {"oauth": [], "bot": ["UBOT"]}}, team="T1")
        assert (await bot.post_slack(revoked, "application/json")).status == 200
        await bot.idle()
        await bot.runtime.outbox.enqueue([OutboxItem(Target(Platform.SLACK, "channel", "C1", None, "T1"),
                                                     bot.clock.now(), reply=Reply("hello"))])
        await bot.runtime.worker.drain()
        assert bot.slack.posted("C1") == []
        oauth = bot.slack_adapter.oauth
        assert oauth is not None
        store = oauth.installations
        found = await store.async_find_installation(enterprise_id=None, team_id="T1")
        assert found is not None and found.bot_token is None  # Bolt no longer authorises with the old token
        assert await store.async_find_bot(enterprise_id=None, team_id="T1") is None


async def test_an_org_wide_install_serves_every_workspace_of_the_organisation(sqlite_url: str) -> None:
    async with oauth_bot(sqlite_url) as bot:
        org_people = ["U7", "U8", "U71", "U72", "U73", "U74"]  # five besides the sender (k = 5)
        for user in org_people:
            bot.slack.add_user(user, f"Person {user}", team_id="T7")
        bot.slack.add_channel("C7", "U7", org_people)
        token = await install(bot.client, bot, "code-org", None, enterprise="E1")
        await slash(bot.client, bot, "now", team="T7", user="U7", channel="C7", enterprise="E1")
        await bot.slack.wait_for("chat.postMessage", 1)
        await bot.settle()
        assert dms(bot, "U7") and dms(bot, "U8")
        assert all(c.headers.get("Authorization") == f"Bearer {token}" for c in bot.slack.calls_to("chat.postMessage"))


@contextlib.asynccontextmanager
async def replica(bot: Harness) -> AsyncIterator[tuple[TestClient, Any]]:
    """A second `steadybot serve` on the same database, the same Slack and the same clock."""
    runtime = await build_runtime(bot.settings, clock=bot.clock)
    runtime.outbox.on_due_now = None
    client = TestClient(TestServer(build_app(runtime), host="127.0.0.1"))
    await client.start_server()
    try:
        yield client, runtime
    finally:
        await client.close()
        await runtime.close()


async def test_two_replicas_share_the_installation_store(db_url: str) -> None:
    async with oauth_bot(db_url) as bot, replica(bot) as (other, other_runtime):
        team_setup(bot)
        # the install link on one replica, Slack's redirect on the other (the state is in the database)
        token2 = await install(bot.client, bot, "code-2", "T2", finish=other)
        await slash(other, bot, "now", team="T2", user="U5", channel="C2")
        await bot.slack.wait_for("chat.postMessage", 1)
        assert await other_runtime.lane.settle(10.0)  # the command's work (its DMs enqueued) is done, not only its post
        await other_runtime.scheduler.run_all_once()
        await bot.runtime.worker.drain()  # the first replica sends the pulse DMs the second one created
        assert dms(bot, "U5") and dms(bot, "U6")
        assert set(bot.slack.tokens_used("chat.postMessage")) == {token2}
        # uninstalled through the second replica: the first stops too, once its token cache runs out
        uninstall = wire.event_body({"type": "app_uninstalled"}, team="T2")
        signed = wire.slack_headers(SIGNING_SECRET, uninstall, content_type="application/json")
        assert (await other.post("/slack/events", data=uninstall, headers=signed)).status == 200
        assert await other_runtime.lane.settle(10.0)  # the uninstall's work (rows deleted) is done, not only its ack
        await bot.idle()
        bot.clock.set(bot.clock.now() + timedelta(seconds=31))
        used = len(bot.slack.calls)
        await bot.runtime.outbox.enqueue([OutboxItem(Target(Platform.SLACK, "channel", "C2", None, "T2"),
                                                     bot.clock.now(), reply=Reply("after uninstall"))])
        await bot.runtime.worker.drain()
        assert len(bot.slack.calls) == used and bot.slack.posted("C2")[-1:] != [{"text": "after uninstall"}]


async def test_a_bot_token_beside_oauth_credentials_says_oauth_is_off(db_url: str, caplog: Any) -> None:
    caplog.set_level(logging.WARNING, logger="steadybot.slack")
    async with running(db_url, teams=False, slack_client_id=CLIENT_ID, slack_client_secret=CLIENT_SECRET) as bot:
        assert (await bot.client.get("/slack/install", allow_redirects=False)).status == 404
    said = [r.getMessage() for r in caplog.records if r.name == "steadybot.slack"]
    assert any("SLACK_CLIENT_ID/SLACK_CLIENT_SECRET are ignored" in m for m in said), said
    assert not any(CLIENT_SECRET in m for m in said)


async def test_single_token_mode_has_no_oauth_routes(bot: Harness) -> None:
    response = await bot.client.get("/slack/install", allow_redirects=False)
    assert response.status == 404 and "SLACK_CLIENT_ID" in await response.text()
