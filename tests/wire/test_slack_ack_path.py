"""What a Slack chat event costs before its acknowledgement (docs/benchmarks.md, "The acknowledgement itself
(Slack)"): Bolt acknowledges events with an empty 200 whatever the listener does, so a message or an
@mention is parsed after the ack (bot/slack/middleware.py, `parse_later`), and the global middleware is a
Bolt `AsyncMiddleware`, so Bolt builds no injected arguments for it."""

from __future__ import annotations

import sys
import time
from types import FrameType
from typing import Any

import pytest

from bot.slack import payloads
from tests.support.harness import Harness
from tests.support.scope_helpers import SCOPE_CREEP, message, prompts_in
from tests.support.thread_client import read_in_a_thread

HELD = 0.4  # seconds a slow parse holds the loop


async def test_a_chat_event_is_parsed_after_its_ack(bot: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    parse = payloads.parse
    parsed: list[str] = []

    def slow_parse(body: dict[str, Any], *args: Any, **kwargs: Any) -> payloads.Parsed | None:
        if body.get("type") == "event_callback":
            parsed.append(str(body["event"].get("type")))
            time.sleep(HELD)  # synchronous: nothing else runs meanwhile
        return parse(body, *args, **kwargs)

    monkeypatch.setattr(payloads, "parse", slow_parse)
    for event in (message(SCOPE_CREEP, "100.000001"),
                  {"type": "app_mention", "channel": "C1", "user": "U1", "text": "<@UBOT> help", "ts": "100.000002"}):
        with read_in_a_thread(bot, monkeypatch) as client:  # as Slack reads it: on another machine
            started = time.monotonic()
            response = await bot.event(event)
        acked = client.answers[-1].read_at - started
        assert response.status == 200
        assert acked < HELD * 0.75, f"the ack of a {event['type']} waited {acked:.2f} s for its parse"
        await bot.idle()
    assert parsed == ["message", "app_mention"]  # parsed once each, after the ack
    assert len(prompts_in(bot)) == 1  # the message's work still ran, once


async def test_a_message_is_acknowledged_with_one_argument_injection(bot: Harness) -> None:
    """Bolt's `build_async_required_kwargs` builds every argument it could inject (say, respond, the payload
    views…): for the event's listener matcher and the chat listener (as in a bare Bolt app), not for the
    global middleware too."""
    await bot.event(message("warming up", "100.000003"))
    await bot.idle()
    calls: list[str] = []

    def profiler(frame: FrameType, event: str, arg: Any) -> None:
        if event == "call" and frame.f_code.co_name == "build_async_required_kwargs":
            calls.append(f"{frame.f_back.f_code.co_filename}:{frame.f_back.f_code.co_name}" if frame.f_back else "")

    sys.setprofile(profiler)
    try:
        response = await bot.event(message("an ordinary line", "100.000004"))
    finally:
        sys.setprofile(None)
    assert response.status == 200
    assert [call.rsplit(":", 1)[1] for call in calls] == ["async_matches", "run_ack_function"], calls
    await bot.idle()
