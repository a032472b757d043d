"""Everything Slack sends is acknowledged with a 2xx, also what no listener of ours is for.

Bolt answers 404 when no listener matches, and Slack counts non-2xx answers against the app (events are
retried and eventually switched off; a modal shows an error). The adapter sets
`raise_error_for_unhandled_request=True`, so Bolt hands an unmatched request to the app's error handler
(`app.error`) *after* every listener has had its chance — whatever order listeners are registered in, none
is swallowed. The handler acknowledges it (select-menu option requests with an empty option list) and
logs its kind at DEBUG. Listener errors are logged at ERROR with their traceback, as Bolt's default does.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.error import BoltUnhandledRequestError
from slack_bolt.middleware.async_middleware_error_handler import AsyncDefaultMiddlewareErrorHandler
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse

from handlers.core.errors import SORRY_DATABASE, StorageUnavailable

log = logging.getLogger("steadybot.slack")
OPTION_REQUESTS = frozenset({"block_suggestion", "dialog_suggestion"})


def request_kind(body: dict[str, Any]) -> str:
    """`event_callback/reaction_added`, `shortcut/<callback_id>`, `view_closed/<callback_id>` …"""
    kind = str(body.get("type") or ("slash_command" if body.get("command") else "unknown"))[:40]
    event = body.get("event")
    if isinstance(event, dict):
        return f"{kind}/{str(event.get('type') or '')[:40]}"
    view = body.get("view")
    detail = body.get("callback_id") or (view.get("callback_id") if isinstance(view, dict) else None)
    return f"{kind}/{str(detail)[:60]}" if detail else kind


async def on_error(error: Exception, request: AsyncBoltRequest, body: dict[str, Any]) -> BoltResponse | None:
    if isinstance(error, BoltUnhandledRequestError):
        kind = request_kind(body if isinstance(body, dict) else {})
        log.debug("Slack request with no listener acknowledged: %s", kind)
        if kind.split("/", 1)[0] in OPTION_REQUESTS:
            return BoltResponse(status=200, body={"options": []})
        return BoltResponse(status=200, body="")
    log.exception("Slack listener failed: %s", type(error).__name__, exc_info=error)
    return None


#: Tells the person who pressed a button (or ran a message shortcut) "try again" through the press's
#: response_url, after the ack: (the request, its response_url).
Tell = Callable[[AsyncBoltRequest, str], None]


def response_url_of(body: dict[str, Any]) -> str:
    """Where a press (block_actions, a message shortcut) can be answered without a token: its response_url,
    or "" when it has none (a modal's submission, a global shortcut, an event)."""
    url = body.get("response_url")
    return url if isinstance(url, str) and url.startswith(("https://", "http://")) else ""


def first_input(body: dict[str, Any]) -> str:
    """A submitted modal's first input block, to hang a message on with `{"response_action": "errors"}` (which
    keeps the modal open; Slack takes input blocks only there): from `view.blocks`, which Slack echoes back;
    only a view without them falls back to the first of `view.state.values`. "" when it has none."""
    view = body.get("view")
    if not isinstance(view, dict):
        return ""
    blocks = view.get("blocks")
    if isinstance(blocks, list):  # `state.values` also holds a section's select menu: not an input
        for block in blocks[:100]:
            if isinstance(block, dict) and block.get("type") == "input":
                block_id = block.get("block_id")
                if isinstance(block_id, str) and 0 < len(block_id) <= 255:
                    return block_id
        return ""
    state = view.get("state")
    values = state.get("values") if isinstance(state, dict) else None
    for block_id in values if isinstance(values, dict) else ():
        if isinstance(block_id, str) and 0 < len(block_id) <= 255:
            return block_id
    return ""


class MiddlewareErrors(AsyncDefaultMiddlewareErrorHandler):
    """Bolt's own handling of errors raised in middleware, but for a database that does not answer Bolt's
    installation lookup before the ack (OAuth mode, a workspace this process never read: bot/slack/oauth.py,
    `_looked_up`): acknowledged 200 — a slash command's with the friendly words Slack shows the person, a
    submitted modal's with them under its first input (the modal stays open, what was typed is kept), and a
    button press (or a message shortcut) told them through its response_url once the 200 is written (`tell`):
    without them the person pressed or submitted and nothing happened. A press inside a modal or on the App
    Home carries no response_url, and still gets only its 200."""

    def __init__(self, base_logger: logging.Logger, tell: Tell | None = None) -> None:
        super().__init__(base_logger)
        self.tell = tell

    async def handle(self, error: Exception, request: AsyncBoltRequest, response: BoltResponse | None) -> None:
        if isinstance(error, StorageUnavailable) and response is not None:
            log.warning("Slack request acknowledged without its work: the database does not answer")
            body = request.body if isinstance(request.body, dict) else {}
            response.status = 200
            response.body = ""
            if body.get("command"):
                response.body = SORRY_DATABASE
            elif body.get("type") == "view_submission" and (block := first_input(body)):
                response.body = json.dumps({"response_action": "errors", "errors": {block: SORRY_DATABASE}})
                response.headers["content-type"] = ["application/json;charset=utf-8"]
            elif self.tell is not None and (url := response_url_of(body)):
                self.tell(request, url)
            return
        await super().handle(error, request, response)


def register(app: AsyncApp, tell: Tell | None = None) -> None:
    app.error(on_error)
    # `app.error` also takes over errors raised in middleware and listener matchers (a signed but impossible
    # body, which Slack never sends: answered 400 by the adapter). Those keep Bolt's own handling and log
    # line, as before (but a database that does not answer: `MiddlewareErrors`); only listener errors and
    # unmatched requests come here.
    if hasattr(app, "_async_middleware_error_handler"):
        app._async_middleware_error_handler = MiddlewareErrors(app.logger, tell)
