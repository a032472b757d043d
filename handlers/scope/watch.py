"""The watcher: ordinary channel messages in, at most one "what do we drop?" prompt per thread out.

Order of the checks, cheapest first:
1. edits, bots, direct chats and empty messages are never considered (an edited message was already
   considered when it was posted, so an edit never brings a prompt, let alone a second one);
2. the detector, once, at its most eager setting: when even that does not fire, no channel setting could,
   and the message costs no database query at all (that is nearly all team chat);
3. the channel's settings (watch on/off, sensitivity) and its learned offset, then the real decision: the
   same score against the channel's own threshold (the score does not depend on the sensitivity,
   handlers/scope/sensitivity.py, so the detector does not run again);
4. the atomic claim of the thread (a unique key per channel and thread root, inserted before replying),
   so one thread gets one prompt, ever, even with several replicas and redelivered events. This claim is
   what makes the watcher idempotent (the contract on `Registry.watch`): the pipeline keeps no
   de-duplication key for chat. Once the claim got in, the meeting in progress (for "park it for after
   the meeting").
Steps 3 and 4 are one unit of work in the store (`ScopeStore.claim_watched`, the decision passed in).
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from handlers.core.services import Services
from handlers.core.text import clean
from handlers.core.types import ChatMessage, Reply
from handlers.scope.cards import prompt_reply
from handlers.scope.meeting import meetings_here
from handlers.scope.ports import Learning, Watching
from handlers.scope.sensitivity import SENSITIVITIES, THRESHOLDS, score_needed
from handlers.scope.store import scope_store

if TYPE_CHECKING:
    from handlers.scope.detector import Detection

log = logging.getLogger("steadybot.scope")

#: How "not scope creep" teaches a channel: +0.25 on its threshold per dismissal, at most +1.0 (a channel at
#: `normal` then asks as much as `low` does); a confirmed prompt (drop, extend, park) gives 0.1 back, never
#: below 0.
LEARNING = Learning(step=0.25, cap=1.0, relax=0.1)
#: The most eager sensitivity: with offsets never below zero, nothing fires that this does not.
MOST_EAGER = min(SENSITIVITIES, key=lambda s: THRESHOLDS[s])
REQUEST_MAX = 4000


def detect(text: str, *, sensitivity: str = "normal", offset: float = 0.0) -> Detection:
    """The detector (handlers/scope/detector.py), imported by the first message it reads: its patterns are
    compiled on import, work a start need not do (docs/benchmarks.md, "Cold start")."""
    from handlers.scope.detector import detect as detector

    return detector(text, sensitivity=sensitivity, offset=offset)


def sensitivity_of(value: str) -> str:
    return value if value in SENSITIVITIES else "normal"


async def watch_message(message: ChatMessage, svc: Services) -> Reply | None:
    if message.is_edit or message.who.is_bot or message.where.is_direct:
        return None
    text = message.text if isinstance(message.text, str) else ""
    if not text.strip():
        return None
    detection = detect(text, sensitivity=MOST_EAGER)
    if not detection.is_scope_creep:
        return None
    place = message.where
    root = place.thread_id or message.message_id
    if not root:
        return None

    def admit(watching: Watching) -> float | None:
        needed = score_needed(sensitivity_of(watching.sensitivity), float(watching.learning.offset))
        return None if detection.score < needed else needed

    claimed = await scope_store(svc).claim_watched(
        place.without_thread(), root[:300], clean(text, REQUEST_MAX), detection.quote, detection.score, admit,
        svc.clock.now() if meetings_here() else None)
    if claimed is None:
        return None  # the watch is off, the score is under the channel's threshold, or the thread had its prompt
    prompt = claimed.prompt
    # What an operator tunes a channel's sensitivity from: written once the reply is on its way, not before it (the
    # same line; the handle carries the request's context, so its id too). A timer, not `call_soon`: the HTTP client
    # writes a request's body from a task of its own, queued after whatever `call_soon` queued while the reply was
    # built, so this line would hold the reply back (docs/benchmarks.md#time-to-the-reply-slack).
    asyncio.get_running_loop().call_later(0, log.info, "scope prompt %s opened in %s (score %.2f, threshold %.2f)",
                                          prompt.id, place.key, detection.score, claimed.threshold)
    return prompt_reply(prompt, claimed.meeting)
