"""Keeping a channel's meetings in step with its calendar feeds.

A periodic task claims the feeds that are due (leased, so of several replicas one fetches each feed),
fetches each with a conditional request and reconciles its occurrences of the next 14 days with the
channel's meetings, keyed by (feed, UID, RECURRENCE-ID):
- a new occurrence becomes a meeting, its description's bullet lines its agenda, its nudges scheduled;
- a moved or changed occurrence moves its meeting, and its nudges move with it (new outbox keys, also when
  it moves back to a time it had: `version`); so does a moved series, whose occurrences all get new keys
  (calendar_moves pairs each vanished occurrence with a new one of the same UID, at the series' shift);
- a cancelled or vanished occurrence cancels its meeting and its nudges, without a word in the channel;
- meetings that started, ended, or that a person cancelled in steadybot are left alone.
A failing feed is retried with backoff and reported once (privately) to the person who added it; it never
stops the other feeds.
A Microsoft 365 group calendar (GRAPH) is read only for a Teams channel of the team that group backs (the
directory's `team_group_id`): the bot reads Graph with its own tenant-wide permission, so another team's
group is refused (and the meetings it brought are dropped), and when the team's group cannot be told the
feed is kept but not read that time (fail closed).
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta

from handlers.core.errors import StorageUnavailable
from handlers.core.ports import team_group_id
from handlers.core.services import Services
from handlers.core.text import clip
from handlers.core.types import OutboxItem, Person, Place, Platform, Reply, Target, Visibility
from handlers.meetings import schedule
from handlers.meetings.calendar_moves import carry_over
from handlers.meetings.calendar_parse import HORIZON, Occurrence, occurrences
from handlers.meetings.calendar_ports import (
    GRAPH,
    Feed,
    FeedError,
    Fetched,
    calendar_store,
    fetcher_of,
    group_calendar_of,
)
from handlers.meetings.ports import CANCELLED, SCHEDULED, Meeting, MeetingDraft
from handlers.meetings.schedule import key, store_of

log = logging.getLogger("steadybot.calendar")

LEASE = 120.0  # seconds a replica holds a feed it is fetching
BATCH = 8  # feeds one replica fetches at once per look
MAX_BACKOFF = timedelta(hours=6)
FULL_READ_EVERY = timedelta(hours=12)  # unchanged feeds are read in full this often: the 14 days roll on
OWN_GROUP_ONLY = "a channel can follow only its own team's group calendar"
UNCHECKED = ("wasn't read this time: Teams couldn't say which Microsoft 365 group this channel's team is "
             "(I'll check again)")


class NotTheTeamsGroup(FeedError):
    """A group calendar that is not the group of the channel's own team: refused, its meetings dropped."""


class TeamGroupUnknown(Exception):
    """Which group the channel's team is could not be told (the lookup failed): the feed is not read now."""


async def check_team_group(svc: Services, place: Place, group: str) -> str:
    """The group id of the team `place` belongs to, when `group` is that one (compared without case: a GUID).
    NotTheTeamsGroup when it is another group, or the place belongs to no team, or its platform has no team
    groups (the directory has no `team_group_id`); TeamGroupUnknown when the directory could not tell."""
    try:
        own = await team_group_id(svc.directory, place)
    except StorageUnavailable:
        raise
    except Exception as exc:  # noqa: BLE001 - whatever the platform's lookup raised: nobody can tell, so no read
        raise TeamGroupUnknown(type(exc).__name__) from exc
    if own is None or own.strip().lower() != group.strip().lower():
        raise NotTheTeamsGroup(f"is another team's Microsoft 365 group calendar: {OWN_GROUP_ONLY}")
    return own


def version(meeting: Meeting, moved_at: datetime | None = None) -> str:
    """Outbox keys of a calendar meeting carry its start, so a moved meeting gets new nudges — and, after a
    move, the moment of the move (milliseconds): a meeting moved back to a start it had (A → B → A) would
    otherwise get the keys of its first rows at A, which the first move cancelled (or which were sent), and
    the outbox keeps the row it has for a key, so nothing would go out at A. Only nudges still ahead are
    scheduled again (schedule.outbox_items), so one that went out at A before the moves is not repeated."""
    start = str(int(meeting.starts_at.timestamp()))
    return start if moved_at is None else f"{start}.{int(moved_at.timestamp() * 1000)}"


def refresh_of(svc: Services) -> timedelta:
    fetcher = fetcher_of(svc)
    return timedelta(seconds=fetcher.refresh_seconds if fetcher is not None else 600.0)


def backoff(svc: Services, failures: int) -> timedelta:
    """After the n-th failure in a row: the refresh interval, doubled each time, at most 6 hours, ±10 %."""
    base = min(refresh_of(svc) * (2 ** min(max(failures - 1, 0), 16)), MAX_BACKOFF)
    return base * (0.9 + 0.2 * svc.rng.random())


