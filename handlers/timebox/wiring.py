"""`/timebox`'s handlers, built when the first of them is called (`handlers.timebox.register` names them)."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from handlers.timebox import commands, warnings
from handlers.timebox.engine import TimeboxEngine
from handlers.timebox.ports import MeetingLink


def handlers(link: Callable[[], MeetingLink] | None = None) -> dict[str, Callable[..., Any]]:
    engine = TimeboxEngine(link() if link else None)
    return {
        "command": partial(commands.command, engine=engine),
        "press_extend": partial(commands.press_extend, engine=engine),
        "press_stop": partial(commands.press_stop, engine=engine),
        "press_replace": partial(commands.press_replace, engine=engine),
        "press_keep": commands.press_keep,
        "warn": partial(warnings.warn, engine=engine),
        "item": warnings.item,
        "close": partial(warnings.close, engine=engine),
    }
