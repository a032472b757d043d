"""Every slash command: acknowledged with an empty 200, answered through its response_url after the ack."""

from __future__ import annotations

from slack_bolt.async_app import AsyncAck

from bot.inbound import Inbound, Pipeline
from bot.slack.replier import SlackReplier

UNREADABLE = "I couldn't read that command. Try `/steadybot help`."


async def slash_command(ack: AsyncAck, inbound: Inbound | None, replier: SlackReplier | None,
                        pipeline: Pipeline) -> None:
    if inbound is None or replier is None:
        await ack(text=UNREADABLE, response_type="ephemeral")  # the ack's own body: shown to the person
        return
    await ack()
    pipeline.later(inbound, replier)
