"""What one HTTP request may cost before it is refused: body size, time to send the body, JSON depth.

Used by both platforms' endpoints (bot/server.py for Slack, bot/teams/adapter.py for Teams), always after
the cheap header checks (signature or Authorization) and never before them.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from aiohttp import web

MAX_SLACK_BODY = 1024 * 1024  # Slack's largest payloads (a modal's full state) are far smaller
MAX_TEAMS_BODY = 256 * 1024  # a Teams activity is a few KB; Teams caps messages at ~28 KB
BODY_TIMEOUT = 10.0  # seconds a client has to send its whole body once the headers are in
MAX_JSON_DEPTH = 64  # real activities and payloads nest ~10 deep
#: Seconds a client is told to wait (Retry-After) when a route answers 503 because the database does not answer.
RETRY_AFTER = 30
#: The app's body timeout (bot.server.Limits.body_timeout), when it is not BODY_TIMEOUT.
BODY_TIMEOUT_KEY = web.AppKey("body_timeout", float)


class TooBig(Exception):
    pass


class TooSlow(Exception):
    pass


class BadJson(Exception):
    pass


async def read_body(request: web.Request, limit: int, timeout: float | None = None) -> bytes:
    """The request body, at most `limit` bytes, sent within `timeout` seconds (the app's body timeout by
    default; TooBig / TooSlow otherwise). The bytes stay cached on the request, so a framework reading it
    later (Bolt) gets the same bytes."""
    if timeout is None:
        timeout = request.app.get(BODY_TIMEOUT_KEY, BODY_TIMEOUT)
    if request.content_length is not None and request.content_length > limit:
        raise TooBig
    try:
        if request.content.is_eof():  # all of it arrived with the headers (nearly every request): no wait to time
            body = await request.read()
        else:
            async with asyncio.timeout(timeout):
                body = await request.read()
    except TimeoutError:
        raise TooSlow from None
    except web.HTTPRequestEntityTooLarge:
        raise TooBig from None
    if len(body) > limit:
        raise TooBig
    return body


def too_deep(value: Any, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether parsed JSON nests deeper than `limit` (checked without recursion)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > limit:
            return True
        if isinstance(item, dict):
            stack.extend((v, depth + 1) for v in item.values() if isinstance(v, dict | list))
        elif isinstance(item, list):
            stack.extend((v, depth + 1) for v in item if isinstance(v, dict | list))
    return False


def parse_json(body: bytes) -> Any:
    """JSON from bytes; BadJson for anything malformed, not UTF-8, or nested deeper than MAX_JSON_DEPTH
    (Python's parser raises RecursionError on ~1 000 levels: that must be a 400, not a 500)."""
    try:
        value = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise BadJson from None
    if too_deep(value):
        raise BadJson
    return value


def refusal(exc: Exception) -> web.Response:
    """The HTTP answer to a body refused by read_body / parse_json."""
    if isinstance(exc, TooBig):
        return web.json_response({"error": "request body too large"}, status=413)
    if isinstance(exc, TooSlow):
        return web.json_response({"error": "request body not received in time"}, status=408,
                                 headers={"Connection": "close"})
    return web.json_response({"error": "malformed JSON"}, status=400)
