"""A modal submitted: the modal closes at once (the ack), then the core records the form. A modal whose
metadata is not the bot's seal for this person (bot/slack/payloads.py) gets the "no longer valid" answer
in the person's DM."""

from __future__ import annotations

from slack_bolt.async_app import AsyncAck

from bot.inbound import Inbound, Pipeline
from bot.sealing import invalid_reply
from bot.slack.replier import SlackReplier


async def form_submitted(ack: AsyncAck, inbound: Inbound | None, replier: SlackReplier | None, refused: bool,
                         pipeline: Pipeline) -> None:
    await ack()
    if replier is None:
        return
    if refused:
        pipeline.run(replier.send(invalid_reply()), "slack form refused")
    elif inbound is not None:
        pipeline.later(inbound, replier)
