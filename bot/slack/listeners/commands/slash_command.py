"""Every slash command: its work starts at once in the after-ack lane (the one listener whose work does not
wait for its ack: `wait_for_ack=False`); the ack waits a small budget for the answer and carries it in its
body if it is ready (bot/slack/ack_answer.py), else it goes empty and the answer follows through
response_url. When the budget is off or the lane's queue says the answer cannot come within it (deep in a
burst) the ack goes empty at once and the work starts once it is written, as on every other path."""

from __future__ import annotations

from slack_bolt.async_app import AsyncAck

from bot.inbound import AfterAck, Inbound, Pipeline
from bot.slack.ack_answer import AckAnswer
from bot.slack.replier import SlackReplier

UNREADABLE = "I couldn't read that command. Try `/steadybot help`."


def worth_waiting(lane: AfterAck, budget: float) -> bool:
    """Whether the ack may wait for the answer: its work starts within about one round of the lane and,
    by the lane's recent pace, within the budget. Deeper in a burst the answer would miss the budget anyway
    (a burst's later requests are still being received while the first ones work), so the ack goes empty at
    once and the answer follows through response_url (docs/benchmarks.md#ack-wait-under-a-burst-slack)."""
    return lane.queued_ahead <= lane.width and lane.expected_wait() <= budget


async def slash_command(ack: AsyncAck, inbound: Inbound | None, replier: SlackReplier | None,
                        pipeline: Pipeline, answer_in_ack: float) -> None:
    if inbound is None or replier is None:
        await ack(text=UNREADABLE, response_type="ephemeral")  # the ack's own body: shown to the person
        return
    if answer_in_ack <= 0 or replier.respond is None or not worth_waiting(pipeline.lane, answer_in_ack):
        await ack()
        pipeline.later(inbound, replier)
        return
    slot = replier.ack_answer = AckAnswer()
    try:
        message = await slot.wait(pipeline.later(inbound, replier, wait_for_ack=False), answer_in_ack)
        if message is None:
            await ack()
        else:
            await ack(message)
    finally:
        slot.acked()
