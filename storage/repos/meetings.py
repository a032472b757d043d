"""Meetings, recurring series, agendas, pre-read questions and the hygiene record.

Every state change is conditional on the current status (scheduled → running → ended, scheduled →
cancelled), so an outbox retry or a second replica doing the same thing changes nothing twice.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, String, and_, cast, delete, func, literal, or_, select, update

from handlers.core.clock import Clock
from handlers.core.types import Platform
from handlers.meetings.ports import (
    CANCELLED,
    ENDED,
    RUNNING,
    SCHEDULED,
    AgendaItem,
    Answer,
    Meeting,
    MeetingDraft,
    MeetingStatus,
    NextAdded,
    Question,
    Series,
    SeriesDraft,
    StartRecord,
)
from storage.db import Database, numbered, rowcount
from storage.models.base import utc_binder, utc_reader
from storage.models.meetings import (
    AgendaItemRow,
    MeetingRow,
    MeetingSeriesRow,
    PrereadAnswerRow,
    PrereadQuestionRow,
)
from storage.repos.places import inactive_place
from storage.upsert import insert_for

if TYPE_CHECKING:
    from handlers.meetings.api import MeetingNow

_LIVE = (SCHEDULED, RUNNING)
#: What a forget rewrites: scrubbed afterwards (VACUUM on PostgreSQL).
FORGET_TABLES = (MeetingSeriesRow.__tablename__, MeetingRow.__tablename__, AgendaItemRow.__tablename__,
                 PrereadQuestionRow.__tablename__, PrereadAnswerRow.__tablename__)
#: A forgotten person's pre-read answer keeps its text under this id and the answer's own number: it names
#: nobody, and two forgotten people's answers to one question do not collide (one answer per question and id).
FORGOTTEN_ANSWER = "forgotten:"


def _meeting(row: MeetingRow) -> Meeting:
    return Meeting(
        id=row.id,
        platform=Platform(row.platform),
        channel_id=row.channel_id,
        team_id=row.team_id,
        title=row.title,
        organiser_id=row.organiser_id,
        organiser_name=row.organiser_name,
        tz=row.tz,
        starts_at=row.starts_at,
        duration_minutes=row.duration_minutes,
        ends_at=row.ends_at,
        open_minutes=row.open_minutes,
        status=MeetingStatus(row.status),
        series_id=row.series_id,
        started_at=row.started_at,
        ended_at=row.ended_at,
        cancelled_at=row.cancelled_at,
        actual_minutes=row.actual_minutes,
        had_agenda=row.had_agenda,
        attendees=row.attendees,
        questions_total=row.questions_total,
        questions_answered=row.questions_answered,
    )


def _series(row: MeetingSeriesRow) -> Series:
    return Series(row.id, Platform(row.platform), row.channel_id, row.team_id, row.title, row.organiser_id,
                  row.organiser_name, row.tz, dict(row.rule or {}), row.duration_minutes, row.active,
                  row.materialized_until)


def _item(row: AgendaItemRow) -> AgendaItem:
    return AgendaItem(row.id, row.meeting_id, row.position, row.text, row.minutes, row.added_by)


_ITEMS = AgendaItemRow.__tablename__
_AGENDA_SQLITE = (f"SELECT id, meeting_id, position, text, minutes, added_by FROM {_ITEMS} WHERE meeting_id = ? "
                  "ORDER BY position, id")
_ADD_SQLITE = (f"INSERT INTO {_ITEMS} (meeting_id, position, text, minutes, added_by, created_at) "
               "VALUES (?, ?, ?, ?, ?, ?) RETURNING id")
_AGENDA_POSTGRES = numbered(_AGENDA_SQLITE)
_ADD_POSTGRES = numbered(_ADD_SQLITE)
# Locks the meeting only while it is live: READ COMMITTED re-checks the status after waiting for the lock, so
# an add racing `/meeting cancel` (or its end) finds no row instead of adding to a meeting that is gone.
_LOCK_MEETING_POSTGRES = (f"SELECT id FROM {MeetingRow.__tablename__} WHERE id = $1 AND status IN ($2, $3) "
                          "FOR UPDATE")
_LOCK_ANY_MEETING_POSTGRES = f"SELECT id FROM {MeetingRow.__tablename__} WHERE id = $1 FOR UPDATE"


class _Gone(Exception):
    """The meeting stopped being live between its lookup and its lock (PostgreSQL)."""


class _AddItem:
    """Read a meeting's agenda and append one item unless it is full, in one transaction (SQLite: its write
    lock from the start; PostgreSQL: as the ORM session did, READ COMMITTED)."""

    __slots__ = ("meeting_id", "text", "minutes", "added_by", "created_at", "limit", "live")

    def __init__(self, meeting_id: int, text: str, minutes: int | None, added_by: str, created_at: Any,
                 limit: int, live: bool = False) -> None:
        self.meeting_id, self.text, self.minutes, self.added_by = meeting_id, text, minutes, added_by
        self.created_at, self.limit = created_at, limit
        self.live = live  # PostgreSQL: only while the meeting is scheduled or running, else `_Gone`

    def _added(self, rows: list[Any], new_id: Any) -> list[AgendaItem]:
        items = [AgendaItem(*row) for row in rows]
        return [*items, AgendaItem(int(new_id), self.meeting_id, self._position(rows), self.text, self.minutes,
                                   self.added_by)]

    @staticmethod
    def _position(rows: list[Any]) -> int:
        return max((row[2] for row in rows), default=0) + 1

    def sqlite(self, conn: Any) -> list[AgendaItem] | None:
        from storage.sqlite_driver import immediate

        return immediate(conn, lambda: self.append_sqlite(conn))

    def append_sqlite(self, conn: Any) -> list[AgendaItem] | None:
        """The unit's statements, inside a transaction the caller holds (`BEGIN IMMEDIATE`)."""
        rows = conn.execute(_AGENDA_SQLITE, (self.meeting_id,)).fetchall()
        if len(rows) >= self.limit:
            return None
        new_id = conn.execute(_ADD_SQLITE, (self.meeting_id, self._position(rows), self.text, self.minutes,
                                            self.added_by, self.created_at)).fetchone()[0]
        return self._added(rows, new_id)

    async def postgres(self, conn: Any) -> list[AgendaItem] | None:
        async with conn.transaction():
            return await self.append_postgres(conn)

    async def append_postgres(self, conn: Any) -> list[AgendaItem] | None:
        """The unit's statements, inside a transaction the caller holds."""
        # READ COMMITTED: two adds at once would both read 24 items and both append (26, one position
        # twice). Locking the meeting's row first makes adds to one meeting take turns, as BEGIN
        # IMMEDIATE does on SQLite.
        if not self.live:
            await conn.execute(_LOCK_ANY_MEETING_POSTGRES, self.meeting_id)
        elif await conn.fetchval(_LOCK_MEETING_POSTGRES, self.meeting_id, *_LIVE) is None:
            raise _Gone  # cancelled or ended meanwhile (`_AddToNext` looks again)
        rows = [tuple(row) for row in await conn.fetch(_AGENDA_POSTGRES, self.meeting_id)]
        if len(rows) >= self.limit:
            return None
        new_id = await conn.fetchval(_ADD_POSTGRES, self.meeting_id, self._position(rows), self.text,
                                     self.minutes, self.added_by, self.created_at)
        return self._added(rows, new_id)


