"""A small read API for other features: a channel's time-boxed calls.

- `timebox_totals(svc, place, since)` — used by the reports (meeting hygiene): planned against actual minutes,
  time given back and overruns of the channel's finished plain `/timebox` timers. A meeting's timer is not
  in it: the meeting counts it (`handlers.meetings.api.hygiene_summary`). What counts is described in
  docs/meetings.md, "Time-boxed calls in the reports". No figure says who started a timer or what it was about.
"""

from __future__ import annotations

from datetime import datetime

from handlers.core.services import Services
from handlers.core.types import Place
from handlers.timebox.engine import store_of
from handlers.timebox.ports import TimeboxTotals

__all__ = ["TimeboxTotals", "timebox_totals"]


async def timebox_totals(svc: Services, place: Place, since: datetime) -> TimeboxTotals:
    """This channel's finished plain timers (threads count as their channel) that started since `since`
    (aware) until now."""
    return await store_of(svc).totals(place.platform, place.channel_id, since, svc.clock.now())
