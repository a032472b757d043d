"""Timeboxes. At most one runs per channel or thread: the unique `active_key` decides, across replicas."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import case, func, select, update
from sqlalchemy.exc import IntegrityError

from handlers.core.clock import Clock
from handlers.core.types import Place, Platform
from handlers.timebox.ports import (
    ENDED,
    RUNNING,
    STOPPED,
    Timebox,
    TimeboxDraft,
    TimeboxStatus,
    TimeboxTotals,
    active_key,
)
from storage.db import Database, rowcount
from storage.models.timebox import TimeboxRow
from storage.sqltime import seconds_between
from storage.upsert import insert_for


def _box(row: TimeboxRow) -> Timebox:
    return Timebox(
        id=row.id,
        platform=Platform(row.platform),
        channel_id=row.channel_id,
        team_id=row.team_id,
        thread_id=row.thread_id,
        topic=row.topic,
        started_by=row.started_by,
        started_at=row.started_at,
        planned_seconds=row.planned_seconds,
        ends_at=row.ends_at,
        generation=row.generation,
        status=TimeboxStatus(row.status),
        finished_at=row.finished_at,
        meeting_id=row.meeting_id,
    )


class TimeboxRepo:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    async def start(self, draft: TimeboxDraft) -> Timebox | None:
        place = draft.place
        insert = insert_for(self.db.dialect)
        stmt = insert(TimeboxRow).values(
            platform=place.platform.value,
            channel_id=place.channel_id[:300],
            team_id=place.team_id[:200],
            thread_id=place.thread_id[:300] if place.thread_id else None,
            active_key=active_key(place),
            topic=draft.topic[:300],
            started_by=draft.started_by[:200],
            started_at=draft.started_at,
            planned_seconds=draft.seconds,
            ends_at=draft.started_at + timedelta(seconds=draft.seconds),
            generation=0,
            status=RUNNING,
            meeting_id=draft.meeting_id,
        ).on_conflict_do_nothing(index_elements=["active_key"]).returning(TimeboxRow.id)
        async with self.db.session() as s:
            new_id = (await s.execute(stmt)).scalar()
            if new_id is None:
                return None
            row = await s.get(TimeboxRow, new_id)
            assert row is not None
            return _box(row)

    async def running(self, place: Place) -> Timebox | None:
        async with self.db.session() as s:
            row = await s.scalar(select(TimeboxRow).where(TimeboxRow.active_key == active_key(place)))
            return _box(row) if row else None

    async def latest(self, place: Place) -> Timebox | None:
        """The newest box started in exactly this place (platform, channel, workspace, thread: none is the
        channel itself), whatever its state: a typed `/timebox extend` after "Time's up" reopens it."""
        row = TimeboxRow
        thread = row.thread_id == place.thread_id[:300] if place.thread_id else row.thread_id.is_(None)
        stmt = (select(row).where(row.platform == place.platform.value, row.channel_id == place.channel_id[:300],
                                  row.team_id == place.team_id[:200], thread)
                .order_by(row.started_at.desc(), row.id.desc()).limit(1))
        async with self.db.session() as s:
            found = await s.scalar(stmt)
            return _box(found) if found else None

    async def get(self, timebox_id: int) -> Timebox | None:
        async with self.db.session() as s:
            row = await s.get(TimeboxRow, timebox_id)
            return _box(row) if row else None

    async def for_meeting(self, meeting_id: int) -> Timebox | None:
        async with self.db.session() as s:
            row = await s.scalar(select(TimeboxRow).where(TimeboxRow.meeting_id == meeting_id)
                                 .order_by(TimeboxRow.id.desc()).limit(1))
            return _box(row) if row else None

    async def extend(self, timebox_id: int, generation: int, ends_at: datetime) -> Timebox | None:
        async with self.db.session() as s:
            result = await s.execute(
                update(TimeboxRow)
                .where(TimeboxRow.id == timebox_id, TimeboxRow.status == RUNNING, TimeboxRow.generation == generation)
                .values(ends_at=ends_at, generation=generation + 1)
            )
            if rowcount(result) != 1:
                return None
            row = await s.get(TimeboxRow, timebox_id, populate_existing=True)
            return _box(row) if row else None

    async def reopen(self, timebox_id: int, generation: int, ends_at: datetime) -> Timebox | None:
        """A plain box that ended on its own at its end, running again until `ends_at` (generation bumped);
        None when it was stopped, replaced, already reopened, or another box runs in its place now."""
        async with self.db.session() as s:
            row = await s.get(TimeboxRow, timebox_id)
            if row is None:
                return None
            key = active_key(_box(row).place)
            try:
                async with s.begin_nested():  # the unique active_key: a box started there meanwhile wins
                    result = await s.execute(
                        update(TimeboxRow)
                        .where(TimeboxRow.id == timebox_id, TimeboxRow.status == ENDED,
                               TimeboxRow.generation == generation, TimeboxRow.meeting_id.is_(None),
                               TimeboxRow.finished_at == TimeboxRow.ends_at)
                        .values(status=RUNNING, finished_at=None, active_key=key, ends_at=ends_at,
                                generation=generation + 1)
                    )
            except IntegrityError:
                return None
            if rowcount(result) != 1:
                return None
            row = await s.get(TimeboxRow, timebox_id, populate_existing=True)
            return _box(row) if row else None

    async def forget(self, platform: Platform, user_ids: Sequence[str]) -> dict[str, int]:
        """Forget a person: the timers they started stay, started by nobody (then scrubbed)."""
        ids = sorted({u[:200] for u in user_ids if u})
        if not ids:
            return {}
        async with self.db.session() as s:
            timers = rowcount(await s.execute(update(TimeboxRow).where(
                TimeboxRow.platform == platform.value, TimeboxRow.started_by.in_(ids)).values(started_by="")))
        if timers:
            await self.db.scrub((TimeboxRow.__tablename__,))
        return {"timer": timers} if timers else {}

    async def finish(self, timebox_id: int, status: TimeboxStatus, at: datetime) -> Timebox | None:
        async with self.db.session() as s:
            result = await s.execute(
                update(TimeboxRow).where(TimeboxRow.id == timebox_id, TimeboxRow.status == RUNNING)
                .values(status=status, finished_at=at, active_key=None)
            )
            if rowcount(result) != 1:
                return None
            row = await s.get(TimeboxRow, timebox_id, populate_existing=True)
            return _box(row) if row else None

    async def totals(self, platform: Platform, channel_id: str, since: datetime, until: datetime) -> TimeboxTotals:
        """One aggregate over `ix_timeboxes_channel_start`. A timer's actual time runs from its start to when
        it finished, but never past its (possibly extended) end: a stop a few seconds after the end, before
        the end notice finished it, is not an overrun. Ended and stopped plain timers count; running ones,
        replaced ones (the call goes on under the replacement) and a meeting's (counted by the meeting) do not."""
        row = TimeboxRow
        end = case((row.finished_at < row.ends_at, row.finished_at), else_=row.ends_at)
        actual = func.round(seconds_between(self.db.dialect, end, row.started_at))  # whole seconds: exact sums
        saved = row.planned_seconds - actual
        over = actual - row.planned_seconds
        zero = 0.0
        stmt = select(
            func.count(),
            func.coalesce(func.sum(case((saved > 0, 1), else_=0)), 0),
            func.coalesce(func.sum(case((over > 0, 1), else_=0)), 0),
            func.coalesce(func.sum(row.planned_seconds), 0),
            func.coalesce(func.sum(actual), zero),
            func.coalesce(func.sum(case((saved > 0, saved), else_=zero)), zero),
            func.coalesce(func.sum(case((over > 0, over), else_=zero)), zero),
        ).where(
            row.platform == platform.value, row.channel_id == channel_id,
            row.started_at >= since, row.started_at < until,
            row.status.in_((ENDED, STOPPED)), row.meeting_id.is_(None), row.finished_at.is_not(None),
        )
        async with self.db.session() as s:
            timers, early, late, planned, used, given, overrun = (await s.execute(stmt)).one()
        return TimeboxTotals(since, until, int(timers), int(early), int(late), int(planned), round(float(used)),
                             round(float(given)), round(float(overrun)))
