"""Bot Framework connector failures → outbox delivery errors."""

from __future__ import annotations

import asyncio

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
