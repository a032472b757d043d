"""Bot Framework connector failures → outbox delivery errors."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass

import aiohttp

from bot.outbox.errors import DeliveryError, PermanentError, RateLimited, TransientError


def _status_and_headers(exc: BaseException) -> tuple[int, dict[str, str]]:
    response = getattr(exc, "response", None)
    status = getattr(response, "status_code", None) or getattr(response, "status", None) or 0
    headers = getattr(response, "headers", None) or {}
    try:
        return int(status), {str(k).lower(): str(v) for k, v in dict(headers).items()}
    except (TypeError, ValueError):
        return 0, {}


def classify(exc: BaseException, scope: str) -> DeliveryError:
    if isinstance(exc, DeliveryError):
        return exc
    status, headers = _status_and_headers(exc)
    if status == 429:
        try:
            seconds = float(headers.get("retry-after", "1"))
        except ValueError:
            seconds = 1.0
        return RateLimited(seconds, scope)
    if status >= 500:
        return TransientError(f"teams {status}")
    if status in (400, 401, 403, 404, 405, 410, 412, 413):
        return PermanentError(f"teams {status}")
    if 400 <= status < 500:
        return TransientError(f"teams {status}", maybe_delivered=False)
    if isinstance(exc, aiohttp.ClientConnectorError):  # never connected: nothing was delivered
        return TransientError(type(exc).__name__, maybe_delivered=False)
    if isinstance(exc, aiohttp.ClientError | asyncio.TimeoutError | ConnectionError | OSError):
        return TransientError(type(exc).__name__)
    return TransientError(f"{type(exc).__name__}")


#: The connector's error code for a post into a conversation the bot is not a member of (HTTP 403; msteams-docs,
#: bots/how-to/conversations/conversation-messages.md, "Status codes from bot conversational APIs").
NOT_IN_ROSTER = "BotNotInConversationRoster"


@dataclass(frozen=True, slots=True)
class Refusal:
    """What the Bot Framework connector answered a call it refused: HTTP status and error code."""

    status: int
    code: str

    def __str__(self) -> str:
        return f"HTTP {self.status} {self.code}".strip()

    @property
    def not_in_conversation(self) -> bool:
        return self.status == 403 and self.code == NOT_IN_ROSTER


def refusal(exc: BaseException) -> Refusal | None:
    """The connector's answer behind `exc` (botframework-connector's ErrorResponseException carries the HTTP
    response and its `{"error": {"code", "message"}}` body), or None when no answer came back (a timeout, a
    bug)."""
    status, _ = _status_and_headers(exc)
    if not status:
        return None
    code = getattr(getattr(getattr(exc, "error", None), "error", None), "code", None)
    if not isinstance(code, str):
        code = _code_in_body(getattr(exc, "response", None))
    return Refusal(status, code[:80])


def _code_in_body(response: object) -> str:
    text = getattr(response, "text", None)
    try:
        body = json.loads(text() if callable(text) else text or "")
    except (TypeError, ValueError):
        return ""
    error = body.get("error") if isinstance(body, dict) else None
    code = error.get("code") if isinstance(error, dict) else None
    return code if isinstance(code, str) else ""