_MEETING_FIELDS = tuple(field.name for field in dataclasses.fields(Meeting))  # the columns' own names
_MEETING_COLUMNS = ", ".join(_MEETING_FIELDS)
_TIMES = ("starts_at", "ends_at", "started_at", "ended_at", "cancelled_at")
_NOW = (f"SELECT {_MEETING_COLUMNS} FROM {MeetingRow.__tablename__} WHERE platform = ? AND channel_id = ? "
        "AND status IN (?, ?) AND starts_at <= ? AND ends_at > ? ORDER BY starts_at DESC, id DESC LIMIT 1")
_NEXT = (f"SELECT {_MEETING_COLUMNS} FROM {MeetingRow.__tablename__} WHERE platform = ? AND channel_id = ? "
         "AND status = ? AND starts_at > ? ORDER BY starts_at, id LIMIT 1")


class _MeetingNow:
    """The meeting in progress in a channel (and with `or_next`, else the next scheduled one): reads outside
    a transaction, as `Database.read` runs them."""

    __slots__ = ("read", "platform", "channel_id", "now", "or_next")

    def __init__(self, read: Callable[[Any], Any], platform: str, channel_id: str, now: Any, or_next: bool) -> None:
        self.read, self.platform, self.channel_id, self.now, self.or_next = read, platform, channel_id, now, or_next

    def _meeting(self, row: Any) -> Meeting | None:
        if row is None:
            return None
        values = dict(zip(_MEETING_FIELDS, row, strict=True))
        for name in _TIMES:
            values[name] = self.read(values[name])
        values["platform"], values["status"] = Platform(values["platform"]), MeetingStatus(values["status"])
        if values["had_agenda"] is not None:
            values["had_agenda"] = bool(values["had_agenda"])  # 0/1 on SQLite
        return Meeting(**values)

    def _now(self) -> tuple[Any, ...]:
        return self.platform, self.channel_id, SCHEDULED, RUNNING, self.now, self.now

    def _next(self) -> tuple[Any, ...]:
        return self.platform, self.channel_id, SCHEDULED, self.now

    def sqlite(self, conn: Any) -> Meeting | None:
        row = conn.execute(_NOW, self._now()).fetchone()
        if row is None and self.or_next:
            row = conn.execute(_NEXT, self._next()).fetchone()
        return self._meeting(row)

    async def postgres(self, conn: Any) -> Meeting | None:
        row = await conn.fetchrow(_NOW_POSTGRES, *self._now())
        if row is None and self.or_next:
            row = await conn.fetchrow(_NEXT_POSTGRES, *self._next())
        return self._meeting(row)


