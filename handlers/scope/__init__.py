"""Scope creep: "happy to — what do we drop?" thread replies, trade-off decisions, commitments, parking lot.

- `watch.py` — the channel watcher (detector + settings + learned offset + one prompt per thread)
- `detector.py` — the explainable pattern classifier
- `cards.py` — the prompt and its steps as replies
- `actions.py` — buttons and forms: drop something, extend the deadline, park it, not scope creep
- `commands.py` — `/tradeoff`
- `meeting.py` — "park it for after the meeting" (with the meetings feature)
- `api.py` — `decisions_summary` for the team report
- `catalog.py` — what the registry names; `wiring.py` builds the handlers on the first call of one
"""

from __future__ import annotations

from handlers.core.lazy import Feature
from handlers.core.registry import CommandSpec, Registry
from handlers.scope import catalog


def register(registry: Registry) -> None:
    feature = Feature("handlers.scope.wiring:handlers")
    registry.command(CommandSpec(
        name="tradeoff",
        summary="\"happy to — what do we drop?\": trade-offs, commitments and the parking lot",
        usage=catalog.USAGE,
        handler=feature.handler("tradeoff"),
        examples=catalog.EXAMPLES,
        intro=catalog.INTRO,
    ))
    registry.watch(feature.handler("watch_message"))
    registry.action("scope.drop", feature.handler("press_drop"))
    registry.action("scope.drop.item", feature.handler("press_drop_item"))
    registry.action("scope.drop.type", feature.handler("press_drop_type"))
    registry.action("scope.extend", feature.handler("press_extend"))
    registry.action("scope.extend.other", feature.handler("press_extend_other"))
    registry.action("scope.extend.by", feature.handler("press_extend_by"))
    registry.action("scope.park", feature.handler("press_park"))
    registry.action("scope.park.meeting", feature.handler("press_park_for_meeting"))
    registry.action("scope.dismiss", feature.handler("press_dismiss"))
    registry.action("scope.back", feature.handler("press_back"))
    registry.form(catalog.DROP_FORM, feature.handler("open_drop_form"), feature.handler("submit_drop_form"))
    registry.form(catalog.EXTEND_FORM, feature.handler("open_extend_form"),
                  feature.handler("submit_extend_form"))
    registry.outbox_kind(catalog.AFTER_MEETING, feature.handler("prepare_after_meeting"))
