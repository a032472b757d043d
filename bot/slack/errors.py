"""Slack Web API failures → outbox delivery errors."""

from __future__ import annotations

import asyncio

import aiohttp
from slack_sdk.errors import SlackApiError

from bot.outbox.errors import ChannelArchived, DeliveryError, PermanentError, RateLimited, TransientError

PERMANENT = frozenset({
    "channel_not_found", "not_in_channel", "user_not_found", "account_inactive",
    "invalid_blocks", "invalid_blocks_format", "msg_too_long", "no_text", "cannot_dm_bot", "user_disabled",
    "restricted_action", "not_authed", "invalid_auth", "token_revoked", "missing_scope", "message_not_found",
    "cant_update_message", "edit_window_closed", "messages_tab_disabled", "team_access_not_granted",
})  # fmt: skip


def rate_limited(exc: SlackApiError) -> bool:
    """Whether Slack refused the call for its rate limit (HTTP 429, or `ratelimited` in the answer)."""
    response = exc.response
    status = getattr(response, "status_code", 0) or 0
    return status == 429 or (response is not None and str(response.get("error", "")) == "ratelimited")


def retry_after(exc: SlackApiError, default: float) -> float:
    """The seconds Slack's `Retry-After` header asks to wait, or `default` when it says nothing readable."""
    headers = getattr(exc.response, "headers", {}) or {}
    retry = headers.get("Retry-After") or headers.get("retry-after")
    try:
        return float(retry) if retry is not None else default
    except (TypeError, ValueError):
        return default


def classify(exc: BaseException, scope: str) -> DeliveryError:
    if isinstance(exc, SlackApiError):
        response = exc.response
        status = getattr(response, "status_code", 0) or 0
        error = str(response.get("error", "")) if response is not None else ""
        if status == 429 or error == "ratelimited":
            return RateLimited(retry_after(exc, 1.0), scope)
        if status >= 500 or error in ("internal_error", "fatal_error", "service_unavailable", "request_timeout"):
            return TransientError(f"slack {status} {error}")
        if error == "is_archived":  # permanent too, but the outbox parks a channel's row instead of failing it
            return ChannelArchived(f"slack {error}")
        if error in PERMANENT:
            return PermanentError(f"slack {error}")
        return TransientError(f"slack {status} {error}", maybe_delivered=False)  # a clear "no" from Slack
    if isinstance(exc, aiohttp.ClientConnectorError):  # never connected: Slack has nothing of it
        return TransientError(f"{type(exc).__name__}", maybe_delivered=False)
    if isinstance(exc, aiohttp.ClientError | asyncio.TimeoutError | ConnectionError | OSError):
        return TransientError(f"{type(exc).__name__}")  # the request may have gone out: check before resending
    return TransientError(f"{type(exc).__name__}")
