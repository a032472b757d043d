"""The meeting and timebox repositories on SQLite and PostgreSQL: idempotent occurrences, conditional state
changes, agenda order, answers, and one running timebox per channel or thread even under concurrency."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from handlers.core.clock import FakeClock
from handlers.core.recurrence import parse_recurrence
from handlers.core.types import Place, Platform
from handlers.meetings.ports import MeetingDraft, NextAdded, SeriesDraft, StartRecord
from handlers.timebox.ports import TimeboxDraft, TimeboxStatus
from storage.db import Database
from storage.migrate import upgrade
from storage.store import Store

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
PLACE = Place(Platform.SLACK, "C1", "T1")


@pytest.fixture
async def store(db_url: str) -> AsyncIterator[Store]:
    await upgrade(db_url)
    db = Database(db_url)
    try:
        yield Store(db, FakeClock(NOW))
    finally:
        await db.dispose()


def _draft(start: datetime, minutes: int = 30, title: str = "Review") -> MeetingDraft:
    return MeetingDraft(Platform.SLACK, "C1", "T1", title, "U1", "Ana", "Europe/Berlin", start, minutes)


async def test_meetings_in_progress_next_and_finished(store: Store) -> None:
    repo = store.meetings
    soon = await repo.create(_draft(NOW + timedelta(hours=1)))
    later = await repo.create(_draft(NOW + timedelta(days=1), title="Later"))
    assert soon.ends_at == NOW + timedelta(hours=1, minutes=30) and soon.status == "scheduled"
    assert await repo.in_progress(Platform.SLACK, "C1", NOW) is None
    assert (await repo.current_or_next(Platform.SLACK, "C1", NOW)).id == soon.id  # type: ignore[union-attr]
    during = NOW + timedelta(hours=1, minutes=10)
    assert (await repo.in_progress(Platform.SLACK, "C1", during)).id == soon.id  # type: ignore[union-attr]
    assert await repo.in_progress(Platform.SLACK, "C1", during) == await repo.get(soon.id)  # read as the ORM reads
    assert await repo.in_progress(Platform.SLACK, "C2", during) is None
    assert await repo.in_progress(Platform.TEAMS, "C1", during) is None
    assert await repo.in_progress(Platform.SLACK, "C1", soon.ends_at) is None  # the end is exclusive
    assert [m.id for m in await repo.upcoming(Platform.SLACK, "C1", NOW, 10)] == [soon.id, later.id]
    assert [m.id for m in await repo.overlapping(Platform.SLACK, "C1", soon.starts_at, soon.ends_at)] == [soon.id]

    record = StartRecord(soon.starts_at, False, 4, 2, 1)
    assert await repo.mark_started(soon.id, record) is True
    assert await repo.mark_started(soon.id, record) is False  # a retried start changes nothing
    assert await repo.mark_cancelled(soon.id, during) is False  # too late to cancel
    assert await repo.set_duration(soon.id, 15) is None  # only before the start
    assert await repo.in_progress(Platform.SLACK, "C1", during) == await repo.get(soon.id)  # started: times, flags
    assert await repo.mark_ended(soon.id, during, 10.0) is True
    assert await repo.mark_ended(soon.id, during, 99.0) is False
    assert await repo.mark_cancelled(later.id, NOW) is True
    done = await repo.finished_since(Platform.SLACK, "C1", NOW, NOW + timedelta(days=2))
    assert [(m.title, m.status, m.actual_minutes, m.attendees) for m in done] == [
        ("Review", "ended", 10.0, 4), ("Later", "cancelled", None, None)]
    assert await repo.finished_since(Platform.SLACK, "C1", NOW, NOW + timedelta(hours=1)) == []


async def test_shortening_moves_the_end(store: Store) -> None:
    meeting = await store.meetings.create(_draft(NOW + timedelta(hours=3), 60))
    shorter = await store.meetings.set_duration(meeting.id, 15)
    assert shorter is not None and shorter.ends_at == meeting.starts_at + timedelta(minutes=15)


async def test_occurrences_are_created_once_even_when_replicas_race(store: Store) -> None:
    rule = parse_recurrence("every weekday at 9:30").to_dict()
    series = await store.meetings.create_series(SeriesDraft(Platform.SLACK, "C1", "T1", "Standup", "U1", "Ana",
                                                            "Europe/Berlin", rule, 15))
    start = datetime(2026, 3, 3, 8, 30, tzinfo=UTC)
    found = await asyncio.gather(*(store.meetings.occurrence(series, start) for _ in range(6)))
    made = [m for m in found if m is not None]
    assert len(made) == 6 and len({m.id for m in made}) == 1 and made[0].series_id == series.id
    assert len(await store.meetings.upcoming(Platform.SLACK, "C1", NOW, 10)) == 1
    assert [s.id for s in await store.meetings.series_due(NOW)] == [series.id]
    await store.meetings.set_materialized(series.id, start)
    assert await store.meetings.series_due(start) == []
    assert await store.meetings.stop_series(series.id, NOW) == [made[0].id]
    assert await store.meetings.series_due(NOW + timedelta(days=9)) == []
    assert (await store.meetings.get_series(series.id)).active is False  # type: ignore[union-attr]


async def test_agenda_order_limits_and_answers(store: Store) -> None:
    repo = store.meetings
    meeting = await repo.create(_draft(NOW + timedelta(days=1)))
    after_a = await repo.add_item(meeting.id, "A", 5, "U1", limit=3)
    after_b = await repo.add_item(meeting.id, "B", None, "U2", limit=3)
    after_c = await repo.add_item(meeting.id, "C" * 400, 10, "U1", limit=3)
    assert after_a and after_b and after_c
    a, c = after_a[-1], after_c[-1]  # the agenda in order, the new item last
    assert [i.text[:1] for i in after_b] == ["A", "B"] and after_c == await repo.agenda(meeting.id)
    assert [(i.position, i.minutes, i.added_by) for i in after_c] == [(1, 5, "U1"), (2, None, "U2"), (3, 10, "U1")]
    assert len(c.text) == 300
    assert await repo.add_item(meeting.id, "D", 1, "U1", limit=3) is None
    assert [i.text[:1] for i in await repo.move_item(c.id, 1)] == ["C", "A", "B"]
    assert [i.text[:1] for i in await repo.move_item(c.id, 99)] == ["A", "B", "C"]
    assert (await repo.remove_item(a.id)).text == "A"  # type: ignore[union-attr]
    assert await repo.remove_item(a.id) is None
    assert [i.text[:1] for i in await repo.agenda(meeting.id)] == ["B", "C"]
    assert await repo.move_item(a.id, 1) == []

    q1 = await repo.add_question(meeting.id, "Which design?", "U1", limit=2)
    q2 = await repo.add_question(meeting.id, "Which date?", "U1", limit=2)
    assert q1 and q2 and await repo.add_question(meeting.id, "More?", "U1", limit=2) is None
    assert await repo.answer(q1.id, "U2", "Ben", "The second") is True
    assert await repo.answer(q1.id, "U2", "Ben", "The first, after all") is True  # replaces Ben's answer
    assert await repo.answer(q1.id, "U3", "Chloé", "Either") is True
    assert await repo.answer(999_999, "U3", "Chloé", "?") is False
    questions = await repo.questions(meeting.id)
    assert [(q.text, [(a.name, a.text) for a in q.answers]) for q in questions] == [
        ("Which design?", [("Ben", "The first, after all"), ("Chloé", "Either")]), ("Which date?", [])]
    assert (await repo.get_question(q2.id)).answered is False  # type: ignore[union-attr]
    await repo.set_open_minutes(meeting.id, 0)
    assert (await repo.get(meeting.id)).open_minutes == 0  # type: ignore[union-attr]


async def test_adds_at_the_same_moment_never_pass_the_limit_or_share_a_position(store: Store) -> None:
    """Twelve `/agenda add`s at once against a limit of five (on PostgreSQL each on its own pooled
    connection): five are added, at positions 1-5, and the rest are told the agenda is full."""
    repo = store.meetings
    meeting = await repo.create(_draft(NOW + timedelta(days=1)))
    added = await asyncio.gather(*(repo.add_item(meeting.id, f"item {n}", None, "U1", limit=5) for n in range(12)))
    assert sum(result is not None for result in added) == 5
    agenda = await repo.agenda(meeting.id)
    assert sorted(item.position for item in agenda) == [1, 2, 3, 4, 5]


async def test_one_running_timebox_per_channel_or_thread(store: Store) -> None:
    repo = store.timebox
    drafts = [TimeboxDraft(PLACE, f"t{i}", "U1", NOW, 600) for i in range(6)]
    started = await asyncio.gather(*(repo.start(d) for d in drafts))
    winners = [b for b in started if b is not None]
    assert len(winners) == 1  # replicas starting at the same moment: exactly one box
    box = winners[0]
    thread = await repo.start(TimeboxDraft(PLACE.in_thread("1700.1"), "side", "U1", NOW, 120))
    assert thread is not None and thread.thread_id == "1700.1"
    assert (await repo.running(PLACE)).id == box.id  # type: ignore[union-attr]
    assert (await repo.running(PLACE.in_thread("1700.1"))).id == thread.id  # type: ignore[union-attr]

    longer = await repo.extend(box.id, box.generation, box.ends_at + timedelta(minutes=5))
    assert longer is not None and longer.generation == 1 and longer.total == timedelta(minutes=15)
    assert await repo.extend(box.id, box.generation, box.ends_at) is None  # a stale generation loses
    finished = await repo.finish(box.id, TimeboxStatus.STOPPED, NOW + timedelta(minutes=3))
    assert finished is not None and finished.status == "stopped"
    assert await repo.finish(box.id, TimeboxStatus.ENDED, NOW) is None
    assert await repo.running(PLACE) is None
    again = await repo.start(TimeboxDraft(PLACE, "next", "U1", NOW, 60, meeting_id=7))
    assert again is not None and (await repo.for_meeting(7)).id == again.id  # type: ignore[union-attr]


async def test_add_to_next_finds_the_meeting_and_adds_in_one_unit(store: Store) -> None:
    """`/agenda add`'s one unit: nothing is written without a meeting or for an item longer than the meeting;
    the agenda comes back with the new item last; a full agenda is refused."""
    repo = store.meetings
    add = repo.add_to_next
    assert await add(Platform.SLACK, "C1", NOW, "A", 5, "U1", 3) == NextAdded(None)
    meeting = await repo.create(_draft(NOW + timedelta(days=1), minutes=30))
    await repo.create(_draft(NOW + timedelta(days=2), title="Later"))
    too_long = await add(Platform.SLACK, "C1", NOW, "Everything", 45, "U1", 3)
    assert too_long.too_long and too_long.items is None and too_long.meeting == meeting
    assert await repo.agenda(meeting.id) == []
    first = await add(Platform.SLACK, "C1", NOW, "A", 30, "U1", 2)
    second = await add(Platform.SLACK, "C1", NOW, "B" * 400, None, "U2", 2)
    assert first.meeting == meeting and first.items and [i.text for i in first.items] == ["A"]
    assert second.items == await repo.agenda(meeting.id) and len(second.items[-1].text) == 300
    assert [(i.position, i.minutes, i.added_by) for i in second.items] == [(1, 30, "U1"), (2, None, "U2")]
    full = await add(Platform.SLACK, "C1", NOW, "C", None, "U1", 2)
    assert full == NextAdded(meeting) and not full.too_long
    assert await add(Platform.SLACK, "C2", NOW, "A", 5, "U1", 3) == NextAdded(None)  # another channel
    during = meeting.starts_at + timedelta(minutes=5)  # the meeting in progress comes before the next one
    assert (await add(Platform.SLACK, "C1", during, "D", None, "U1", 3)).meeting == meeting


async def test_adds_to_next_at_the_same_moment_never_pass_the_limit(store: Store) -> None:
    repo = store.meetings
    meeting = await repo.create(_draft(NOW + timedelta(days=1)))
    added = await asyncio.gather(*(repo.add_to_next(Platform.SLACK, "C1", NOW, f"item {n}", None, "U1", 5)
                                   for n in range(12)))
    assert sum(result.items is not None for result in added) == 5
    assert sorted(item.position for item in await repo.agenda(meeting.id)) == [1, 2, 3, 4, 5]


async def test_an_add_racing_a_cancel_never_lands_on_the_cancelled_meeting(store: Store, db_url: str) -> None:
    """`/meeting cancel` holds the meeting's row while `/agenda add` looks it up: once the cancel commits, the add
    finds no live meeting (PostgreSQL re-checks the status under the lock; SQLite's write lock comes first)."""
    repo = store.meetings
    meeting = await repo.create(_draft(NOW + timedelta(days=1)))
    if db_url.startswith("sqlite"):
        import sqlite3

        other = sqlite3.connect(db_url.removeprefix("sqlite:///"), isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        other.execute("UPDATE meetings SET status = 'cancelled' WHERE id = ?", (meeting.id,))
        add = asyncio.create_task(repo.add_to_next(Platform.SLACK, "C1", NOW, "late", None, "U1", 5))
        await asyncio.sleep(0.3)
        other.execute("COMMIT")
        other.close()
    else:
        import asyncpg

        conn = await asyncpg.connect(db_url.replace("postgresql+asyncpg://", "postgresql://"))
        try:
            async with conn.transaction():
                await conn.execute("SELECT id FROM meetings WHERE id = $1 FOR UPDATE", meeting.id)
                await conn.execute("UPDATE meetings SET status = 'cancelled' WHERE id = $1", meeting.id)
                add = asyncio.create_task(repo.add_to_next(Platform.SLACK, "C1", NOW, "late", None, "U1", 5))
                await asyncio.sleep(0.3)
                assert not add.done()  # waiting for the cancel's lock
        finally:
            await conn.close()
    assert await add == NextAdded(None)
    assert await repo.agenda(meeting.id) == []
