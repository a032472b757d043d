"""The meetings' handlers, built when the first of them is called (`handlers.meetings.register` names them)."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from handlers.meetings import agenda, calendar_sync, commands, lifecycle, schedule
from handlers.meetings.lifecycle import MeetingTimeboxLink
from handlers.meetings.nudges import prepare_nudge
from handlers.timebox.engine import TimeboxEngine


def handlers() -> dict[str, Callable[..., Any]]:
    engine = TimeboxEngine(MeetingTimeboxLink())
    return {
        "meeting": partial(commands.command, engine=engine),
        "agenda": agenda.command,
        "press_cancel": commands.press_cancel,
        "press_shorten": commands.press_shorten,
        "press_end": partial(commands.press_end, engine=engine),
        "press_stop_series": commands.press_stop_series,
        "press_remove": agenda.press_remove,
        "press_up": agenda.press_up,
        "press_add": agenda.press_add,
        "press_answer": agenda.press_answer,
        "open_add": agenda.open_add,
        "submit_add": agenda.submit_add,
        "open_answer": agenda.open_answer,
        "submit_answer": agenda.submit_answer,
        "prepare_nudge": prepare_nudge,
        "prepare_start": partial(lifecycle.prepare_start, engine=engine),
        "series": schedule.materialize_all,
        "calendars": calendar_sync.sync_due,
    }
