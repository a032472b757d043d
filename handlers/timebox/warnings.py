"""Outbox preparers: timebox warnings, per-item timers and the automatic close of a meeting's box.

Each re-checks the box when the row is sent: a stopped, replaced or extended box (older generation) sends
nothing. The end notice is never dropped by `skip_if_late_by`, because it also finishes the box (frees the
channel); when it comes more than `STALE_END` late (the bot was down) it finishes the box silently.
"""

from __future__ import annotations

from datetime import timedelta

from handlers.core.registry import Pending, Replies
from handlers.core.services import Services
from handlers.timebox import texts
from handlers.timebox.engine import TimeboxEngine, store_of
from handlers.timebox.ports import ENDED, RUNNING, Timebox

STALE_END = timedelta(minutes=15)


def _int(value: object) -> int | None:
    return value if isinstance(value, int) else None


async def _current(pending: Pending, svc: Services) -> Timebox | None:
    box_id = _int(pending.data.get("id"))
    return await store_of(svc).get(box_id) if box_id is not None else None


async def warn(pending: Pending, svc: Services, *, engine: TimeboxEngine) -> Replies:
    box = await _current(pending, svc)
    if box is None or box.generation != _int(pending.data.get("gen")):
        return None
    what = pending.data.get("what")
    if what == "end":
        return await _end(box, pending, svc, engine=engine)
    if box.status != RUNNING:
        return None
    remaining = box.ends_at - pending.due_at
    return texts.half(box, remaining) if what == "half" else texts.nearly(box, remaining)


async def _end(box: Timebox, pending: Pending, svc: Services, *, engine: TimeboxEngine) -> Replies:
    late = svc.clock.now() - pending.due_at
    if box.meeting_id is not None:  # a meeting's box stays open until someone ends it (or the close)
        return texts.ended(box) if box.status == RUNNING and late <= STALE_END else None
    if box.status == RUNNING:
        finished, _ = await engine.finish(svc, box, ENDED, box.ends_at, automatic=True)
        box = finished or box
    elif not (box.status == ENDED and box.finished_at == box.ends_at):
        return None  # stopped or replaced meanwhile
    return texts.ended(box) if late <= STALE_END else None


async def item(pending: Pending, svc: Services) -> Replies:
    box = await _current(pending, svc)
    if box is None or box.status != RUNNING:
        return None
    label = str(pending.data.get("label", ""))
    return texts.next_item(box, label, _int(pending.data.get("minutes")) or 0, _int(pending.data.get("n")) or 0)


async def close(pending: Pending, svc: Services, *, engine: TimeboxEngine) -> Replies:
    """A meeting nobody ended: it ended when its box ran out; post planned vs actual."""
    box = await _current(pending, svc)
    if box is None or box.generation != _int(pending.data.get("gen")):
        return None
    if box.status == RUNNING:
        _, summary = await engine.finish(svc, box, ENDED, box.ends_at, automatic=True)
        return summary
    if box.status == ENDED and box.finished_at == box.ends_at and engine.link is not None:
        return await engine.link.finished(box, box.ends_at, svc, automatic=True)  # a retried row
    return None
