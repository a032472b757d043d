"""Calendar feeds: the channel's feeds with their fetch state, leased like outbox rows so that of several
replicas exactly one fetches a due feed; and the link from each feed occurrence to its meeting.

Claiming: one `UPDATE … WHERE id IN (SELECT … FOR UPDATE SKIP LOCKED) RETURNING` on PostgreSQL (two
replicas claiming at once get disjoint feeds), the same statement under BEGIN IMMEDIATE on SQLite. A
replica that dies mid-fetch leaves a lease that runs out, and the feed is due again.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import and_, delete, func, or_, select, update

from handlers.core.clock import Clock
from handlers.core.types import Platform
from handlers.meetings.calendar_ports import Feed, FeedDraft, Link, LiveMeeting
from handlers.meetings.ports import CANCELLED, RUNNING, SCHEDULED, Meeting, MeetingDraft
from storage.bulk import table_of
from storage.db import Database, rowcount
from storage.models.calendar import CalendarEventRow, CalendarFeedRow, LiveMeetingRow
from storage.models.meetings import AgendaItemRow, MeetingRow
from storage.redaction import stored_error
from storage.repos.meetings import MeetingRepo
from storage.repos.places import inactive_place
from storage.upsert import insert_for

CALENDAR_AUTHOR = "calendar"  # added_by of agenda items that come from an event's description


def url_hash(url: str) -> str:
    return hashlib.sha256(url.encode()).hexdigest()


def _feed(row: CalendarFeedRow) -> Feed:
    return Feed(row.id, Platform(row.platform), row.channel_id, row.team_id, row.kind, row.url, row.label,
                row.added_by, row.added_by_name, row.tz, row.created_at, row.last_sync_at, row.etag,
                row.last_modified, row.failures, row.last_error, row.error_reported, row.next_fetch_at,
                row.claimed_by, row.parsed_at, row.lease_until)


def _live(row: LiveMeetingRow) -> LiveMeeting:
    return LiveMeeting(row.id, Platform(row.platform), row.chat_id, row.external_id, row.title, row.started_at,
                       row.ended_at, row.meeting_id)


def _link(row: CalendarEventRow) -> Link:
    return Link(row.feed_id, row.uid, row.recurrence_id, row.meeting_id, row.fingerprint, row.gone)


class CalendarRepo:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock
        self.meetings = MeetingRepo(db, clock)

    def _insert(self):  # type: ignore[no-untyped-def]
        return insert_for(self.db.dialect)

    # ---- feeds -------------------------------------------------------------------------------------
    async def add_feed(self, draft: FeedDraft, now: datetime, next_fetch_at: datetime,
                       etag: str | None, last_modified: str | None) -> Feed | None:
        values = {
            "platform": draft.platform.value, "channel_id": draft.channel_id[:300], "team_id": draft.team_id[:200],
            "kind": draft.kind, "url": draft.url, "url_hash": url_hash(draft.url), "label": draft.label[:200],
            "added_by": draft.added_by[:200], "added_by_name": draft.added_by_name[:200], "tz": draft.tz[:64],
            "created_at": now, "etag": (etag or None) and etag[:400],
            "last_modified": (last_modified or None) and last_modified[:100], "last_sync_at": now, "parsed_at": now,
            "next_fetch_at": next_fetch_at, "failures": 0, "error_reported": False,
        }
        stmt = self._insert()(CalendarFeedRow).values(**values).on_conflict_do_nothing(
            index_elements=["platform", "channel_id", "url_hash"]).returning(CalendarFeedRow.id)
        async with self.db.session() as s:
            new_id = await s.scalar(stmt)
            if new_id is None:
                return None
            row = await s.get(CalendarFeedRow, new_id)
            assert row is not None
            return _feed(row)

    async def feeds(self, platform: Platform, channel_id: str) -> list[Feed]:
        async with self.db.session() as s:
            rows = (await s.scalars(select(CalendarFeedRow).where(
                CalendarFeedRow.platform == platform.value, CalendarFeedRow.channel_id == channel_id,
            ).order_by(CalendarFeedRow.id))).all()
            return [_feed(r) for r in rows]

    async def get_feed(self, feed_id: int) -> Feed | None:
        async with self.db.session() as s:
            row = await s.get(CalendarFeedRow, feed_id)
            return _feed(row) if row else None

    async def remove_feed(self, feed_id: int) -> None:
        async with self.db.session() as s:
            await s.execute(delete(CalendarEventRow).where(CalendarEventRow.feed_id == feed_id))
            await s.execute(delete(CalendarFeedRow).where(CalendarFeedRow.id == feed_id))

    async def forget(self, platform: Platform, user_ids: Sequence[str]) -> dict[str, int]:
        """Forget a person: the calendars they connected stay connected, connected by nobody (no one is told
        when such a feed fails; its meetings from now on have no organiser). Then scrubbed."""
        ids = sorted({u[:200] for u in user_ids if u})
        if not ids:
            return {}
        async with self.db.session() as s:
            feeds = rowcount(await s.execute(update(CalendarFeedRow).where(
                CalendarFeedRow.platform == platform.value, CalendarFeedRow.added_by.in_(ids))
                .values(added_by="", added_by_name="")))
        if feeds:
            await self.db.scrub((CalendarFeedRow.__tablename__,))
        return {"calendar": feeds} if feeds else {}

    async def claim_due(self, worker: str, now: datetime, lease_seconds: float, limit: int) -> list[Feed]:
        table = table_of(CalendarFeedRow)
        due = and_(table.c.next_fetch_at <= now, or_(table.c.lease_until.is_(None), table.c.lease_until < now),
                   ~inactive_place(table.c.platform, table.c.team_id, table.c.channel_id))
        candidates = select(table.c.id).where(due).order_by(table.c.next_fetch_at, table.c.id).limit(limit)
        if self.db.is_postgres:
            candidates = candidates.with_for_update(skip_locked=True)
        stmt = (update(table).where(table.c.id.in_(candidates.scalar_subquery()))
                .values(claimed_by=worker, lease_until=now + timedelta(seconds=lease_seconds))
                .returning(table.c.id))
        async with self.db.session() as s:
            ids = list((await s.execute(stmt)).scalars().all())
            if not ids:
                return []
            rows = (await s.scalars(select(CalendarFeedRow).where(CalendarFeedRow.id.in_(ids))
                                    .order_by(CalendarFeedRow.next_fetch_at, CalendarFeedRow.id))).all()
            return [_feed(r) for r in rows]

    async def _release(self, feed_id: int, worker: str, **values: object) -> bool:
        async with self.db.session() as s:
            result = await s.execute(update(CalendarFeedRow).where(
                CalendarFeedRow.id == feed_id, CalendarFeedRow.claimed_by == worker,
            ).values(claimed_by=None, lease_until=None, **values))
            return (result.rowcount or 0) == 1  # type: ignore[attr-defined]

    async def fetched(self, feed_id: int, worker: str, now: datetime, next_fetch_at: datetime,
                      etag: str | None, last_modified: str | None, *, parsed: bool) -> bool:
        more: dict[str, object] = {"parsed_at": now} if parsed else {}
        return await self._release(feed_id, worker, last_sync_at=now, next_fetch_at=next_fetch_at, **more,
                                   etag=(etag or None) and etag[:400],
                                   last_modified=(last_modified or None) and last_modified[:100],
                                   failures=0, last_error=None, error_reported=False)

    async def failed(self, feed_id: int, worker: str, now: datetime, next_fetch_at: datetime, error: str,
                     reported: bool) -> bool:
        return await self._release(feed_id, worker, next_fetch_at=next_fetch_at,
                                   last_error=stored_error(error, 400, self.db.secrets),  # no DETAIL values, tokens or secrets
                                   failures=CalendarFeedRow.failures + 1, error_reported=reported)

    # ---- occurrences -------------------------------------------------------------------------------
    async def links(self, feed_id: int) -> list[Link]:
        async with self.db.session() as s:
            rows = (await s.scalars(select(CalendarEventRow).where(CalendarEventRow.feed_id == feed_id)
                                    .order_by(CalendarEventRow.id))).all()
            return [_link(r) for r in rows]

    async def claim_link(self, feed_id: int, uid: str, recurrence_id: str, meeting_id: int,
                         fingerprint: str, join_thread: str = "") -> bool:
        """Link a new meeting to an occurrence that has no live link yet. False when another replica linked
        one first (the caller then drops its meeting)."""
        async with self.db.session() as s:
            row = await s.scalar(select(CalendarEventRow).where(
                CalendarEventRow.feed_id == feed_id, CalendarEventRow.uid == uid[:400],
                CalendarEventRow.recurrence_id == recurrence_id[:40]).with_for_update())
            if row is None:
                stmt = self._insert()(CalendarEventRow).values(
                    feed_id=feed_id, uid=uid[:400], recurrence_id=recurrence_id[:40], meeting_id=meeting_id,
                    fingerprint=fingerprint, gone=False, join_thread=join_thread[:300],
                ).on_conflict_do_nothing(index_elements=["feed_id", "uid", "recurrence_id"]).returning(
                    CalendarEventRow.id)
                return await s.scalar(stmt) is not None
            current = await s.get(MeetingRow, row.meeting_id)
            if current is not None and current.status != CANCELLED and row.meeting_id != meeting_id:
                return False  # someone linked a live meeting meanwhile
            if current is not None and current.status == CANCELLED and not row.gone:
                return False  # a person cancelled it: it stays cancelled
            row.meeting_id, row.fingerprint, row.gone = meeting_id, fingerprint, False
            row.join_thread = join_thread[:300]
            return True

    async def relink(self, feed_id: int, uid: str, old_recurrence_id: str, new_recurrence_id: str) -> bool:
        """Move a live link to the occurrence's new key (the series moved, so its RECURRENCE-IDs changed): its
        meeting, agenda and questions carry over. A link left at the new key by a meeting the sync cancelled
        (`gone`) is dropped; False when the old link is gone or the new key holds a live link."""
        uid = uid[:400]
        async with self.db.session() as s:
            rows = (await s.scalars(select(CalendarEventRow).where(
                CalendarEventRow.feed_id == feed_id, CalendarEventRow.uid == uid,
                CalendarEventRow.recurrence_id.in_([old_recurrence_id[:40], new_recurrence_id[:40]]))
                .with_for_update())).all()
            old = next((r for r in rows if r.recurrence_id == old_recurrence_id[:40]), None)
            taken = next((r for r in rows if r.recurrence_id == new_recurrence_id[:40]), None)
            if old is None or old.gone or old is taken:
                return False
            if taken is not None:
                if not taken.gone:
                    return False
                await s.delete(taken)
                await s.flush()
            old.recurrence_id = new_recurrence_id[:40]
            return True

    async def drop_meeting(self, meeting_id: int) -> None:
        async with self.db.session() as s:
            await s.execute(delete(MeetingRow).where(MeetingRow.id == meeting_id, MeetingRow.status == SCHEDULED))

    async def set_fingerprint(self, feed_id: int, uid: str, recurrence_id: str, fingerprint: str,
                              join_thread: str = "") -> None:
        async with self.db.session() as s:
            await s.execute(update(CalendarEventRow).where(
                CalendarEventRow.feed_id == feed_id, CalendarEventRow.uid == uid[:400],
                CalendarEventRow.recurrence_id == recurrence_id[:40]).values(fingerprint=fingerprint,
                                                                             join_thread=join_thread[:300]))

    async def mark_gone(self, feed_id: int, uid: str, recurrence_id: str) -> None:
        async with self.db.session() as s:
            await s.execute(update(CalendarEventRow).where(
                CalendarEventRow.feed_id == feed_id, CalendarEventRow.uid == uid[:400],
                CalendarEventRow.recurrence_id == recurrence_id[:40]).values(gone=True))

    async def feed_meetings(self, feed_id: int, now: datetime, limit: int) -> list[int]:
        async with self.db.session() as s:
            ids = (await s.scalars(
                select(MeetingRow.id).join(CalendarEventRow, CalendarEventRow.meeting_id == MeetingRow.id)
                .where(CalendarEventRow.feed_id == feed_id, MeetingRow.status == SCHEDULED,
                       MeetingRow.starts_at > now)
                .order_by(MeetingRow.starts_at, MeetingRow.id).limit(limit)
            )).all()
            return list(ids)

    async def feed_of_meeting(self, meeting_id: int) -> Link | None:
        async with self.db.session() as s:
            row = await s.scalar(select(CalendarEventRow).where(CalendarEventRow.meeting_id == meeting_id).limit(1))
            return _link(row) if row else None

    # ---- the meetings a feed brings ----------------------------------------------------------------
    async def create_meeting(self, draft: MeetingDraft) -> Meeting:
        return await self.meetings.create(draft)

    async def update_meeting(self, meeting_id: int, *, title: str, tz: str, starts_at: datetime,
                             minutes: int) -> Meeting | None:
        """Move or retitle a feed meeting that has not started; None when it already started or ended."""
        async with self.db.session() as s:
            row = await s.get(MeetingRow, meeting_id)
            if row is None or row.status != SCHEDULED:
                return None
            row.title, row.tz = title[:200], tz[:64]
            row.starts_at, row.duration_minutes = starts_at, minutes
            row.ends_at = starts_at + timedelta(minutes=minutes)
            await s.flush()
        return await self.meetings.get(meeting_id)

    async def replace_calendar_items(self, meeting_id: int, items: list[tuple[str, int | None]]) -> None:
        """The description's agenda items replace the earlier ones from the calendar, first in the agenda;
        items people added stay, after them."""
        async with self.db.session() as s:
            await s.execute(delete(AgendaItemRow).where(AgendaItemRow.meeting_id == meeting_id,
                                                        AgendaItemRow.added_by == CALENDAR_AUTHOR))
            others = (await s.scalars(select(AgendaItemRow).where(AgendaItemRow.meeting_id == meeting_id)
                                      .order_by(AgendaItemRow.position, AgendaItemRow.id))).all()
            now = self.clock.now()
            for position, (text, minutes) in enumerate(items, 1):
                s.add(AgendaItemRow(meeting_id=meeting_id, position=position, text=text[:300], minutes=minutes,
                                    added_by=CALENDAR_AUTHOR, created_at=now))
            for position, row in enumerate(others, len(items) + 1):
                row.position = position

    async def count_feeds(self) -> int:
        async with self.db.session() as s:
            return int(await s.scalar(select(func.count()).select_from(CalendarFeedRow)) or 0)

    # ---- live Teams meetings -----------------------------------------------------------------------
    async def meetings_of_thread(self, platform: Platform, thread: str, start: datetime,
                                 end: datetime) -> list[Meeting]:
        """Live (scheduled or running) calendar meetings whose Teams join link names this meeting chat and
        whose start lies in [start, end)."""
        async with self.db.session() as s:
            ids = (await s.scalars(
                select(MeetingRow.id).join(CalendarEventRow, CalendarEventRow.meeting_id == MeetingRow.id)
                .where(CalendarEventRow.join_thread == thread[:300], MeetingRow.platform == platform.value,
                       MeetingRow.status.in_((SCHEDULED, RUNNING)), MeetingRow.starts_at >= start,
                       MeetingRow.starts_at < end)
                .order_by(MeetingRow.starts_at)
            )).all()
        found = [await self.meetings.get(i) for i in ids]
        return [m for m in found if m is not None]

    async def live_started(self, platform: Platform, chat_id: str, external_id: str, title: str,
                           started_at: datetime, meeting_id: int | None) -> tuple[LiveMeeting, bool]:
        """Record a meeting start once: a redelivered or repeated meetingStart finds the open row."""
        async with self.db.session() as s:
            row = await s.scalar(select(LiveMeetingRow).where(
                LiveMeetingRow.platform == platform.value, LiveMeetingRow.external_id == external_id[:400],
                LiveMeetingRow.ended_at.is_(None)).order_by(LiveMeetingRow.id.desc()).limit(1).with_for_update())
            if row is not None:
                return _live(row), False
            row = LiveMeetingRow(platform=platform.value, chat_id=chat_id[:300], external_id=external_id[:400],
                                 title=title[:200], started_at=started_at, meeting_id=meeting_id)
            s.add(row)
            await s.flush()
            return _live(row), True

    async def live_open(self, platform: Platform, external_id: str) -> LiveMeeting | None:
        async with self.db.session() as s:
            row = await s.scalar(select(LiveMeetingRow).where(
                LiveMeetingRow.platform == platform.value, LiveMeetingRow.external_id == external_id[:400],
                LiveMeetingRow.ended_at.is_(None)).order_by(LiveMeetingRow.id.desc()).limit(1))
            return _live(row) if row else None

    async def live_ended(self, live_id: int, ended_at: datetime) -> bool:
        async with self.db.session() as s:
            result = await s.execute(update(LiveMeetingRow).where(LiveMeetingRow.id == live_id,
                                                                  LiveMeetingRow.ended_at.is_(None))
                                     .values(ended_at=ended_at))
            return (result.rowcount or 0) == 1  # type: ignore[attr-defined]
