"""Teams answers first, then works (bot/teams/adapter.py): a message activity gets its 201 before its turn
runs (in the runtime's after-ack lane, counted from the 201), the reply still reaches the connector, invokes
and `expectReplies` stay synchronous (their body is the answer), unauthenticated activities run no turn, a
failing turn is logged and apologised for, and a graceful stop lets the turns in flight finish.

Turns are held or failed with a botbuilder `Middleware` added through `CloudAdapter.use` — the SDK's own
pipeline hook, so the real adapter, handler and connector client run unchanged around it."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient, TestServer
from botbuilder.core import InvokeResponse, Middleware, TurnContext
from botbuilder.schema import Activity, ActivityTypes
from botframework.connector.auth import PasswordServiceClientCredentialFactory

from bot.config import Settings
from bot.runtime import build_runtime
from bot.server import build_app
from handlers.core.errors import SORRY_BUG
from support import wire
from support.bf_connector import FakeConnector
from tests.support.harness import Harness, running

WAIT = 5.0  # every wait below is bounded by this


class Gate(Middleware):
    """Holds every turn at the start of botbuilder's pipeline until `opened` is set; then fails the turn
    with `fail`, or answers an invoke with `invoke_body`, or runs the bot."""

    def __init__(self, *, fail: Exception | None = None, invoke_body: dict[str, Any] | None = None) -> None:
        self.entered = asyncio.Event()
        self.opened = asyncio.Event()
        self.turns = 0
        self.fail = fail
        self.invoke_body = invoke_body

    async def on_turn(self, context: TurnContext, logic: Callable[[], Awaitable]) -> None:
        self.turns += 1
        self.entered.set()
        await self.opened.wait()
        if self.fail is not None:
            raise self.fail
        if self.invoke_body is not None and context.activity.type == ActivityTypes.invoke:
            await context.send_activity(Activity(type=ActivityTypes.invoke_response,
                                                 value=InvokeResponse(status=200, body=self.invoke_body)))
            return
        await logic()


def gate(bot: Harness, **kwargs: Any) -> Gate:
    held = Gate(**kwargs)
    bot.teams_adapter.adapter.use(held)
    return held


async def post(bot: Harness, activity: dict[str, Any], headers: dict[str, str] | None = None) -> ClientResponse:
    """POST /api/messages without waiting for the turn (Harness.teams waits for it)."""
    async with asyncio.timeout(WAIT):
        return await bot.client.post("/api/messages", data=json.dumps(activity),
                                     headers={"Content-Type": "application/json", **(headers or {})})


async def test_a_message_gets_201_before_its_slow_turn_and_the_reply_still_arrives(bot: Harness) -> None:
    held = gate(bot)
    response = await post(bot, bot.activity("help"))  # would time out if the answer waited for the turn
    assert response.status == 201
    async with asyncio.timeout(WAIT):
        await held.entered.wait()
    assert bot.runtime.lane.in_flight == 1 and bot.connector.sent == []
    held.opened.set()
    sent = await bot.connector.wait_for(1, timeout=WAIT)
    assert "steadybot settings" in sent[0].text and sent[0].kind == "reply"
    await bot.teams_settled()
    assert bot.runtime.lane.in_flight == 0


async def test_a_burst_is_answered_at_once_and_every_turn_runs(bot: Harness) -> None:
    held = gate(bot)
    responses = await asyncio.gather(*(post(bot, bot.activity("help", user=f"29:b{i}")) for i in range(20)))
    assert [r.status for r in responses] == [201] * 20
    held.opened.set()
    sent = await bot.connector.wait_for(20, timeout=WAIT * 2)
    assert {s.conversation_id for s in sent} == {f"a:1on1-29:b{i}" for i in range(20)}
    assert held.turns == 20


async def test_an_invoke_still_returns_its_body_synchronously(bot: Harness) -> None:
    held = gate(bot, invoke_body={"task": {"type": "message", "value": "done"}})
    invoke = bot.activity(activity_type="invoke")
    invoke["name"] = "task/fetch"
    pending = asyncio.create_task(post(bot, invoke))
    async with asyncio.timeout(WAIT):
        await held.entered.wait()
    done, _ = await asyncio.wait({pending}, timeout=0.2)
    assert not done, "an invoke was answered before its turn produced the answer"
    assert bot.runtime.lane.in_flight == 0  # not a background turn
    held.opened.set()
    response = await pending
    assert response.status == 200
    assert await response.json() == {"task": {"type": "message", "value": "done"}}


async def test_expect_replies_returns_the_replies_in_the_body(bot: Harness) -> None:
    activity = bot.activity("help")
    activity["deliveryMode"] = "expectReplies"
    response = await post(bot, activity)
    assert response.status == 200
    replies = (await response.json())["activities"]
    assert len(replies) == 1 and replies[0]["attachments"][0]["contentType"] == "application/vnd.microsoft.card.adaptive"
    assert "steadybot settings" in json.dumps(replies[0])
    assert bot.runtime.lane.in_flight == 0 and bot.connector.sent == []  # nothing went through the connector


async def test_an_unauthenticated_activity_is_401_and_runs_no_turn(sqlite_url: str) -> None:
    async with running(sqlite_url, teams=False, teams_app_id="00000000-0000-0000-0000-000000000001",
                       teams_app_password="pw-secret-123456") as bot:
        held = gate(bot)
        held.opened.set()
        for headers in (None, {"Authorization": "Bearer not.a.jwt"}):
            response = await post(bot, bot.activity("help"), headers)
            assert response.status == 401
        await bot.teams_settled()
        assert held.turns == 0 and bot.runtime.lane.in_flight == 0 and bot.connector.sent == []


async def test_a_failing_background_turn_is_logged_and_the_person_gets_the_apology(
        bot: Harness, caplog: pytest.LogCaptureFixture) -> None:
    held = gate(bot, fail=RuntimeError("turn exploded"))
    held.opened.set()
    with caplog.at_level(logging.ERROR, logger="steadybot.teams"):
        response = await post(bot, bot.activity("help"))
        assert response.status == 201
        sent = await bot.connector.wait_for(1, timeout=WAIT)
        await bot.teams_settled()
    assert sent[0].activity.get("text") == SORRY_BUG
    failed = [r for r in caplog.records if r.getMessage().startswith("Teams turn failed")]
    assert len(failed) == 1 and failed[0].exc_info is not None and "turn exploded" in str(failed[0].exc_info[1])


class _NoOutboundCredentials(PasswordServiceClientCredentialFactory):
    """Authentication stays disabled (development mode), but credentials for replies cannot be made: the
    turn fails inside botbuilder before the bot's pipeline, where no apology is possible."""

    async def create_credentials(self, *args: Any, **kwargs: Any) -> Any:
        raise ConnectionError("token endpoint unreachable")


