"""The Bolt global middleware between Slack and the shared pipeline (bot/inbound.py).

It runs for every request after Bolt's own middleware (authorisation, our OAuth workspace note) and before
the listeners: it parses the request once (bot/slack/payloads.py) and puts in the Bolt context what the
listeners ask for by name, as Bolt injects context values into listener arguments:

- `inbound`: the request as an `Inbound` (None when it asks nothing of the core, and for chat events),
- `parse_later`: for a chat event (a message, an @mention), what parses it into its `Inbound` and replier:
  Bolt acknowledges an event with an empty 200 whatever its listener does, so the chat listener parses it
  in the after-ack lane, not before the ack (docs/benchmarks.md#the-acknowledgement-itself-slack),
- `replier`: a `SlackReplier` for where its answer goes (None when there is nowhere),
- `refused`: a modal whose metadata is not the bot's seal for this person (answered "no longer valid"),
- `pipeline`: the shared pipeline for this request, `acked_by` the adapter's `ack_written` (bot/inbound.py):
  whatever a listener starts with `pipeline.later` or `pipeline.run` waits until the 200 is written, so work
  that never yields (SQLite units on the loop's own connection) cannot hold it back,
- `home`, `workspaces`: the App Home publisher, the uninstall clean-up,
- `answer_in_ack`: how long a slash command's ack may wait for its answer (bot/slack/ack_answer.py).

Listeners (bot/slack/listeners/) acknowledge and hand the `Inbound` to `pipeline.later` (other work to
`pipeline.run`, never to `pipeline.lane` itself); the work runs in the after-ack lane once the ack is
written. The app runs with `process_before_response=True`: Bolt runs a listener inline and returns its ack
at once (without it, Bolt starts the listener as a task and polls for the ack every 10 ms).

It is an `AsyncMiddleware` (Bolt calls `async_process(req=, resp=, next=)` on it), not a function Bolt
injects arguments into: for a function, Bolt builds every argument it could inject (`say`, `respond`, the
payload views…) on every request, before the ack (docs/benchmarks.md#the-acknowledgement-itself-slack).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.middleware.async_middleware import AsyncMiddleware
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse

from bot.inbound import Inbound, Pipeline
from bot.slack import payloads
from bot.slack.home import HomePublisher
from bot.slack.listeners.unhandled import request_kind
from bot.slack.replier import Respond, SlackReplier
from bot.slack.response_urls import ResponseUrls
from bot.slack.workspaces import Workspaces

log = logging.getLogger("steadybot.slack")
CHAT_EVENTS = frozenset({"message", "app_mention"})  # bot/slack/listeners/events/chat.py


class Inbounds(AsyncMiddleware):
    def __init__(self, pipeline: Pipeline, home: HomePublisher, workspaces: Workspaces,
                 response_urls: ResponseUrls, answer_in_ack: float = 0.0) -> None:
        self.pipeline = pipeline
        self.home = home
        self.workspaces = workspaces
        self.response_urls = response_urls  # where an answer may be POSTed (bot/slack/response_urls.py)
        self.answer_in_ack = answer_in_ack

    @property
    def name(self) -> str:
        return "steadybot.Inbounds"

    async def async_process(self, *, req: AsyncBoltRequest, resp: BoltResponse,
                            next: Callable[[], Awaitable[BoltResponse]]) -> BoltResponse | None:  # noqa: A002 - Bolt's name
        context = req.context
        body: dict[str, Any] = req.body if isinstance(req.body, dict) else {}
        if log.isEnabledFor(logging.DEBUG):  # its kind only, never its body (issue 12)
            log.debug("slack request %s; %d in flight", request_kind(body), self.pipeline.lane.in_flight)
        if chat_event(body):  # acknowledged by Bolt whatever it asks: parsed after the ack (`parse_later`)
            self.put(context, None)
            context["parse_later"] = lambda: self.inbound(body, context)
        else:
            self.put(context, payloads.parse(body, context.bot_user_id or "", self.pipeline.seal))
        context["pipeline"] = self.pipeline.acked_by(context.get("ack_written"))  # None over Socket Mode
        context["home"] = self.home
        context["workspaces"] = self.workspaces
        context["answer_in_ack"] = self.answer_in_ack
        return await next()

    def put(self, context: AsyncBoltContext, parsed: payloads.Parsed | None) -> None:
        if parsed is None:
            context["inbound"] = context["replier"] = None
            context["refused"] = False
        else:
            context["inbound"], context["replier"] = parsed.inbound, self.replier(parsed, context)
            context["refused"] = parsed.refused

    def replier(self, parsed: payloads.Parsed, context: AsyncBoltContext) -> SlackReplier:
        url = self.response_urls.admit(context.response_url) if parsed.to.respond else ""
        respond = Respond(url, context.client.session) if url else None
        return SlackReplier.to(parsed.to, context.client, respond, self.pipeline.seal)

    def inbound(self, body: dict[str, Any], context: AsyncBoltContext) -> tuple[Inbound, SlackReplier] | None:
        """A chat event's request and replier, parsed after its acknowledgement (the chat listener)."""
        parsed = payloads.parse(body, context.bot_user_id or "", self.pipeline.seal)
        if parsed is None or parsed.inbound is None:
            return None
        return parsed.inbound, self.replier(parsed, context)


def chat_event(body: dict[str, Any]) -> bool:
    """A message or an @mention (the chat listener's events): Bolt acknowledges events with an empty 200
    whatever the listener does, so nothing about the ack depends on their parse."""
    if body.get("type") != "event_callback":
        return False
    event = body.get("event")
    return isinstance(event, dict) and event.get("type") in CHAT_EVENTS
