"""Slack's request signature, checked once per request, before anything parses the body.

HMAC-SHA256 of `v0:timestamp:body` with the signing secret, within a 5-minute replay window, for every path —
commands, events, interactivity, options. It works on the raw bytes (capped in size and time by bot/limits.py),
so a body that is not even UTF-8 is just unsigned, not an error. Bolt's own check is switched off: this is
the one check (docs/architecture.md, "One request, end to end").
"""

from __future__ import annotations

import hmac
import time
from collections.abc import Callable

from aiohttp import web

from bot import limits
from handlers.core.macs import HmacSha256

REPLAY_WINDOW = 5 * 60  # seconds a signed Slack request stays valid


def signing_key(secret: str) -> HmacSha256 | None:
    """The signing secret, set up once for every request's check; None without a secret (nothing passes)."""
    return HmacSha256(secret.encode()) if secret else None


async def signed(request: web.Request, key: HmacSha256 | None, now: Callable[[], float] = time.time) -> bool:
    """Whether the request carries Slack's valid, fresh signature of its body (read here, capped)."""
    timestamp = request.headers.get("X-Slack-Request-Timestamp", "")
    signature = request.headers.get("X-Slack-Signature", "")
    # isascii: "²" and other Unicode digits pass isdigit() but not int()
    if not (timestamp.isascii() and timestamp.isdigit()) or len(timestamp) > 12 or not signature.startswith("v0="):
        return False
    if len(signature) > 80 or not signature.isascii() or abs(now() - int(timestamp)) > REPLAY_WINDOW or key is None:
        return False
    body = await limits.read_body(request, limits.MAX_SLACK_BODY)
    digest = key.digest(b"v0:" + timestamp.encode() + b":" + body).hex()
    return hmac.compare_digest(f"v0={digest}", signature)
