"""A button on a message the bot sent (block_actions): its sealed value is opened by the pipeline; a form's
launch button opens the form as a modal."""

from __future__ import annotations

from slack_bolt.async_app import AsyncAck

from bot.inbound import Inbound, Pipeline
from bot.slack.replier import SlackReplier


async def button_press(ack: AsyncAck, inbound: Inbound | None, replier: SlackReplier | None,
                       pipeline: Pipeline) -> None:
    await ack()
    if inbound is not None and replier is not None:
        pipeline.later(inbound, replier)
