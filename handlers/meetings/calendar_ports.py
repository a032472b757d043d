"""What calendar feeds need from the outside: a fetcher (HTTP lives in bot/calendar, passed in through
`Services.ports`) and storage (storage/repos/calendar.py), as plain data and Protocols."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from handlers.core.services import Services
from handlers.core.types import Place, Platform
from handlers.meetings.ports import Meeting, MeetingDraft

PORT = "calendar"  # the key of the fetcher in Services.ports
ICS, GRAPH = "ics", "graph"


class FeedError(Exception):
    """A feed could not be read. `reason` is shown to people as is (no URL in it: feed URLs are secrets)."""

    def __init__(self, reason: str, *, transient: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.transient = transient


@dataclass(frozen=True, slots=True)
class Fetched:
    """One fetch. `body` is None when the server answered 304 Not Modified."""

    body: bytes | None
    etag: str | None = None
    last_modified: str | None = None

    @property
    def not_modified(self) -> bool:
        return self.body is None


class CalendarFetcher(Protocol):
    """Fetches one feed. Raises FeedError with a person-readable reason."""

    refresh_seconds: float

    def normalise(self, url: str) -> str:
        """The URL as it will be fetched (webcal:// becomes https://); FeedError when it is not http(s)."""
        ...

    async def fetch(self, url: str, etag: str | None, last_modified: str | None) -> Fetched: ...


class GroupCalendar(Protocol):
    """A Microsoft 365 group calendar read through Graph (Teams)."""

    async def events(self, group_id: str, start: datetime, end: datetime, tz: str = "") -> list[object]:
        """The group's event occurrences in [start, end) as Occurrence objects (calendar_parse); `tz` is the
        feed's zone, for events created in UTC or in a zone Graph cannot name."""
        ...


@dataclass(frozen=True, slots=True)
class Feed:
    id: int
    platform: Platform
    channel_id: str
    team_id: str
    kind: str  # ics | graph
    url: str  # ICS: the feed address (a secret); graph: the group id
    label: str  # what is shown: the host of the feed, or the group's name
    added_by: str
    added_by_name: str
    tz: str  # the adder's zone: the default for floating times
    created_at: datetime
    last_sync_at: datetime | None = None
    etag: str | None = None
    last_modified: str | None = None
    failures: int = 0
    last_error: str | None = None
    error_reported: bool = False
    next_fetch_at: datetime | None = None
    claimed_by: str | None = None
    parsed_at: datetime | None = None
    lease_until: datetime | None = None  # while a replica reads it

    @property
    def place(self) -> Place:
        return Place(self.platform, self.channel_id, self.team_id)


@dataclass(frozen=True, slots=True)
class FeedDraft:
    platform: Platform
    channel_id: str
    team_id: str
    kind: str
    url: str
    label: str
    added_by: str
    added_by_name: str
    tz: str


@dataclass(frozen=True, slots=True)
class Link:
    """A feed occurrence (UID, RECURRENCE-ID) and the meeting it became."""

    feed_id: int
    uid: str
    recurrence_id: str
    meeting_id: int
    fingerprint: str
    gone: bool  # the sync cancelled it (vanished or cancelled in the calendar), not a person


class CalendarStore(Protocol):
    async def add_feed(self, draft: FeedDraft, now: datetime, next_fetch_at: datetime,
                       etag: str | None, last_modified: str | None) -> Feed | None:
        """None when the channel already has this feed."""
        ...

    async def feeds(self, platform: Platform, channel_id: str) -> list[Feed]: ...

    async def get_feed(self, feed_id: int) -> Feed | None: ...

    async def remove_feed(self, feed_id: int) -> None: ...

    async def forget(self, platform: Platform, user_ids: Sequence[str]) -> dict[str, int]:
        """Clear these ids (a forgotten person's) and their name as who connected a feed; the feeds stay.
        Returns {"calendar": n}."""
        ...

    async def claim_due(self, worker: str, now: datetime, lease_seconds: float, limit: int) -> list[Feed]:
        """Feeds due for a fetch, leased to `worker` (FOR UPDATE SKIP LOCKED on PostgreSQL): each due feed
        goes to one replica."""
        ...

    async def fetched(self, feed_id: int, worker: str, now: datetime, next_fetch_at: datetime,
                      etag: str | None, last_modified: str | None, *, parsed: bool) -> bool:
        """A successful fetch (or 304): the lease is released; False when the lease was lost."""
        ...

    async def failed(self, feed_id: int, worker: str, now: datetime, next_fetch_at: datetime, error: str,
                     reported: bool) -> bool: ...

    async def links(self, feed_id: int) -> list[Link]: ...

    async def claim_link(self, feed_id: int, uid: str, recurrence_id: str, meeting_id: int,
                         fingerprint: str, join_thread: str = "") -> bool:
        """Link a new meeting to the occurrence; False when another replica linked one first."""
        ...

    async def relink(self, feed_id: int, uid: str, old_recurrence_id: str, new_recurrence_id: str) -> bool:
        """Give a live link the occurrence's new key (a moved series); False when the old link is gone or the
        new key holds a live link."""
        ...

    async def drop_meeting(self, meeting_id: int) -> None: ...

    async def create_meeting(self, draft: MeetingDraft) -> Meeting: ...

    async def update_meeting(self, meeting_id: int, *, title: str, tz: str, starts_at: datetime,
                             minutes: int) -> Meeting | None: ...

    async def replace_calendar_items(self, meeting_id: int, items: list[tuple[str, int | None]]) -> None: ...

    async def set_fingerprint(self, feed_id: int, uid: str, recurrence_id: str, fingerprint: str,
                              join_thread: str = "") -> None: ...

    async def mark_gone(self, feed_id: int, uid: str, recurrence_id: str) -> None: ...

    async def feed_meetings(self, feed_id: int, now: datetime, limit: int) -> list[int]:
        """Ids of the feed's meetings still ahead (scheduled), soonest first."""
        ...

    async def feed_of_meeting(self, meeting_id: int) -> Link | None: ...


    # live Teams meetings
    async def meetings_of_thread(self, platform: Platform, thread: str, start: datetime,
                                 end: datetime) -> list[Meeting]: ...

    async def live_started(self, platform: Platform, chat_id: str, external_id: str, title: str,
                           started_at: datetime, meeting_id: int | None) -> tuple[LiveMeeting, bool]: ...

    async def live_open(self, platform: Platform, external_id: str) -> LiveMeeting | None: ...

    async def live_ended(self, live_id: int, ended_at: datetime) -> bool: ...


@dataclass(frozen=True, slots=True)
class LiveMeeting:
    id: int
    platform: Platform
    chat_id: str
    external_id: str
    title: str
    started_at: datetime
    ended_at: datetime | None
    meeting_id: int | None


def fetcher_of(svc: Services) -> CalendarFetcher | None:
    found: CalendarFetcher | None = svc.ports.get(PORT)
    return found


def group_calendar_of(svc: Services) -> GroupCalendar | None:
    found: GroupCalendar | None = svc.ports.get("graph_calendar")
    return found


def calendar_store(svc: Services) -> CalendarStore:
    return svc.store.calendar