# ---- reading a feed --------------------------------------------------------------------------------
async def read(svc: Services, feed: Feed, now: datetime, *, conditional: bool = True) -> tuple[Fetched, list[Occurrence] | None]:
    """Fetch and parse one feed. The occurrences are None when the feed is unchanged (HTTP 304)."""
    if feed.kind == GRAPH:
        if feed.platform != Platform.TEAMS:  # the bot's Graph access is its Teams tenant's (see calendar_commands)
            raise FeedError("is a Microsoft 365 group calendar, which only a Microsoft Teams channel can follow")
        group = group_calendar_of(svc)
        if group is None:
            raise FeedError("is a Microsoft 365 group calendar, and Microsoft Graph isn't set up on this server")
        # the bot's Graph permission is tenant-wide: only the group of the channel's own team is read
        await check_team_group(svc, feed.place, feed.url)
        found = await group.events(feed.url, now, now + HORIZON, feed.tz)
        return Fetched(b""), [o for o in found if isinstance(o, Occurrence)]
    fetcher = fetcher_of(svc)
    if fetcher is None:
        raise FeedError("can't be fetched: calendar feeds aren't set up on this server")
    fresh = conditional and feed.parsed_at is not None and now - feed.parsed_at < FULL_READ_EVERY
    fetched = await fetcher.fetch(feed.url, feed.etag if fresh else None, feed.last_modified if fresh else None)
    if fetched.body is None:
        return fetched, None
    # parsed in a worker thread: a feed of a few thousand entries takes seconds, which on the event loop every
    # request in flight would wait for (calendar_parse bounds the work itself)
    return fetched, await asyncio.to_thread(occurrences, fetched.body, now, feed.tz)


# ---- reconciling -----------------------------------------------------------------------------------
async def reconcile(svc: Services, feed: Feed, found: list[Occurrence], now: datetime) -> list[Meeting]:
    """Make the channel's meetings from this feed match `found`; returns the feed's live meetings."""
    store = calendar_store(svc)
    meetings = store_of(svc)
    links = {(link.uid, link.recurrence_id): link for link in await store.links(feed.id)}
    # a moved series changes every occurrence's key: a vanished one paired with a new one is one moved meeting
    links = await carry_over(store, feed.id, links, meetings.get, found, now, now + HORIZON)
    seen: set[tuple[str, str]] = set()
    live: list[Meeting] = []
    for occurrence in found:
        seen.add(occurrence.key)
        link = links.get(occurrence.key)
        meeting = await meetings.get(link.meeting_id) if link is not None else None
        if link is None or meeting is None or (meeting.status == CANCELLED and link.gone):
            made = await _create(svc, feed, occurrence)
            if made is not None:
                live.append(made)
            continue
        if meeting.status != SCHEDULED:
            if meeting.status != CANCELLED:
                live.append(meeting)
            continue  # running or ended: history; cancelled by a person: their decision stands
        if link.fingerprint == occurrence.fingerprint:
            live.append(meeting)
            continue
        live.append(await _update(svc, feed, meeting, occurrence))
    horizon = now + HORIZON
    for occurrence_key, link in links.items():
        if occurrence_key in seen or link.gone:
            continue
        meeting = await meetings.get(link.meeting_id)
        if meeting is None or meeting.status != SCHEDULED or not now < meeting.starts_at < horizon:
            continue
        if await meetings.mark_cancelled(meeting.id, now):  # cancelled or gone from the calendar: silently
            await svc.outbox.cancel(key(meeting.id))
        await store.mark_gone(feed.id, link.uid, link.recurrence_id)
    return sorted(live, key=lambda m: (m.starts_at, m.id))


def _items(occurrence: Occurrence) -> list[tuple[str, int | None]]:
    return [(item.text, item.minutes) for item in occurrence.items]


async def _create(svc: Services, feed: Feed, occurrence: Occurrence) -> Meeting | None:
    store = calendar_store(svc)
    meeting = await store.create_meeting(MeetingDraft(
        feed.platform, feed.channel_id, feed.team_id, occurrence.title, feed.added_by, feed.added_by_name,
        occurrence.tz, occurrence.starts_at, occurrence.minutes))
    if not await store.claim_link(feed.id, occurrence.uid, occurrence.recurrence_id, meeting.id,
                                  occurrence.fingerprint, occurrence.join_thread):
        await store.drop_meeting(meeting.id)  # another replica made it a moment ago, or a person cancelled it
        return None
    if occurrence.items:
        await store.replace_calendar_items(meeting.id, _items(occurrence))
    await schedule.schedule(svc, meeting, version(meeting))
    return meeting


async def _update(svc: Services, feed: Feed, meeting: Meeting, occurrence: Occurrence) -> Meeting:
    store = calendar_store(svc)
    moved = meeting.starts_at != occurrence.starts_at or meeting.duration_minutes != occurrence.minutes
    updated = await store.update_meeting(meeting.id, title=occurrence.title, tz=occurrence.tz,
                                         starts_at=occurrence.starts_at, minutes=occurrence.minutes)
    if updated is None:
        return meeting  # it started a moment ago
    await store.replace_calendar_items(meeting.id, _items(occurrence))
    if moved and meeting.starts_at != updated.starts_at:
        await svc.outbox.cancel(key(meeting.id))
        await schedule.schedule(svc, updated, version(updated, moved_at=svc.clock.now()))
    await store.set_fingerprint(feed.id, occurrence.uid, occurrence.recurrence_id, occurrence.fingerprint,
                                occurrence.join_thread)
    return updated


