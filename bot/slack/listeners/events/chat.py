"""A message in a channel (for the watchers: scope creep, answered in its thread), a DM to the bot or an
@mention of it (typed commands). Bolt acknowledges events itself once this returns; the work starts once that
acknowledgement is written (`pipeline.later`: bot/slack/middleware.py)."""

from __future__ import annotations

from bot.inbound import Inbound, Pipeline
from bot.slack.replier import SlackReplier


async def chat(inbound: Inbound | None, replier: SlackReplier | None, pipeline: Pipeline) -> None:
    if inbound is not None and replier is not None:
        pipeline.later(inbound, replier)
