"""Timeboxes: `/timebox 25m topic` in a channel or thread, warnings at half time, near the end and at the end,
extend, stop, replace. A meeting's timer is a timebox too (see handlers/meetings)."""

from __future__ import annotations

from functools import partial

from handlers.core.registry import CommandSpec, Registry
from handlers.timebox import commands, warnings
from handlers.timebox.engine import CLOSE, ITEM, WARN, TimeboxEngine
from handlers.timebox.ports import MeetingLink

__all__ = ["TimeboxEngine", "register"]


def register(registry: Registry, link: MeetingLink | None = None) -> TimeboxEngine:
    """Register `/timebox`, its buttons and its outbox kinds. `link` lets a meeting's box report back."""
    engine = TimeboxEngine(link)
    registry.command(CommandSpec(
        name="timebox",
        summary="a timer for this channel or thread, with warnings before the end",
        intro="A timebox keeps a call or a discussion to the time it deserves. Everyone here sees the warnings.",
        usage=(
            ("<duration> [topic]", "starts a timer here; I warn at half time, at 5 minutes left (20 % left for "
                                   "boxes under 25 minutes) and at the end — from 1 minute up to 8 hours"),
            ("extend <duration>", "gives the running timer more time"),
            ("stop", "stops it and records the time given back"),
            ("", "shows what's running here"),
        ),
        handler=partial(commands.command, engine=engine),
        examples=("25m design review", "10m", "1h30m planning", "extend 5m", "stop"),
    ))
    registry.action("timebox.extend", partial(commands.press_extend, engine=engine))
    registry.action("timebox.stop", partial(commands.press_stop, engine=engine))
    registry.action("timebox.replace", partial(commands.press_replace, engine=engine))
    registry.action("timebox.keep", commands.press_keep)
    registry.outbox_kind(WARN, partial(warnings.warn, engine=engine))
    registry.outbox_kind(ITEM, warnings.item)
    registry.outbox_kind(CLOSE, partial(warnings.close, engine=engine))
    return engine