# ---- the periodic task -----------------------------------------------------------------------------
async def sync_due(svc: Services) -> None:
    """Periodic, on every replica: fetch the feeds that are due (each claimed by one replica)."""
    if fetcher_of(svc) is None and group_calendar_of(svc) is None:
        return
    store = calendar_store(svc)
    worker = f"cal-{svc.rng.getrandbits(64):016x}"
    feeds = await store.claim_due(worker, svc.clock.now(), LEASE, BATCH)
    # at once: a slow feed (up to the fetch timeout) holds up no other, and the batch ends well inside its lease
    results = await asyncio.gather(*(sync_feed(svc, feed, worker) for feed in feeds), return_exceptions=True)
    for feed, result in zip(feeds, results, strict=True):
        if isinstance(result, StorageUnavailable):
            raise result  # the lease brings the feed back
        if isinstance(result, BaseException):
            log.error("calendar feed %s: sync failed (%s)", feed.id, type(result).__name__)


async def sync_feed(svc: Services, feed: Feed, worker: str) -> None:
    store = calendar_store(svc)
    now = svc.clock.now()
    try:
        fetched, found = await read(svc, feed, now)
        if found is not None:
            await reconcile(svc, feed, found, now)
    except TeamGroupUnknown as exc:  # fail closed: kept, not read now, tried again later
        log.warning("calendar feed %s not read this time: its channel's team's Microsoft 365 group could not be "
                    "looked up (%s)", feed.id, exc)
        await store.failed(feed.id, worker, now, now + backoff(svc, feed.failures + 1), UNCHECKED,
                           feed.error_reported)
        return
    except NotTheTeamsGroup as exc:  # another team's group: what it brought leaves the channel
        await drop_meetings(svc, feed, now)
        await _failed(svc, feed, worker, now, exc.reason, dropped=True)
        return
    except FeedError as exc:
        await _failed(svc, feed, worker, now, exc.reason)
        return
    except StorageUnavailable:
        raise
    except Exception:  # noqa: BLE001 - one feed's surprise must not stop the others
        log.exception("calendar feed %s could not be synced", feed.id)
        await _failed(svc, feed, worker, now, "couldn't be read (an unexpected error; the log has details)")
        return
    await store.fetched(feed.id, worker, now, now + refresh_of(svc), fetched.etag or feed.etag,
                        fetched.last_modified or feed.last_modified, parsed=found is not None)


async def drop_meetings(svc: Services, feed: Feed, now: datetime) -> int:
    """Cancel the feed's meetings still ahead, and their nudges, quietly (`/meeting calendar remove`, and a
    group calendar the channel may not follow); how many were cancelled."""
    meetings = store_of(svc)
    cancelled = 0
    for meeting_id in await calendar_store(svc).feed_meetings(feed.id, now, 1000):
        if await meetings.mark_cancelled(meeting_id, now):
            await svc.outbox.cancel(key(meeting_id))
            cancelled += 1
    return cancelled


async def _failed(svc: Services, feed: Feed, worker: str, now: datetime, reason: str, *,
                  dropped: bool = False) -> None:
    failures = feed.failures + 1
    retry = now + backoff(svc, failures)
    log.info("calendar feed %s failed (%d in a row): %s", feed.id, failures, reason)
    reported = feed.error_reported
    if not reported and not feed.added_by:
        reported = True  # whoever connected it was forgotten: nobody to tell (the listing shows the error)
    if not reported:
        since = (feed.last_sync_at or feed.created_at).isoformat()
        person = Person(feed.platform, feed.added_by, feed.added_by_name)
        text = (f"⚠️ The calendar **{clip(feed.label, 80)}** you connected to a channel {reason}. Its meetings "
                "there stay as they were; I'll keep trying, less and less often. If the address changed, remove "
                "it with `/meeting calendar remove <n>` in that channel and add the new one.")
        if dropped:
            text = (f"⚠️ The calendar **{clip(feed.label, 80)}** you connected to a channel {reason}. I don't read it "
                    "any more, and its meetings there are off steadybot's list (the calendar itself is unchanged). "
                    "Remove it with `/meeting calendar remove <n>` in that channel.")
        await svc.outbox.enqueue([OutboxItem(Target.user(person, feed.team_id), now,
                                             reply=Reply(text, visibility=Visibility.PRIVATE,
                                                         notify_text="A calendar feed stopped working"),
                                             dedupe_key=f"calendar:{feed.id}:failed:{since}")])
        reported = True
    await calendar_store(svc).failed(feed.id, worker, now, retry, reason, reported)