async def test_an_error_outside_the_turn_is_logged_not_lost(sqlite_url: str,
                                                            caplog: pytest.LogCaptureFixture) -> None:
    connector = await FakeConnector().start()
    runtime = await build_runtime(Settings(database_url=sqlite_url, insecure_dev=True),
                                  adapter_options={"teams_credentials": _NoOutboundCredentials("", "")})
    client = TestClient(TestServer(build_app(runtime), host="127.0.0.1"))
    await client.start_server()
    try:
        activity = wire.teams_activity("help", service_url=connector.url, activity_id="act-lost")
        with caplog.at_level(logging.WARNING, logger="steadybot.teams"):
            async with asyncio.timeout(WAIT):
                response = await client.post("/api/messages", json=activity)
                assert response.status == 201
                assert runtime.teams is not None
                assert await runtime.lane.settle()
        lost = [r for r in caplog.records if "could not be handled" in r.getMessage()]
        assert len(lost) == 1 and "act-lost" in lost[0].getMessage()
        assert lost[0].exc_info is not None and isinstance(lost[0].exc_info[1], ConnectionError)
        assert connector.sent == []
    finally:
        await client.close()
        await runtime.close()
        await connector.close()


async def test_a_graceful_stop_waits_for_the_turns_in_flight(bot: Harness) -> None:
    held = gate(bot)
    assert (await post(bot, bot.activity("help"))).status == 201
    async with asyncio.timeout(WAIT):
        await held.entered.wait()
    closing = asyncio.create_task(bot.runtime.close())
    done, _ = await asyncio.wait({closing}, timeout=0.2)
    assert not done, "the runtime closed with a Teams turn in flight"
    held.opened.set()
    async with asyncio.timeout(WAIT):
        await closing
    assert "steadybot settings" in bot.connector.sent[0].text  # answered, database work included
    assert bot.runtime.lane.in_flight == 0


async def test_a_stop_does_not_wait_forever_for_a_stuck_turn(bot: Harness,
                                                             caplog: pytest.LogCaptureFixture) -> None:
    held = gate(bot)  # never opened
    assert (await post(bot, bot.activity("help"))).status == 201
    async with asyncio.timeout(WAIT):
        await held.entered.wait()
        with caplog.at_level(logging.WARNING, logger="steadybot.inbound"):
            await bot.runtime.lane.close(grace=0.2)
    assert bot.runtime.lane.in_flight == 0 and bot.connector.sent == []
    assert any("unfinished" in r.getMessage() for r in caplog.records)