_NOW_POSTGRES, _NEXT_POSTGRES = numbered(_NOW), numbered(_NEXT)


_HAS_AGENDA = f"SELECT EXISTS (SELECT 1 FROM {AgendaItemRow.__tablename__} WHERE meeting_id = ?)"
_HAS_AGENDA_POSTGRES = numbered(_HAS_AGENDA)


class MeetingNowRead:
    """What another feature sees of the meeting in progress in a channel (`handlers.meetings.api.MeetingNow`):
    the meeting and whether its agenda has an item, as statements a caller's own unit of work runs — the
    scope watcher's one unit (storage/repos/scope.py) — outside a transaction."""

    __slots__ = ("find",)

    def __init__(self, read: Callable[[Any], Any], platform: Platform, channel_id: str, now: Any) -> None:
        """`read` decodes a time as `utc_reader` does, `now` is bound as `utc_binder` binds it."""
        self.find = _MeetingNow(read, platform.value, channel_id, now, False)

    @staticmethod
    def _now(meeting: Meeting | None, has_agenda: Any) -> MeetingNow | None:
        from handlers.meetings.api import MeetingNow

        return None if meeting is None else MeetingNow(meeting.id, meeting.title, meeting.ends_at, bool(has_agenda))

    def sqlite(self, conn: Any) -> MeetingNow | None:
        meeting = self.find.sqlite(conn)
        if meeting is None:
            return None
        return self._now(meeting, conn.execute(_HAS_AGENDA, (meeting.id,)).fetchone()[0])

    async def postgres(self, conn: Any) -> MeetingNow | None:
        meeting = await self.find.postgres(conn)
        if meeting is None:
            return None
        return self._now(meeting, await conn.fetchval(_HAS_AGENDA_POSTGRES, meeting.id))


