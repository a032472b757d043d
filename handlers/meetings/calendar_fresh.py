"""A calendar meeting's nudge waits while its feed is due to be read again, so it is not sent for a time the
calendar no longer says (an event moved while the bot was down: the outbox runs a second after a start, the
look for due feeds only after CALENDARS_EVERY).

The wait is decided from the database, so it holds on every replica: a nudge waits (rechecked every
RECHECK) while its feed is overdue (`next_fetch_at` passed) and either a replica is reading it right now (its
lease runs) or it came due less than PICKUP ago (counted from the later of the nudge's own due time and the
feed's). It never waits past the meeting's start, for a feed nobody on this server can read, or for a feed
that failed (a failure sets its next read ahead: its meetings stay as they were, and so do their nudges).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from handlers.core.errors import Later
from handlers.core.services import Services
from handlers.meetings.calendar_ports import GRAPH, calendar_store, fetcher_of, group_calendar_of
from handlers.meetings.ports import Meeting

RECHECK = timedelta(seconds=15)
PICKUP = timedelta(minutes=10)  # a due feed is picked up within a look (30 s); this bounds a wait for one


async def wait_for_feed(svc: Services, meeting: Meeting, due_at: datetime, now: datetime) -> None:
    """Raise Later when the meeting comes from a calendar feed that is being (or about to be) read again."""
    if now >= meeting.starts_at:
        return
    store = calendar_store(svc)
    link = await store.feed_of_meeting(meeting.id)
    if link is None:
        return  # registered with /meeting, not from a calendar
    feed = await store.get_feed(link.feed_id)
    if feed is None or feed.next_fetch_at is None or feed.next_fetch_at > now:
        return
    if (group_calendar_of(svc) if feed.kind == GRAPH else fetcher_of(svc)) is None:
        return  # nobody here reads it: it would wait for nothing
    reading = feed.lease_until is not None and feed.lease_until > now
    if reading or now < max(due_at, feed.next_fetch_at) + PICKUP:
        raise Later(min(now + RECHECK, meeting.starts_at), "calendar feed being read")
