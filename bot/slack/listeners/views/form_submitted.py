"""A modal submitted: the ack answers at once, then the core records the form.

- A modal whose metadata is not the bot's seal for this person (bot/slack/payloads.py) closes and gets the
  "no longer valid" answer in the person's DM, whatever its values: nothing is recorded.
- A required input left empty, or a choice the form never offered (a forged or replayed submission, a
  client that sends an empty `state.values`): the ack is `{"response_action": "errors", "errors":
  {block id: message}}`, Slack's way to keep the modal open with the message under the field
  (https://docs.slack.dev/surfaces/modals#displaying_errors). Nothing runs, so the view's id is not spent
  and the same modal, completed, is recorded.
- Otherwise the modal closes (an empty ack) and the core records it after the ack; what the core refuses
  with no field to point at (a closed round, a second answer) is answered in the DM.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncAck

from bot.inbound import Inbound, Pipeline
from bot.sealing import invalid_reply
from bot.slack.payloads import view_errors
from bot.slack.replier import SlackReplier

log = logging.getLogger("steadybot.slack")


async def form_submitted(ack: AsyncAck, body: dict[str, Any], inbound: Inbound | None, replier: SlackReplier | None,
                         refused: bool, pipeline: Pipeline) -> None:
    if refused or inbound is None or replier is None:
        await ack()
        if refused and replier is not None:
            pipeline.run(replier.send(invalid_reply()), "slack form refused")
        return
    errors = view_errors(body)
    if errors:
        log.info("slack form submitted without %d required value(s): kept open", len(errors))  # ids only
        await ack(response_action="errors", errors=errors)
        return
    await ack()
    pipeline.later(inbound, replier)
