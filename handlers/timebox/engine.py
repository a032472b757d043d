"""Starting, extending and stopping timeboxes; their warnings are outbox rows.

Dedupe keys: `timebox:<id>:w:<generation>:<half|left|end|close>` for the warnings and
`timebox:<id>:item:<n>` for a meeting's per-item timers. Extending cancels `timebox:<id>:w:` and enqueues
the next generation (cancelled rows keep their keys, so a new generation needs new keys); stopping cancels
everything under `timebox:<id>:`. Preparers re-check the box at send time, so a warning claimed just
before a stop is not sent either.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from handlers.core.durations import format_duration
from handlers.core.errors import UserError
from handlers.core.services import Services
from handlers.core.types import OutboxItem, Reply, Target
from handlers.timebox import plan
from handlers.timebox.catalog import CLOSE, ITEM, WARN
from handlers.timebox.ports import (
    REPLACED,
    STOPPED,
    MeetingLink,
    Timebox,
    TimeboxDraft,
    TimeboxStatus,
    TimeboxStore,
)

CLOSE_AFTER = timedelta(minutes=10)  # a meeting nobody ended is closed this long after its box ran out
ITEM_LATE = 120.0


@dataclass(frozen=True, slots=True)
class ItemMark:
    """A meeting's agenda item starting `offset` after the box starts."""

    offset: timedelta
    label: str
    minutes: int
    number: int


def store_of(svc: Services) -> TimeboxStore:
    return svc.store.timebox


def warning_items(box: Timebox, now: datetime) -> list[OutboxItem]:
    target = Target.channel(box.place)
    items = [
        OutboxItem(target, w.at, WARN, data={"id": box.id, "gen": box.generation, "what": w.kind},
                   dedupe_key=f"{box.key}w:{box.generation}:{w.kind}", skip_if_late_by=w.skip_if_late_by)
        for w in plan.warnings(box.started_at, box.ends_at)
        if w.at > now or w.kind == "end"
    ]
    if box.meeting_id is not None:
        items.append(OutboxItem(target, box.ends_at + CLOSE_AFTER, CLOSE, data={"id": box.id, "gen": box.generation},
                                dedupe_key=f"{box.key}w:{box.generation}:close"))
    return items


def item_rows(box: Timebox, marks: Sequence[ItemMark], now: datetime) -> list[OutboxItem]:
    target = Target.channel(box.place)
    return [
        OutboxItem(target, box.started_at + mark.offset, ITEM,
                   data={"id": box.id, "label": mark.label, "minutes": mark.minutes, "n": mark.number},
                   dedupe_key=f"{box.key}item:{mark.number}", skip_if_late_by=ITEM_LATE)
        for mark in marks
        if box.started_at + mark.offset > now and mark.offset < box.total
    ]


class TimeboxEngine:
    def __init__(self, link: MeetingLink | None = None) -> None:
        self.link = link

    async def start(self, svc: Services, draft: TimeboxDraft, marks: Sequence[ItemMark] = ()) -> Timebox | None:
        """Start a box and enqueue its warnings; None when one already runs in that place."""
        box = await store_of(svc).start(draft)
        if box is None:
            return None
        now = svc.clock.now()
        await svc.outbox.enqueue(warning_items(box, now) + item_rows(box, marks, now))
        return box

    async def extend(self, svc: Services, box: Timebox, by: timedelta) -> Timebox:
        if by <= timedelta(0):
            raise UserError("Extend by a positive duration.", "/timebox extend 10m")
        now = svc.clock.now()
        new_end = max(box.ends_at, now) + by
        if new_end - box.started_at > plan.MAX_BOX:
            raise UserError(f"That would make the timebox longer than {format_duration(plan.MAX_BOX)}.",
                            "/timebox extend 10m")
        updated = await store_of(svc).extend(box.id, box.generation, new_end)
        if updated is None:
            raise UserError("That timebox just changed (someone else extended or stopped it). "
                            "Try `/timebox` to see where it stands.")
        await svc.outbox.cancel(f"{box.key}w:")
        await svc.outbox.enqueue(warning_items(updated, now))
        if updated.meeting_id is not None and self.link is not None:
            await self.link.extended(updated, svc)
        return updated

    async def reopen(self, svc: Services, box: Timebox, by: timedelta) -> Timebox | None:
        """A plain box that just ran out, given `by` more from now (the "+5m" of its "Time's up"): it runs
        again and warns as extended. None when that is no longer possible (see `TimeboxStore.reopen`)."""
        now = svc.clock.now()
        new_end = max(box.ends_at, now) + by
        if by <= timedelta(0) or new_end - box.started_at > plan.MAX_BOX:
            raise UserError(f"That would make the timebox longer than {format_duration(plan.MAX_BOX)}.",
                            "/timebox 25m")
        updated = await store_of(svc).reopen(box.id, box.generation, new_end)
        if updated is None:
            return None
        await svc.outbox.enqueue(warning_items(updated, now))
        return updated

    async def finish(self, svc: Services, box: Timebox, status: TimeboxStatus = STOPPED,
                     at: datetime | None = None, *, automatic: bool = False) -> tuple[Timebox | None, Reply | None]:
        """Stop (or replace, or end) a running box. Returns the finished box (None when it was no longer
        running) and, for a meeting's box, the meeting's planned-vs-actual summary."""
        at = at or svc.clock.now()
        finished = await store_of(svc).finish(box.id, status, at)
        if finished is None:
            return None, None
        await svc.outbox.cancel(box.key)
        summary = None
        if finished.meeting_id is not None and self.link is not None:
            summary = await self.link.finished(finished, at, svc, automatic=automatic)
        return finished, summary

    async def replace(self, svc: Services, old: Timebox, draft: TimeboxDraft,
                      marks: Sequence[ItemMark] = ()) -> tuple[Timebox | None, Reply | None]:
        """Stop `old` (as replaced) and start the new box in its place."""
        _, summary = await self.finish(svc, old, REPLACED)
        return await self.start(svc, draft, marks), summary
