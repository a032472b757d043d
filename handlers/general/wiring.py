"""`/steadybot`'s handlers, built when the first of them is called (`handlers.general.register` names them)."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from handlers.core.registry import Registry
from handlers.general import commands, settings


def handlers(registry: Registry) -> dict[str, Callable[..., Any]]:
    return {
        "command": partial(commands.steadybot, registry=registry),
        "open_settings": settings.open_settings,
        "submit_settings": settings.submit_settings,
        "open_settings_button": settings.open_settings_button,
    }
