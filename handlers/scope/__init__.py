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

from handlers.core.registry import CommandSpec, Registry


def register(registry: Registry) -> None:
    from handlers.scope import actions, cards, commands, meeting, watch

    registry.command(CommandSpec(
        name="tradeoff",
        summary="\"happy to — what do we drop?\": trade-offs, commitments and the parking lot",
        usage=commands.USAGE,
        handler=commands.tradeoff,
        examples=commands.EXAMPLES,
        intro=commands.INTRO,
    ))
    registry.watch(watch.watch_message)
    registry.action("scope.drop", actions.press_drop)
    registry.action("scope.drop.item", actions.press_drop_item)
    registry.action("scope.drop.type", actions.press_drop_type)
    registry.action("scope.extend", actions.press_extend)
    registry.action("scope.extend.other", actions.press_extend_other)
    registry.action("scope.extend.by", actions.press_extend_by)
    registry.action("scope.park", actions.press_park)
    registry.action("scope.park.meeting", actions.press_park_for_meeting)
    registry.action("scope.dismiss", actions.press_dismiss)
    registry.action("scope.back", actions.press_back)
    registry.form(cards.DROP_FORM, actions.open_drop_form, actions.submit_drop_form)
    registry.form(cards.EXTEND_FORM, actions.open_extend_form, actions.submit_extend_form)
    registry.outbox_kind(meeting.AFTER_MEETING, meeting.prepare_after_meeting)