class _AddToNext:
    """`/agenda add` in one unit: the channel's current or next meeting (`_MeetingNow`) and the item appended to
    its agenda (`_AddItem`), in one transaction — one unit of work instead of two on every `/agenda add`
    (docs/benchmarks.md#agenda-add-in-one-unit)."""

    __slots__ = ("find", "text", "minutes", "added_by", "created_at", "limit")

    def __init__(self, find: _MeetingNow, text: str, minutes: int | None, added_by: str, created_at: Any,
                 limit: int) -> None:
        self.find, self.text, self.minutes, self.added_by = find, text, minutes, added_by
        self.created_at, self.limit = created_at, limit

    def _add(self, meeting: Meeting) -> _AddItem | None:
        """The append for `meeting`; None when the item is longer than the meeting."""
        if self.minutes is not None and self.minutes > meeting.duration_minutes:
            return None
        return _AddItem(meeting.id, self.text, self.minutes, self.added_by, self.created_at, self.limit, live=True)

    def sqlite(self, conn: Any) -> NextAdded:
        from storage.sqlite_driver import immediate

        def unit() -> NextAdded:
            meeting = self.find.sqlite(conn)
            if meeting is None:
                return NextAdded(None)
            add = self._add(meeting)
            if add is None:
                return NextAdded(meeting, too_long=True)
            return NextAdded(meeting, add.append_sqlite(conn))

        return immediate(conn, unit)

    async def postgres(self, conn: Any) -> NextAdded:
        async with conn.transaction():
            for _ in range(3):  # the meeting found may be cancelled or end before its lock: look again
                meeting = await self.find.postgres(conn)
                if meeting is None:
                    return NextAdded(None)
                add = self._add(meeting)
                if add is None:
                    return NextAdded(meeting, too_long=True)
                try:
                    return NextAdded(meeting, await add.append_postgres(conn))
                except _Gone:
                    continue
            return NextAdded(None)


