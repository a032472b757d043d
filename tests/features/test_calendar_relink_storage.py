"""CalendarRepo.relink on SQLite and PostgreSQL: a moved series' link takes the occurrence's new key (its
meeting carries over), a link the sync cancelled at that key makes way, a live one does not."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from handlers.core.clock import FakeClock
from handlers.core.types import Platform
from handlers.meetings.calendar_ports import ICS, FeedDraft
from handlers.meetings.ports import MeetingDraft
from storage.db import Database
from storage.migrate import upgrade
from storage.store import Store

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
OLD, NEW = "20260304T090000Z", "20260304T093000Z"


@pytest.fixture
async def store(db_url: str) -> AsyncIterator[Store]:
    await upgrade(db_url)
    db = Database(db_url)
    try:
        yield Store(db, FakeClock(NOW))
    finally:
        await db.dispose()


async def _feed_and_meeting(store: Store) -> tuple[int, int]:
    feed = await store.calendar.add_feed(FeedDraft(Platform.SLACK, "C1", "T1", ICS, "https://example.com/a.ics",
                                                   "example.com", "U1", "Ana", "Europe/Berlin"), NOW, NOW, None, None)
    assert feed is not None
    meeting = await store.calendar.create_meeting(MeetingDraft(Platform.SLACK, "C1", "T1", "Design sync", "U1", "Ana",
                                                               "Europe/Berlin", NOW + timedelta(days=2), 30))
    assert await store.calendar.claim_link(feed.id, "s@test", OLD, meeting.id, "f1")
    return feed.id, meeting.id


async def test_relink_gives_the_link_the_new_key(store: Store) -> None:
    feed_id, meeting_id = await _feed_and_meeting(store)
    assert await store.calendar.relink(feed_id, "s@test", OLD, NEW)
    [link] = await store.calendar.links(feed_id)
    assert (link.recurrence_id, link.meeting_id, link.fingerprint, link.gone) == (NEW, meeting_id, "f1", False)
    assert not await store.calendar.relink(feed_id, "s@test", OLD, NEW)  # nothing left at the old key


async def test_relink_replaces_a_cancelled_link_at_the_new_key_but_not_a_live_one(store: Store) -> None:
    feed_id, meeting_id = await _feed_and_meeting(store)
    other = await store.calendar.create_meeting(MeetingDraft(Platform.SLACK, "C1", "T1", "Design sync", "U1", "Ana",
                                                             "Europe/Berlin", NOW + timedelta(days=2, minutes=30), 30))
    assert await store.calendar.claim_link(feed_id, "s@test", NEW, other.id, "f2")
    assert not await store.calendar.relink(feed_id, "s@test", OLD, NEW)  # a live link holds the new key
    await store.meetings.mark_cancelled(other.id, NOW)
    await store.calendar.mark_gone(feed_id, "s@test", NEW)
    assert await store.calendar.relink(feed_id, "s@test", OLD, NEW)
    assert [(k.recurrence_id, k.meeting_id) for k in await store.calendar.links(feed_id)] == [(NEW, meeting_id)]
    await store.calendar.mark_gone(feed_id, "s@test", NEW)
    assert not await store.calendar.relink(feed_id, "s@test", NEW, OLD)  # a gone link is not moved
