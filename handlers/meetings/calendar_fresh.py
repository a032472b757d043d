"""A calendar meeting's nudge waits while its feed is due to be read again, so it is not sent for a time the
calendar no longer says (an event moved while the bot was down: the outbox runs a second after a start, the
look for due feeds only after CALENDARS_EVERY).

The wait is decided from the database, so it holds on every replica: a nudge waits (rechecked every RECHECK)
while its feed is overdue (`next_fetch_at` passed) and its read is still to come or under way: no read has
been tried since it came due (no lease: after downtime, however long; with many feeds, until the looks reach
it, a few each) or one is running (its lease has not run out). A read that ends, well or not, releases the
lease and ends the wait: success moves or keeps the meeting, a failure sets the next read ahead and the
nudge goes out for the time steadybot knows. So does a read that stopped halfway (its replica died, a
crash): its lease runs out (at most the read's lease time) and the nudge no longer waits. It never waits past
the meeting's start (a nudge is not sent once the meeting started: nudges.py), nor for a feed nobody on this
server can read.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from handlers.core.errors import Later
from handlers.core.services import Services
from handlers.meetings.calendar_ports import GRAPH, calendar_store, fetcher_of, group_calendar_of
from handlers.meetings.ports import Meeting

RECHECK = timedelta(seconds=15)


async def wait_for_feed(svc: Services, meeting: Meeting, now: datetime) -> None:
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
    stalled = feed.lease_until is not None and feed.lease_until <= now  # a read began and never ended
    if not stalled:
        raise Later(min(now + RECHECK, meeting.starts_at), "calendar feed being read")
