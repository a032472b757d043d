"""What the timebox handlers need from storage, and the link to meetings (a meeting runs in a timebox)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol

from handlers.core.services import Services
from handlers.core.types import Place, Platform, Reply


class TimeboxStatus(StrEnum):
    """A timebox's state; the values are what the `timeboxes.status` column stores."""

    RUNNING = "running"
    ENDED = "ended"
    STOPPED = "stopped"
    REPLACED = "replaced"


RUNNING, ENDED, STOPPED, REPLACED = (TimeboxStatus.RUNNING, TimeboxStatus.ENDED, TimeboxStatus.STOPPED,
                                     TimeboxStatus.REPLACED)


@dataclass(frozen=True, slots=True)
class TimeboxDraft:
    place: Place  # a channel, or a thread in it
    topic: str
    started_by: str
    started_at: datetime
    seconds: int
    meeting_id: int | None = None


@dataclass(frozen=True, slots=True)
class Timebox:
    id: int
    platform: Platform
    channel_id: str
    team_id: str
    thread_id: str | None
    topic: str
    started_by: str
    started_at: datetime
    planned_seconds: int
    ends_at: datetime
    generation: int  # bumped by every extension; warnings of older generations are void
    status: TimeboxStatus
    finished_at: datetime | None = None
    meeting_id: int | None = None

    @property
    def place(self) -> Place:
        return Place(self.platform, self.channel_id, self.team_id, self.thread_id)

    @property
    def total(self) -> timedelta:
        return self.ends_at - self.started_at

    @property
    def key(self) -> str:
        """The outbox dedupe prefix of everything this box sends."""
        return f"timebox:{self.id}:"


@dataclass(frozen=True, slots=True)
class TimeboxTotals:
    """A channel's finished plain timers (not a meeting's) that started in [since, until), summed by the
    store; what counts is decided there and described in docs/meetings.md ("Time-boxed calls in the reports")."""

    since: datetime
    until: datetime
    timers: int = 0  # finished (ended or stopped) plain timers
    finished_early: int = 0  # … of which stopped before their planned length
    ran_over: int = 0  # … of which ran longer than planned (extended, and used the extension)
    planned_seconds: int = 0
    actual_seconds: int = 0
    saved_seconds: int = 0  # planned − actual, over the timers that finished early
    overrun_seconds: int = 0  # actual − planned, over the timers that ran over

    @property
    def planned_minutes(self) -> int:
        return round(self.planned_seconds / 60)

    @property
    def actual_minutes(self) -> int:
        return round(self.actual_seconds / 60)

    @property
    def saved_minutes(self) -> int:
        return round(self.saved_seconds / 60)

    @property
    def overrun_minutes(self) -> int:
        return round(self.overrun_seconds / 60)


MAX_ID_DIGITS = 18  # fits a BIGINT; anything longer is not one of our ids


def parse_id(value: str) -> int | None:
    """A row id from a button value or form context; None for anything else (junk, huge numbers)."""
    text = value.strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) <= MAX_ID_DIGITS else None


def same_channel(where: Place, platform: Platform, channel_id: str) -> bool:
    """A button acts only in the channel its message is in (threads count as their channel)."""
    return where.platform == platform and where.channel_id == channel_id


def active_key(place: Place) -> str:
    return f"{place.platform.value}:{place.channel_id}:{place.thread_id or ''}"[:700]


class TimeboxStore(Protocol):
    async def start(self, draft: TimeboxDraft) -> Timebox | None:
        """Start a box; None when one is already running in that channel or thread."""
        ...

    async def running(self, place: Place) -> Timebox | None: ...

    async def latest(self, place: Place) -> Timebox | None:
        """The newest box started in exactly this place — platform, channel, workspace/tenant (`team_id`) and
        thread (none = the channel itself) — whatever its state (a typed extend after "Time's up")."""
        ...

    async def get(self, timebox_id: int) -> Timebox | None: ...

    async def for_meeting(self, meeting_id: int) -> Timebox | None: ...

    async def extend(self, timebox_id: int, generation: int, ends_at: datetime) -> Timebox | None:
        """Move the end of a running box whose generation is still `generation`; bumps the generation."""
        ...

    async def finish(self, timebox_id: int, status: TimeboxStatus, at: datetime) -> Timebox | None:
        """Running → ended/stopped/replaced (frees the channel); None when it was not running any more."""
        ...

    async def reopen(self, timebox_id: int, generation: int, ends_at: datetime) -> Timebox | None:
        """A plain box that ended by itself at its end (generation still `generation`) runs again until
        `ends_at`; None when it was stopped or replaced, is a meeting's, or another box runs there now."""
        ...

    async def totals(self, platform: Platform, channel_id: str, since: datetime, until: datetime) -> TimeboxTotals:
        """Planned against actual time of this channel's finished plain timers (threads count as their
        channel) that started in [since, until), summed in the database. Never says who started one."""
        ...

    async def forget(self, platform: Platform, user_ids: Sequence[str]) -> dict[str, int]:
        """Clear these ids (a forgotten person's) as the starter of every timer; returns {"timer": n}."""
        ...


class MeetingLink(Protocol):
    """How a timebox tells the meeting it belongs to that it moved or finished (implemented by meetings)."""

    async def extended(self, box: Timebox, svc: Services) -> None: ...

    async def finished(self, box: Timebox, ended_at: datetime, svc: Services, *, automatic: bool) -> Reply | None:
        """Record the meeting's actual minutes; returns the planned-vs-actual summary to post, if any."""
        ...
