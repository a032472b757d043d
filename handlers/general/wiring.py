"""`/steadybot`'s handlers, built when the first of them is called (`handlers.general.register` names them)."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from handlers.core.registry import Registry
from handlers.general import channel_state, commands, settings


def handlers(registry: Registry) -> dict[str, Callable[..., Any]]:
    return {
        "command": partial(commands.steadybot, registry=registry),
        "open_settings": settings.open_settings,
        "submit_settings": settings.submit_settings,
        "open_settings_button": settings.open_settings_button,
    }


def place_handlers() -> dict[str, Callable[..., Any]]:
    """A channel archived, deleted, unarchived or restored (handlers/general/channel_state.py)."""
    return {"place_changed": channel_state.place_changed}
