"""Timeboxes: `/timebox 25m topic` in a channel or thread, warnings at half time, near the end and at the end,
extend, stop, replace. A meeting's timer is a timebox too (see handlers/meetings).

`register` names the handlers; `wiring.handlers` builds them on the first call of one."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from handlers.core.lazy import Feature
from handlers.core.registry import CommandSpec, Registry
from handlers.timebox.catalog import CLOSE, ITEM, WARN

if TYPE_CHECKING:
    from handlers.timebox.ports import MeetingLink

__all__ = ["register"]


def register(registry: Registry, link: Callable[[], MeetingLink] | None = None) -> None:
    """Register `/timebox`, its buttons and its outbox kinds. `link` builds what lets a meeting's box report
    back (called when the feature is first used)."""
    feature = Feature("handlers.timebox.wiring:handlers", link=link)
    registry.command(CommandSpec(
        name="timebox",
        summary="a timer for this channel or thread, with warnings before the end",
        intro="A timebox keeps a call or a discussion to the time it deserves. Everyone here sees the warnings.",
        usage=(
            ("<duration> [topic]", "starts a timer here; I warn at half time, at 5 minutes left (20 % left for "
                                   "boxes under 25 minutes) and at the end — from 1 minute up to 8 hours"),
            ("extend <duration>", "gives the running timer more time (also right after “Time's up”)"),
            ("stop", "stops it and records the time given back"),
            ("", "shows what's running here"),
        ),
        handler=feature.handler("command"),
        examples=("25m design review", "10m", "1h30m planning", "extend 5m", "stop"),
    ))
    registry.action("timebox.extend", feature.handler("press_extend"))
    registry.action("timebox.stop", feature.handler("press_stop"))
    registry.action("timebox.replace", feature.handler("press_replace"))
    registry.action("timebox.keep", feature.handler("press_keep"))
    registry.outbox_kind(WARN, feature.handler("warn"))
    registry.outbox_kind(ITEM, feature.handler("item"))
    registry.outbox_kind(CLOSE, feature.handler("close"))
