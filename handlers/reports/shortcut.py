"""“What do we drop?” on any message: a Slack message shortcut (callback id `tradeoff_message`) or a Teams
message extension action (command id `tradeoff`) opens the trade-off prompt in that message's thread,
quoting it, as if the scope-creep watch had fired: the same one-prompt-per-thread claim, the same prompt
(with "Not scope creep"), the same buttons and decisions. A person asked for it, so neither the detector nor
the channel's watch switch has a say; the detector only picks the quote when it finds one. The prompt is
stored as asked for (`REQUEST`), not as the watch's: dismissing it is no false alarm and teaches the
channel's threshold nothing (turning the watch down is for the channel's owner, `/steadybot settings`).

Adapters call it as the core action `tradeoff.message`: `Interaction.value` is the message text, `where`
the channel with `thread_id` set to the thread's root (the message itself when it is not in a thread).
"""

from __future__ import annotations

import logging

from handlers.core.errors import UserError
from handlers.core.services import Services
from handlers.core.text import clean
from handlers.core.types import Interaction, Reply
from handlers.scope.cards import prompt_reply
from handlers.scope.meeting import meeting_now
from handlers.scope.ports import REQUEST
from handlers.scope.store import scope_store
from handlers.scope.watch import MOST_EAGER, REQUEST_MAX, detect

log = logging.getLogger("steadybot.scope")

QUOTE_MAX = 200


async def prompt_on_message(interaction: Interaction, svc: Services) -> Reply:
    place = interaction.where
    if place.is_direct:
        raise UserError("“What do we drop?” works on messages in a team channel, not in a direct chat.")
    text = clean(interaction.value, REQUEST_MAX)
    if not text.strip():
        raise UserError("That message has no text I can weigh. Try `/tradeoff <the request>` instead.",
                        "/tradeoff add a CSV export")
    root = place.thread_id
    if not root:
        raise UserError("I couldn't tell which message that was. Please try again from the message's menu.")
    detection = detect(text, sensitivity=MOST_EAGER)
    quote = detection.quote if detection.is_scope_creep and detection.quote else text[:QUOTE_MAX]
    prompt = await scope_store(svc).claim_thread(place.without_thread(), root[:300], text, quote, detection.score,
                                                 REQUEST)
    if prompt is None:
        raise UserError("This thread already has a “what do we drop?” prompt — it's further up in the thread.")
    log.info("scope prompt %s opened on request in %s", prompt.id, place.key)
    return prompt_reply(prompt, await meeting_now(svc, place))


async def unposted(interaction: Interaction, svc: Services) -> None:
    """The prompt `prompt_on_message` opened for this message could not be posted (the bot is not in the
    conversation, the platform refused): the thread's claim is given back, so the same action on the same
    message works once the bot can post there. Only an undecided prompt someone asked for is released."""
    root = interaction.where.thread_id
    if root and await scope_store(svc).release_request(interaction.where.without_thread(), root[:300]):
        log.info("scope prompt on request in %s not posted: the thread's claim was given back",
                 interaction.where.key)
