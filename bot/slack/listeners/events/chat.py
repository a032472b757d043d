"""A message in a channel (for the watchers: scope creep, answered in its thread), a DM to the bot or an
@mention of it (typed commands). Bolt acknowledges events itself, with an empty 200, once this returns; the
work — parsing the event included (`parse_later`: bot/slack/middleware.py) — starts once that
acknowledgement is written (`pipeline.run`)."""

from __future__ import annotations

from collections.abc import Callable

from bot.inbound import Inbound, Pipeline
from bot.slack.replier import SlackReplier

ParseLater = Callable[[], tuple[Inbound, SlackReplier] | None]


async def chat(parse_later: ParseLater, pipeline: Pipeline) -> None:
    pipeline.run(_handle(parse_later, pipeline), "inbound chat")


async def _handle(parse_later: ParseLater, pipeline: Pipeline) -> None:
    parsed = parse_later()
    if parsed is not None:
        await pipeline.handle(*parsed)