class MeetingRepo:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock
        self._bind = utc_binder(db.engine.dialect)  # times as the ORM writes and reads them (storage/models/base.py)
        self._read = utc_reader(db.engine.dialect)

    def _insert(self) -> Any:  # the dialect's insert: the same on_conflict_* API, no common type
        return insert_for(self.db.dialect)

    # ---- meetings and series -----------------------------------------------------------------------
    def _row_values(self, draft: MeetingDraft) -> dict[str, object]:
        return {
            "platform": draft.platform.value,
            "channel_id": draft.channel_id[:300],
            "team_id": draft.team_id[:200],
            "series_id": draft.series_id,
            "title": draft.title[:200],
            "organiser_id": draft.organiser_id[:200],
            "organiser_name": draft.organiser_name[:200],
            "tz": draft.tz[:64],
            "starts_at": draft.starts_at,
            "duration_minutes": draft.duration_minutes,
            "ends_at": draft.starts_at + timedelta(minutes=draft.duration_minutes),
            "open_minutes": draft.open_minutes,
            "status": SCHEDULED,
            "created_at": self.clock.now(),
        }

    async def create(self, draft: MeetingDraft) -> Meeting:
        async with self.db.session() as s:
            row = MeetingRow(**self._row_values(draft))
            s.add(row)
            await s.flush()
            return _meeting(row)

    async def create_series(self, draft: SeriesDraft) -> Series:
        async with self.db.session() as s:
            row = MeetingSeriesRow(
                platform=draft.platform.value, channel_id=draft.channel_id[:300], team_id=draft.team_id[:200],
                title=draft.title[:200], organiser_id=draft.organiser_id[:200],
                organiser_name=draft.organiser_name[:200], tz=draft.tz[:64], rule=dict(draft.rule),
                duration_minutes=draft.duration_minutes, active=True, materialized_until=None,
                created_at=self.clock.now(),
            )
            s.add(row)
            await s.flush()
            return _series(row)

    async def occurrence(self, series: Series, starts_at: datetime) -> Meeting | None:
        """The series' meeting at `starts_at`, inserted once — and only while the series is still active, in
        the insert's own transaction: `series` may have been read before another replica stopped it.

        The series' row is held while the occurrence is inserted (PostgreSQL `FOR SHARE`; SQLite's session
        holds the write lock from its first statement), and `stop_series` switches the row off before it
        cancels the occurrences. So a stop either commits first (then nothing is inserted here) or waits
        for this insert to commit (then its cancel, a later statement, sees the new occurrence).

        Of a stopped series the answer is the meeting already at `starts_at` (cancelled by the stop), or
        None when there is none."""
        draft = MeetingDraft(series.platform, series.channel_id, series.team_id, series.title, series.organiser_id,
                             series.organiser_name, series.tz, starts_at, series.duration_minutes,
                             series_id=series.id)
        stmt = self._insert()(MeetingRow).values(**self._row_values(draft))
        stmt = stmt.on_conflict_do_nothing(index_elements=["series_id", "starts_at"])
        async with self.db.session() as s:
            active = await s.scalar(select(MeetingSeriesRow.id).where(
                MeetingSeriesRow.id == series.id, MeetingSeriesRow.active.is_(True)).with_for_update(read=True))
            if active is not None:
                await s.execute(stmt)
            row = await s.scalar(select(MeetingRow).where(MeetingRow.series_id == series.id,
                                                          MeetingRow.starts_at == starts_at))
            # inserted now, by another replica a moment ago, or before a stop; None: stopped before any was
            return _meeting(row) if row is not None else None

    async def series_due(self, before: datetime) -> list[Series]:
        async with self.db.session() as s:
            rows = (await s.scalars(
                select(MeetingSeriesRow).where(
                    MeetingSeriesRow.active.is_(True),
                    ~inactive_place(MeetingSeriesRow.platform, MeetingSeriesRow.team_id, MeetingSeriesRow.channel_id),
                    or_(MeetingSeriesRow.materialized_until.is_(None), MeetingSeriesRow.materialized_until < before),
                ).order_by(MeetingSeriesRow.id).limit(500)
            )).all()
            return [_series(r) for r in rows]

    async def get_series(self, series_id: int) -> Series | None:
        async with self.db.session() as s:
            row = await s.get(MeetingSeriesRow, series_id)
            return _series(row) if row else None

    async def set_materialized(self, series_id: int, until: datetime) -> None:
        async with self.db.session() as s:
            await s.execute(update(MeetingSeriesRow).where(MeetingSeriesRow.id == series_id)
                            .values(materialized_until=until))

    async def stop_series(self, series_id: int, now: datetime) -> list[int]:
        """The series off, then its occurrences still ahead cancelled, in one transaction. The first statement
        waits for an `occurrence` insert holding the series' row, so the second sees what it inserted; an
        insert that comes later finds the series off (see `occurrence`). The caller cancels the returned
        meetings' outbox rows after this commits."""
        async with self.db.session() as s:
            await s.execute(update(MeetingSeriesRow).where(MeetingSeriesRow.id == series_id).values(active=False))
            ids = (await s.scalars(
                update(MeetingRow)
                .where(MeetingRow.series_id == series_id, MeetingRow.status == SCHEDULED)
                .values(status=CANCELLED, cancelled_at=now)
                .returning(MeetingRow.id)
            )).all()
            return sorted(ids)

    async def get(self, meeting_id: int) -> Meeting | None:
        async with self.db.read() as s:
            row = await s.get(MeetingRow, meeting_id)
            return _meeting(row) if row else None

    def _channel(self, platform: Platform, channel_id: str) -> ColumnElement[bool]:
        return and_(MeetingRow.platform == platform.value, MeetingRow.channel_id == channel_id)

    async def in_progress(self, platform: Platform, channel_id: str, now: datetime) -> Meeting | None:
        """The meeting running here now (the scope watcher asks on every prompt): a read straight on the
        driver (_MeetingNow), decoded as the ORM decodes it."""
        return await self.db.driver(_MeetingNow(self._read, platform.value, channel_id, self._bind(now), False), small=True)

    async def current_or_next(self, platform: Platform, channel_id: str, now: datetime) -> Meeting | None:
        """The meeting in progress here, else the next scheduled one — both looked up in one unit (every
        `/agenda` command starts here), straight on the driver."""
        return await self.db.driver(_MeetingNow(self._read, platform.value, channel_id, self._bind(now), True), small=True)

    async def upcoming(self, platform: Platform, channel_id: str, now: datetime, limit: int) -> list[Meeting]:
        async with self.db.session() as s:
            rows = (await s.scalars(
                select(MeetingRow).where(
                    self._channel(platform, channel_id), MeetingRow.status.in_(_LIVE), MeetingRow.ends_at > now,
                ).order_by(MeetingRow.starts_at, MeetingRow.id).limit(limit)
            )).all()
            return [_meeting(r) for r in rows]

    async def overlapping(self, platform: Platform, channel_id: str, start: datetime, end: datetime) -> list[Meeting]:
        async with self.db.session() as s:
            rows = (await s.scalars(
                select(MeetingRow).where(
                    self._channel(platform, channel_id), MeetingRow.status.in_(_LIVE),
                    MeetingRow.starts_at < end, MeetingRow.ends_at > start,
                ).order_by(MeetingRow.starts_at).limit(20)
            )).all()
            return [_meeting(r) for r in rows]

    async def finished_since(self, platform: Platform, channel_id: str, since: datetime,
                             until: datetime) -> list[Meeting]:
        async with self.db.session() as s:
            rows = (await s.scalars(
                select(MeetingRow).where(
                    self._channel(platform, channel_id), MeetingRow.status.in_((ENDED, CANCELLED)),
                    MeetingRow.starts_at >= since, MeetingRow.starts_at < until,
                ).order_by(MeetingRow.starts_at)
            )).all()
            return [_meeting(r) for r in rows]

    # ---- state changes -----------------------------------------------------------------------------
    async def _change(self, meeting_id: int, current: str, **values: object) -> bool:
        async with self.db.session() as s:
            result = await s.execute(
                update(MeetingRow).where(MeetingRow.id == meeting_id, MeetingRow.status == current).values(**values)
            )
            return rowcount(result) == 1

    async def mark_started(self, meeting_id: int, record: StartRecord) -> bool:
        return await self._change(
            meeting_id, SCHEDULED, status=RUNNING, started_at=record.started_at, had_agenda=record.had_agenda,
            attendees=record.attendees, questions_total=record.questions_total,
            questions_answered=record.questions_answered,
        )

    async def mark_ended(self, meeting_id: int, ended_at: datetime, actual_minutes: float) -> bool:
        return await self._change(meeting_id, RUNNING, status=ENDED, ended_at=ended_at,
                                  actual_minutes=round(max(actual_minutes, 0.0), 2))

    async def mark_cancelled(self, meeting_id: int, now: datetime) -> bool:
        return await self._change(meeting_id, SCHEDULED, status=CANCELLED, cancelled_at=now)

    async def set_duration(self, meeting_id: int, minutes: int) -> Meeting | None:
        async with self.db.session() as s:
            row = await s.get(MeetingRow, meeting_id)
            if row is None or row.status != SCHEDULED:
                return None
            row.duration_minutes = minutes
            row.ends_at = row.starts_at + timedelta(minutes=minutes)
            await s.flush()
            return _meeting(row)

    async def set_ends_at(self, meeting_id: int, ends_at: datetime) -> None:
        async with self.db.session() as s:
            await s.execute(update(MeetingRow).where(MeetingRow.id == meeting_id).values(ends_at=ends_at))

    async def set_open_minutes(self, meeting_id: int, minutes: int) -> None:
        async with self.db.session() as s:
            await s.execute(update(MeetingRow).where(MeetingRow.id == meeting_id).values(open_minutes=minutes))

    # ---- agenda ------------------------------------------------------------------------------------
    async def agenda(self, meeting_id: int) -> list[AgendaItem]:
        async with self.db.read() as s:
            rows = (await s.scalars(
                select(AgendaItemRow).where(AgendaItemRow.meeting_id == meeting_id)
                .order_by(AgendaItemRow.position, AgendaItemRow.id)
            )).all()
            return [_item(r) for r in rows]

    async def add_item(self, meeting_id: int, text: str, minutes: int | None, added_by: str,
                       limit: int) -> list[AgendaItem] | None:
        """The item added last, in one transaction with the agenda it joins (returned, the new item last);
        None when the agenda is full. Every `/agenda add`, so straight on the driver (_AddItem)."""
        return await self.db.driver(_AddItem(meeting_id, text[:300], minutes, added_by[:200],
                                             self._bind(self.clock.now()), limit), small=True)

    async def add_to_next(self, platform: Platform, channel_id: str, now: datetime, text: str, minutes: int | None,
                          added_by: str, limit: int) -> NextAdded:
        """`current_or_next` and `add_item` in one transaction (every `/agenda add`), straight on the driver
        (_AddToNext)."""
        find = _MeetingNow(self._read, platform.value, channel_id, self._bind(now), True)
        return await self.db.driver(_AddToNext(find, text[:300], minutes, added_by[:200],
                                               self._bind(self.clock.now()), limit), small=True)

    async def get_item(self, item_id: int) -> AgendaItem | None:
        async with self.db.session() as s:
            row = await s.get(AgendaItemRow, item_id)
            return _item(row) if row else None

    async def remove_item(self, item_id: int) -> AgendaItem | None:
        async with self.db.session() as s:
            row = await s.get(AgendaItemRow, item_id)
            if row is None:
                return None
            item = _item(row)
            await s.execute(delete(AgendaItemRow).where(AgendaItemRow.id == item_id))
            return item

    async def move_item(self, item_id: int, to_position: int) -> list[AgendaItem]:
        async with self.db.session() as s:
            moving = await s.get(AgendaItemRow, item_id)
            if moving is None:
                return []
            rows = list((await s.scalars(
                select(AgendaItemRow).where(AgendaItemRow.meeting_id == moving.meeting_id)
                .order_by(AgendaItemRow.position, AgendaItemRow.id)
            )).all())
            rows.remove(moving)
            rows.insert(max(0, min(to_position - 1, len(rows))), moving)
            for index, row in enumerate(rows, 1):
                row.position = index
            await s.flush()
            return [_item(r) for r in rows]

    # ---- forgetting a person -----------------------------------------------------------------------
    async def forget(self, platform: Platform, user_ids: Sequence[str]) -> dict[str, int]:
        """Forget a person (`/pulse optout --forget`, `steadybot forget`): their id and name are cleared
        from the meetings and series they registered, the agenda items they added, the questions they asked
        and the answers they wrote, which all stay for the team (an answer keeps its text, under an id that
        names nobody: FORGOTTEN_ANSWER). Then the tables are scrubbed. Returns rows cleared per kind."""
        ids = sorted({u[:200] for u in user_ids if u})
        if not ids:
            return {}
        here = select(MeetingRow.id).where(MeetingRow.platform == platform.value)
        asked_here = select(PrereadQuestionRow.id).where(PrereadQuestionRow.meeting_id.in_(here))
        async with self.db.session() as s:
            cleared = {
                "meeting series": rowcount(await s.execute(update(MeetingSeriesRow).where(
                    MeetingSeriesRow.platform == platform.value, MeetingSeriesRow.organiser_id.in_(ids))
                    .values(organiser_id="", organiser_name=""))),
                "meeting": rowcount(await s.execute(update(MeetingRow).where(
                    MeetingRow.platform == platform.value, MeetingRow.organiser_id.in_(ids))
                    .values(organiser_id="", organiser_name=""))),
                "agenda item": rowcount(await s.execute(update(AgendaItemRow).where(
                    AgendaItemRow.meeting_id.in_(here), AgendaItemRow.added_by.in_(ids)).values(added_by=""))),
                "pre-read question": rowcount(await s.execute(update(PrereadQuestionRow).where(
                    PrereadQuestionRow.meeting_id.in_(here), PrereadQuestionRow.asked_by.in_(ids))
                    .values(asked_by=""))),
                "pre-read answer": rowcount(await s.execute(update(PrereadAnswerRow).where(
                    PrereadAnswerRow.question_id.in_(asked_here), PrereadAnswerRow.answered_by.in_(ids))
                    .values(answered_by=literal(FORGOTTEN_ANSWER, String) + cast(PrereadAnswerRow.id, String),
                            answered_by_name=""))),
            }
        cleared = {thing: n for thing, n in cleared.items() if n}
        if cleared:
            await self.db.scrub(FORGET_TABLES)
        return cleared

    # ---- pre-read questions ------------------------------------------------------------------------
    async def questions(self, meeting_id: int) -> list[Question]:
        async with self.db.read() as s:
            rows = (await s.scalars(
                select(PrereadQuestionRow).where(PrereadQuestionRow.meeting_id == meeting_id)
                .order_by(PrereadQuestionRow.position, PrereadQuestionRow.id)
            )).all()
            answers = (await s.scalars(
                select(PrereadAnswerRow).where(PrereadAnswerRow.question_id.in_([r.id for r in rows]))
                .order_by(PrereadAnswerRow.created_at, PrereadAnswerRow.id)
            )).all() if rows else []
            by_question: dict[int, list[Answer]] = {}
            for a in answers:
                by_question.setdefault(a.question_id, []).append(Answer(a.answered_by, a.answered_by_name, a.text))
            return [Question(r.id, r.meeting_id, r.position, r.text, r.asked_by, tuple(by_question.get(r.id, ())))
                    for r in rows]

    async def add_question(self, meeting_id: int, text: str, asked_by: str, limit: int) -> Question | None:
        async with self.db.session() as s:
            count, last = (await s.execute(
                select(func.count(), func.max(PrereadQuestionRow.position))
                .where(PrereadQuestionRow.meeting_id == meeting_id)
            )).one()
            if count >= limit:
                return None
            row = PrereadQuestionRow(meeting_id=meeting_id, position=(last or 0) + 1, text=text[:400],
                                     asked_by=asked_by[:200], created_at=self.clock.now())
            s.add(row)
            await s.flush()
            return Question(row.id, row.meeting_id, row.position, row.text, row.asked_by)

    async def get_question(self, question_id: int) -> Question | None:
        async with self.db.session() as s:
            row = await s.get(PrereadQuestionRow, question_id)
            if row is None:
                return None
        for question in await self.questions(row.meeting_id):
            if question.id == question_id:
                return question
        return None

    async def answer(self, question_id: int, person_id: str, name: str, text: str) -> bool:
        now = self.clock.now()
        values = {"answered_by_name": name[:200], "text": text, "updated_at": now}
        stmt = self._insert()(PrereadAnswerRow).values(question_id=question_id, answered_by=person_id[:200],
                                                      created_at=now, **values)
        stmt = stmt.on_conflict_do_update(index_elements=["question_id", "answered_by"], set_=values)
        async with self.db.session() as s:
            if await s.get(PrereadQuestionRow, question_id) is None:
                return False
            await s.execute(stmt)
            return True
