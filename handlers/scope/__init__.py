"""Scope creep: "happy to — what do we drop?" thread replies, trade-off decisions, commitments, parking lot.

- `watch.py` — the channel watcher (detector + settings + learned offset + one prompt per thread)
- `detector.py` — the explainable pattern classifier
- `cards.py` — the prompt and its steps as replies
- `actions.py` — buttons and forms: drop something, extend the deadline, park it, not scope creep
- `commands.py` — `/tradeoff`
- `meeting.py` — "park it for after the meeting" (with the meetings feature)
- `api.py` — `decisions_summary` for the team report
"""

from __future__ import annotations

from handlers.core.registry import Registry


def register(registry: Registry) -> None:
    from handlers.scope import actions, commands, meeting, watch

    registry.command(commands.SPEC)
    registry.watch(watch.watch_message)
    actions.register(registry)
    registry.outbox_kind(meeting.AFTER_MEETING, meeting.prepare_after_meeting)
