"""What the meeting handlers need from storage, as plain data and a Protocol (storage implements it)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol

from handlers.core.types import Place, Platform


class MeetingStatus(StrEnum):
    """A meeting's state; the values are what the `meetings.status` column stores."""

    SCHEDULED = "scheduled"
    RUNNING = "running"
    ENDED = "ended"
    CANCELLED = "cancelled"


SCHEDULED, RUNNING, ENDED, CANCELLED = (MeetingStatus.SCHEDULED, MeetingStatus.RUNNING, MeetingStatus.ENDED,
                                        MeetingStatus.CANCELLED)


@dataclass(frozen=True, slots=True)
class MeetingDraft:
    platform: Platform
    channel_id: str
    team_id: str
    title: str
    organiser_id: str
    organiser_name: str
    tz: str  # the organiser's zone: how times are shown in channel posts
    starts_at: datetime  # UTC
    duration_minutes: int
    open_minutes: int = 5
    series_id: int | None = None


@dataclass(frozen=True, slots=True)
class Meeting:
    id: int
    platform: Platform
    channel_id: str
    team_id: str
    title: str
    organiser_id: str
    organiser_name: str
    tz: str
    starts_at: datetime
    duration_minutes: int
    ends_at: datetime  # planned end, moved by shortening and by extending the meeting's timebox
    open_minutes: int
    status: MeetingStatus
    series_id: int | None = None
    started_at: datetime | None = None
    ended_at: datetime | None = None
    cancelled_at: datetime | None = None
    actual_minutes: float | None = None
    had_agenda: bool | None = None
    attendees: int | None = None
    questions_total: int | None = None
    questions_answered: int | None = None

    @property
    def place(self) -> Place:
        return Place(self.platform, self.channel_id, self.team_id)


@dataclass(frozen=True, slots=True)
class SeriesDraft:
    platform: Platform
    channel_id: str
    team_id: str
    title: str
    organiser_id: str
    organiser_name: str
    tz: str
    rule: dict[str, Any]  # Recurrence.to_dict()
    duration_minutes: int


@dataclass(frozen=True, slots=True)
class Series:
    id: int
    platform: Platform
    channel_id: str
    team_id: str
    title: str
    organiser_id: str
    organiser_name: str
    tz: str
    rule: dict[str, Any]
    duration_minutes: int
    active: bool
    materialized_until: datetime | None

    @property
    def place(self) -> Place:
        return Place(self.platform, self.channel_id, self.team_id)


@dataclass(frozen=True, slots=True)
class AgendaItem:
    id: int
    meeting_id: int
    position: int
    text: str
    minutes: int | None
    added_by: str


@dataclass(frozen=True, slots=True)
class NextAdded:
    """What `MeetingStore.add_to_next` did: `meeting` is the channel's current or next one (None: there is
    none, nothing was written); `items` is its agenda with the new item last, or None when nothing was
    added — the item's minutes exceed the meeting's length (`too_long`) or the agenda is full."""

    meeting: Meeting | None
    items: list[AgendaItem] | None = None
    too_long: bool = False


@dataclass(frozen=True, slots=True)
class Answer:
    answered_by: str
    name: str
    text: str


@dataclass(frozen=True, slots=True)
class Question:
    id: int
    meeting_id: int
    position: int
    text: str
    asked_by: str
    answers: tuple[Answer, ...] = ()

    @property
    def answered(self) -> bool:
        return bool(self.answers)


@dataclass(frozen=True, slots=True)
class StartRecord:
    """What is recorded when a meeting starts (the hygiene record)."""

    started_at: datetime
    had_agenda: bool
    attendees: int | None
    questions_total: int
    questions_answered: int


