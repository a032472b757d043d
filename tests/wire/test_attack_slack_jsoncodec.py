"""The chat.postMessage body is always JSON (handlers/core/jsoncodec.py, bot/slack/post.py).

The codec writes a float NaN or infinity as `null` (the standard library writes `NaN`, which is not JSON,
https://www.rfc-editor.org/rfc/rfc8259#section-6: "Numeric values that cannot be represented ... (such as
Infinity and NaN) are not permitted"). It must do so on its fallback path too: the one the standard library
takes for what orjson refuses (an integer past 64 bits, a key that is not a string, a lone surrogate).
"""

from __future__ import annotations

import json
import math
from typing import Any

import aiohttp
import pytest
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.post import post_message
from handlers.core.jsoncodec import dumps, dumps_bytes, loads
from support.slack_api import FakeSlackApi

NOT_FINITE = [math.nan, math.inf, -math.inf]
#: Each forces the standard library's path: orjson refuses it.
REFUSED_BY_ORJSON: list[Any] = [2**64, {1: "int key"}, "lone \ud800 surrogate"]


def _strict(text: str) -> Any:
    def refuse(constant: str) -> None:
        raise ValueError(f"not JSON: {constant}")
    return json.loads(text, parse_constant=refuse)


@pytest.mark.parametrize("odd", REFUSED_BY_ORJSON, ids=["big int", "int key", "lone surrogate"])
@pytest.mark.parametrize("number", NOT_FINITE, ids=["nan", "inf", "-inf"])
def test_a_non_finite_float_is_null_on_the_fallback_path_too(number: float, odd: Any) -> None:
    value = {"score": number, "odd": odd, "list": [number, (number,)], "nested": {"x": number}}
    text = dumps(value)
    decoded = _strict(text)  # valid JSON, as on orjson's own path
    assert decoded["score"] is None and decoded["list"] == [None, [None]] and decoded["nested"] == {"x": None}
    assert loads(dumps_bytes(value)) == decoded
    assert _strict(dumps({"score": number})) == {"score": None}  # orjson's path, as before


def test_the_fallback_path_is_unchanged_for_finite_values_and_what_it_refuses() -> None:
    value = {"n": 2**70, 3: [1.5, -0.0, "é", (1, 2)], "t": (1, {"x": 1e300})}
    assert dumps(value) == json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    with_surrogate = {"n": 2**70, "s": "é\ud800"}
    assert dumps(with_surrogate) == json.dumps(with_surrogate, separators=(",", ":"))
    circular: list[Any] = [2**70]
    circular.append(circular)
    with pytest.raises(ValueError, match="Circular"):
        dumps(circular)
    with pytest.raises(TypeError):
        dumps({"n": 2**70, "when": object()})


async def test_slack_receives_json_for_a_message_with_a_big_number_and_a_nan() -> None:
    api = await FakeSlackApi().start()
    try:
        async with aiohttp.ClientSession() as session:
            client = AsyncWebClient(token="xoxb-t", base_url=api.url, session=session, timeout=5, retry_handlers=[])
            payload = {"channel": "C1", "text": "hi", "metadata": {"event_type": "t",
                                                                   "event_payload": {"id": 2**64, "rate": math.nan}}}
            answer = await post_message(client, payload)
        assert answer["ok"] is True
        (call,) = api.calls_to("chat.postMessage")
        assert call.params["metadata"]["event_payload"] == {"id": 2**64, "rate": None}
    finally:
        await api.close()
