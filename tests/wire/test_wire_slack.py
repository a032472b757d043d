"""Slack through the real wire: signed requests into real Bolt on the aiohttp server, a fake Web API."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Sequence
from typing import Any

from handlers.core.types import Place, Platform
from support import wire
from tests.support.harness import SIGNING_SECRET, Harness, running
from tests.support.harness import block_texts as _texts

DESIGN_COMMANDS = ("/pulse", "/meeting", "/agenda", "/timebox", "/tradeoff", "/steadybot")


async def test_bad_signature_is_401(bot: Harness) -> None:
    body = wire.slash_body("/steadybot", "help")
    headers = wire.slack_headers("not-the-secret", body)
    response = await bot.client.post("/slack/events", data=body, headers=headers)
    assert response.status == 401
    assert bot.slack.calls == []


async def test_missing_signature_is_401(bot: Harness) -> None:
    response = await bot.client.post("/slack/events", data=wire.slash_body("/steadybot", "help"),
                                     headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert response.status == 401


async def test_a_signature_with_non_ascii_characters_is_401_not_500(bot: Harness) -> None:
    """`hmac.compare_digest` raises on a str that is not ASCII: such a header is refused before it."""
    body = wire.slash_body("/steadybot", "help")
    for signature in ("v0=é" + "0" * 63, "v0=" + "０" * 64, "v0=\u00ff"):
        headers = {**wire.slack_headers(SIGNING_SECRET, body), "X-Slack-Signature": signature}
        response = await bot.client.post("/slack/events", data=body, headers=headers)
        assert response.status == 401, signature
    assert bot.slack.calls == []


async def test_stale_timestamp_is_401(bot: Harness) -> None:
    response = await bot.post_slack(wire.slash_body("/steadybot", "help"), timestamp=int(time.time()) - 6 * 60)
    assert response.status == 401
    fresh = await bot.post_slack(wire.slash_body("/steadybot", "help"), timestamp=int(time.time()) - 4 * 60)
    assert fresh.status == 200


async def test_url_verification(bot: Harness) -> None:
    body = json.dumps({"token": "x", "challenge": "c-123", "type": "url_verification"})
    response = await bot.post_slack(body, "application/json")
    assert response.status == 200
    assert "c-123" in await response.text()


async def test_malformed_bodies_get_4xx_never_5xx(bot: Harness) -> None:
    for body, content_type in [
        ("{not json", "application/json"),
        ("[1, 2, 3]", "application/json"),
        ('{"type": 5}', "application/json"),
        ("payload=%7Bbroken", "application/x-www-form-urlencoded"),
        ("payload=" + json.dumps({"type": "block_actions", "actions": "nope"}), "application/x-www-form-urlencoded"),
        ("", "application/json"),
        ("\u202e\x00", "text/plain"),
    ]:
        response = await bot.post_slack(body, content_type)
        assert 400 <= response.status < 500 or response.status == 200, (body, response.status)
        assert "Traceback" not in await response.text()
    unsigned = await bot.client.post("/slack/events", data="{garbage", headers={"Content-Type": "application/json"})
    assert unsigned.status == 401


async def test_huge_body_is_413(bot: Harness) -> None:
    body = wire.slash_body("/steadybot", "x" * (2 * 1024 * 1024))
    response = await bot.post_slack(body)
    assert response.status == 413


async def test_help_answers_inside_three_seconds(bot: Harness) -> None:
    for command in DESIGN_COMMANDS:
        if command.lstrip("/") not in bot.runtime.registry.commands:
            continue  # features register themselves; tests/core/test_commands_help.py requires all of them
        started = time.perf_counter()
        reply = await bot.slash_reply(command, "help")
        assert time.perf_counter() - started < 3.0
        assert command in _texts(reply) and reply["response_type"] == "ephemeral"


async def test_ack_comes_before_the_work(sqlite_url: str) -> None:
    """Without a budget for the answer in the ack (STEADYBOT_SLACK_ANSWER_IN_ACK_MS=0) the HTTP answer is the
    bare ack; the reply arrives afterwards through response_url (tests/wire/test_slack_answer_in_ack.py: with
    one)."""
    async with running(sqlite_url, teams=False, slack_answer_in_ack=0.0) as bot:
        response = await bot.slash("/steadybot", "help")
        assert response.status == 200 and (await response.text()) == ""
        await bot.slack.wait_for_responses(1)


async def test_a_channel_message_is_matched_by_the_first_listener_bolt_tries(bot: Harness) -> None:
    """Events are registered first: a message costs no command, button or form matchers before its ack."""
    from slack_bolt.request.async_request import AsyncBoltRequest

    app = bot.slack_adapter.app
    body = wire.event_body({"type": "message", "channel": "C1", "user": "U1", "text": "hi", "ts": "1.000001"})
    headers: dict[str, str | Sequence[str]] = {**wire.slack_headers(SIGNING_SECRET, body, None, "application/json")}
    request = AsyncBoltRequest(body=body, headers=headers)
    request.context["bot_user_id"] = "UBOT"
    listeners = app._async_listeners  # noqa: SLF001 - Bolt tries them in this order
    assert await listeners[0].async_matches(req=request, resp=None)  # type: ignore[arg-type]
    command = AsyncBoltRequest(body=wire.slash_body("/steadybot", "help"))
    assert not await listeners[0].async_matches(req=command, resp=None)  # type: ignore[arg-type]


async def test_a_slash_command_is_tried_right_after_the_chat_listeners(bot: Harness) -> None:
    """What a person waits for comes before the rare events (home, uninstall, archived channels): a command
    costs only the two chat matchers before its own."""
    from slack_bolt.request.async_request import AsyncBoltRequest

    listeners = bot.slack_adapter.app._async_listeners  # noqa: SLF001 - Bolt tries them in this order
    command = AsyncBoltRequest(body=wire.slash_body("/agenda", "add notes 10m"))
    matched = [i for i, listener in enumerate(listeners)
               if await listener.async_matches(req=command, resp=None)]  # type: ignore[arg-type]
    assert matched[:1] == [2], matched
    archive = wire.event_body({"type": "channel_archive", "channel": "C1", "user": "U1"})
    rare = [i for i, listener in enumerate(listeners)
            if await listener.async_matches(req=AsyncBoltRequest(body=archive), resp=None)]  # type: ignore[arg-type]
    assert len(rare) == 1 and rare[0] > matched[0], rare


async def test_unknown_command_and_gibberish_are_friendly(bot: Harness) -> None:
    reply = await bot.slash_reply("/nonsense", "whatever")
    assert "don't know" in reply["text"]
    reply = await bot.slash_reply("/steadybot", "\u202e\x07 frobnicate")
    assert "settings" in reply["text"] and "Traceback" not in reply["text"]
    reply = await bot.slash_reply("/steadybot", "x" * 3000)
    assert "more text than I can read" in reply["text"]


async def test_settings_are_for_the_channel_creator(bot: Harness) -> None:
    bot.slack.add_channel("C1", creator="ULEAD", members=["ULEAD", "U1"])
    reply = await bot.slash_reply("/steadybot", "settings", user="U1")
    assert "Only the channel's creator" in _texts(reply)
    reply = await bot.slash_reply("/steadybot", "settings scope off", user="U1")
    assert "Only the channel's creator" in reply["text"]
    reply = await bot.slash_reply("/steadybot", "settings scope off", user="ULEAD")
    assert "Saved" in _texts(reply)
    assert "off (sensitivity normal)" in _texts(reply)


async def test_admins_may_change_any_channel(sqlite_url: str) -> None:
    async with running(sqlite_url, admins=frozenset({"UADMIN"})) as bot:
        bot.slack.add_channel("C1", creator="ULEAD", members=["ULEAD"])
        reply = await bot.slash_reply("/steadybot", "settings min 3", user="UADMIN")
        assert "at least 3 answers" in _texts(reply)


async def test_settings_modal_round_trip(bot: Harness) -> None:
    bot.slack.add_channel("C1", creator="ULEAD", members=["ULEAD"])
    shown = await bot.slash_reply("/steadybot", "settings", user="ULEAD")
    button = shown["blocks"][-1]["elements"][0]
    response = await bot.press(button["action_id"], button.get("value", ""), user="ULEAD", channel="C1",
                               is_ephemeral=True)
    assert response.status == 200
    opened = (await bot.slack.wait_for("views.open"))[0].params
    metadata = opened["view"]["private_metadata"]
    assert wire.unsealed_metadata(metadata)["f"] == "settings.edit" and wire.unsealed_metadata(metadata)["ch"] == "C1"
    response = await bot.submit(metadata, {"scope_watch": "off", "scope_sensitivity": "high",
                                           "agenda_enforcement": "on", "quiet_hours": "21:00-07:30",
                                           "min_respondents": "6"}, user="ULEAD")
    assert response.status == 200
    posted = await bot.slack.wait_for("chat.postEphemeral")
    assert "Saved" in _texts(posted[0].params)
    settings = await bot.runtime.store.settings.get(Place(Platform.SLACK, "C1"))
    assert (settings.scope_watch, settings.scope_sensitivity, settings.min_respondents) == (False, "high", 6)
    assert str(settings.quiet_start) == "21:00:00" and str(settings.quiet_end) == "07:30:00"


async def test_modal_submission_by_someone_else_is_refused(bot: Harness) -> None:
    bot.slack.add_channel("C1", creator="ULEAD", members=["ULEAD", "U1"])
    await bot.submit_sealed({"f": "settings.edit", "c": "", "ch": "C1"}, {"min_respondents": "3"}, user="U1")
    posted = await bot.slack.wait_for("chat.postEphemeral")
    assert "Only the channel's creator" in _texts(posted[0].params)


async def test_mentions_and_dms_are_typed_commands(bot: Harness) -> None:
    await bot.event({"type": "app_mention", "user": "U1", "channel": "C1", "text": "<@UBOT> help", "ts": "1.1",
                     "thread_ts": "1.0"})
    posted = await bot.slack.wait_for("chat.postEphemeral")
    assert "/steadybot" in _texts(posted[0].params) and posted[0].params["thread_ts"] == "1.0"
    await bot.event({"type": "message", "channel_type": "im", "user": "U1", "channel": "D1", "text": "wat",
                     "ts": "2.1"})
    dm = await bot.slack.wait_for("chat.postMessage")
    assert "don't know" in _texts(dm[0].params) and dm[0].params["channel"] == "D1"


async def test_retried_event_is_handled_once(bot: Harness) -> None:
    event = {"type": "app_mention", "user": "U1", "channel": "C1", "text": "<@UBOT> help", "ts": "3.1"}
    await bot.event(event, event_id="EvSame")
    await bot.slack.wait_for("chat.postEphemeral")
    await bot.event(event, event_id="EvSame", headers={"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"})
    await bot.settle()
    assert len(bot.slack.calls_to("chat.postEphemeral")) == 1


async def test_slack_off_when_not_configured(sqlite_url: str) -> None:
    async with running(sqlite_url, slack=False) as bot:
        body = wire.slash_body("/steadybot", "help")
        response = await bot.client.post("/slack/events", data=body, headers=wire.slack_headers(SIGNING_SECRET, body))
        assert response.status == 401  # as a bad signature: a refusal never says what is configured


async def test_socket_mode_needs_no_signature_and_answers_through_the_same_pipeline(sqlite_url: str) -> None:
    """With SLACK_APP_TOKEN, requests come over Socket Mode's websocket, unsigned: Bolt's own signature check
    is off (the HTTP route checks it before Bolt), so they reach the middleware and listeners as over HTTP;
    the ack goes back on the socket, with the answer in its payload when it was ready within the ack's budget
    (bot/slack/ack_answer.py), else through response_url — once."""
    from urllib.parse import parse_qsl

    from aiohttp import WSMsgType, web
    from aiohttp.test_utils import TestServer

    acks: list[dict[str, object]] = []
    acked = asyncio.Event()

    async def websocket(request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        await ws.send_json({"type": "hello", "num_connections": 1, "connection_info": {"app_id": "A1"}})
        payload = dict(parse_qsl(wire.slash_body("/steadybot", "help", response_url=bot.slack.response_url("sock"))))
        await ws.send_json({"envelope_id": "env-1", "type": "slash_commands", "accepts_response_payload": True,
                            "payload": payload})
        async for message in ws:
            if message.type == WSMsgType.TEXT:
                acks.append(json.loads(message.data))
                acked.set()
        return ws

    app = web.Application()
    app.router.add_get("/link", websocket)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    socket_url = str(server.make_url("/link")).replace("http://", "ws://")
    try:
        async with running(sqlite_url, teams=False, slack_app_token="xapp-1-A1-test") as bot:
            bot.slack.faults.append(lambda method, _: (200, {"ok": True, "url": socket_url}, {})
                                    if method == "apps.connections.open" else None)
            await bot.slack_adapter.start()
            async with asyncio.timeout(10):
                await acked.wait()
            assert acks[0]["envelope_id"] == "env-1"
            in_ack = acks[0].get("payload")
            answers: list[dict[str, Any]]
            if isinstance(in_ack, dict) and in_ack:
                await bot.idle()
                answers = [in_ack, *bot.slack.responses]
            else:
                answers = await bot.slack.wait_for_responses(1, timeout=10)
                assert answers[0]["_key"] == "sock"
            assert len(answers) == 1 and "what I can do" in answers[0]["text"]
    finally:
        await server.close()
