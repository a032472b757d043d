"""Scope creep's handlers, built when the first of them is called (`handlers.scope.register` names them)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from handlers.scope import actions, commands, meeting, watch


def handlers() -> dict[str, Callable[..., Any]]:
    return {
        "tradeoff": commands.tradeoff,
        "watch_message": watch.watch_message,
        "press_drop": actions.press_drop,
        "press_drop_item": actions.press_drop_item,
        "press_drop_type": actions.press_drop_type,
        "press_extend": actions.press_extend,
        "press_extend_other": actions.press_extend_other,
        "press_extend_by": actions.press_extend_by,
        "press_park": actions.press_park,
        "press_park_for_meeting": actions.press_park_for_meeting,
        "press_dismiss": actions.press_dismiss,
        "press_back": actions.press_back,
        "open_drop_form": actions.open_drop_form,
        "submit_drop_form": actions.submit_drop_form,
        "open_extend_form": actions.open_extend_form,
        "submit_extend_form": actions.submit_extend_form,
        "prepare_after_meeting": meeting.prepare_after_meeting,
    }
