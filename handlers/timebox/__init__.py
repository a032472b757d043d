"""Timeboxes: `/timebox 25m topic` in a channel or thread, warnings at half time, near the end and at the end,
extend, stop, replace. A meeting's timer is a timebox too (see handlers/meetings)."""

from __future__ import annotations

from handlers.core.registry import CommandSpec, Registry
from handlers.timebox import engine as _engine
from handlers.timebox.commands import TimeboxCommands
from handlers.timebox.engine import TimeboxEngine
from handlers.timebox.ports import MeetingLink
from handlers.timebox.warnings import make_preparers

__all__ = ["TimeboxEngine", "register"]


def register(registry: Registry, link: MeetingLink | None = None) -> TimeboxEngine:
    """Register `/timebox`, its buttons and its outbox kinds. `link` lets a meeting's box report back."""
    engine = TimeboxEngine(link)
    commands = TimeboxCommands(engine)
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
        handler=commands.command,
        examples=("25m design review", "10m", "1h30m planning", "extend 5m", "stop"),
    ))
    registry.action("timebox.extend", commands.press_extend)
    registry.action("timebox.stop", commands.press_stop)
    registry.action("timebox.replace", commands.press_replace)
    registry.action("timebox.keep", commands.press_keep)
    warn, item, close = make_preparers(engine)
    registry.outbox_kind(_engine.WARN, warn)
    registry.outbox_kind(_engine.ITEM, item)
    registry.outbox_kind(_engine.CLOSE, close)
    return engine
