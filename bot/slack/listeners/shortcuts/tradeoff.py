"""The message shortcut “What do we drop?” (callback id `tradeoff_message`, declared in manifest.yml): the
trade-off prompt in that message's thread, quoting it (handlers/reports/shortcut.py)."""

from __future__ import annotations

from slack_bolt.async_app import AsyncAck

from bot.inbound import Inbound, Pipeline
from bot.slack.replier import SlackReplier

CALLBACK_ID = "tradeoff_message"


async def tradeoff(ack: AsyncAck, inbound: Inbound | None, replier: SlackReplier | None, pipeline: Pipeline) -> None:
    await ack()
    if inbound is not None and replier is not None:
        pipeline.later(inbound, replier)