class MeetingStore(Protocol):
    # meetings and series
    async def create(self, draft: MeetingDraft) -> Meeting: ...

    async def create_series(self, draft: SeriesDraft) -> Series: ...

    async def occurrence(self, series: Series, starts_at: datetime) -> Meeting | None:
        """The series' meeting at `starts_at`, created once (idempotent across replicas) and only while the
        series is active: None when it was stopped before that meeting was made."""
        ...

    async def series_due(self, before: datetime) -> list[Series]:
        """Active series whose occurrences are materialised only up to before `before`."""
        ...

    async def get_series(self, series_id: int) -> Series | None: ...

    async def set_materialized(self, series_id: int, until: datetime) -> None: ...

    async def stop_series(self, series_id: int, now: datetime) -> list[int]:
        """Deactivate a series and cancel its occurrences not started yet; returns their ids."""
        ...

    async def get(self, meeting_id: int) -> Meeting | None: ...

    async def in_progress(self, platform: Platform, channel_id: str, now: datetime) -> Meeting | None: ...

    async def current_or_next(self, platform: Platform, channel_id: str, now: datetime) -> Meeting | None: ...

    async def upcoming(self, platform: Platform, channel_id: str, now: datetime, limit: int) -> list[Meeting]: ...

    async def overlapping(self, platform: Platform, channel_id: str, start: datetime, end: datetime) -> list[Meeting]: ...

    async def finished_since(self, platform: Platform, channel_id: str, since: datetime,
                             until: datetime) -> list[Meeting]:
        """Meetings that ended or were cancelled with their start in [since, until)."""
        ...

    # state changes (each conditional on the current status, so retries and replicas are harmless)
    async def mark_started(self, meeting_id: int, record: StartRecord) -> bool: ...

    async def mark_ended(self, meeting_id: int, ended_at: datetime, actual_minutes: float) -> bool: ...

    async def mark_cancelled(self, meeting_id: int, now: datetime) -> bool: ...

    async def set_duration(self, meeting_id: int, minutes: int) -> Meeting | None:
        """Change a scheduled meeting's length (its planned end moves with it)."""
        ...

    async def set_ends_at(self, meeting_id: int, ends_at: datetime) -> None: ...

    async def set_open_minutes(self, meeting_id: int, minutes: int) -> None: ...

    # agenda
    async def agenda(self, meeting_id: int) -> list[AgendaItem]: ...

    async def add_item(self, meeting_id: int, text: str, minutes: int | None, added_by: str,
                       limit: int) -> list[AgendaItem] | None:
        """Append an item and return the agenda in order, the new item last (one transaction); None when the
        agenda already has `limit` items."""
        ...

    async def add_to_next(self, platform: Platform, channel_id: str, now: datetime, text: str, minutes: int | None,
                          added_by: str, limit: int) -> NextAdded:
        """`current_or_next` and `add_item` in one transaction (every `/agenda add`): the item is appended to
        the meeting found unless its minutes exceed the meeting's length or the agenda has `limit` items."""
        ...

    async def remove_item(self, item_id: int) -> AgendaItem | None: ...

    async def move_item(self, item_id: int, to_position: int) -> list[AgendaItem]:
        """Move an item to a 1-based position; returns the agenda in its new order."""
        ...

    async def get_item(self, item_id: int) -> AgendaItem | None: ...

    # pre-read questions
    async def questions(self, meeting_id: int) -> list[Question]: ...

    async def add_question(self, meeting_id: int, text: str, asked_by: str, limit: int) -> Question | None: ...

    async def get_question(self, question_id: int) -> Question | None: ...

    async def answer(self, question_id: int, person_id: str, name: str, text: str) -> bool:
        """Record (or replace) a person's answer; False when the question no longer exists."""
        ...

    # forgetting a person
    async def forget(self, platform: Platform, user_ids: Sequence[str]) -> dict[str, int]:
        """Clear these ids (a person's id and alternative id) and the person's name from every meeting,
        series, agenda item, question and answer of `platform` that names them; the rows stay for the team
        with an empty organiser or author. Returns how many rows of each kind were cleared (none: absent)."""
        ...
