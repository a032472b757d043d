"""A small read API for other features: is a meeting running here now, and the channel's hygiene record.

- `meeting_in_progress(svc, place)` — used by scope creep ("park it for after the meeting").
- `hygiene_summary(svc, place, since)` — used by the reports (agenda rate, answered pre-reads, planned vs
  actual minutes, weekly meeting load in person-minutes).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from handlers.core.services import Services
from handlers.core.types import Place
from handlers.meetings.ports import CANCELLED, ENDED, Meeting, MeetingStore


@dataclass(frozen=True, slots=True)
class MeetingNow:
    id: int
    title: str
    ends_at: datetime
    has_agenda: bool


def _store(svc: Services) -> MeetingStore:
    return svc.store.meetings


async def meeting_in_progress(svc: Services, place: Place) -> MeetingNow | None:
    """The meeting in this channel (threads count as their channel) whose start ≤ now < end and which was
    neither cancelled nor ended early; None otherwise."""
    store = _store(svc)
    meeting = await store.in_progress(place.platform, place.channel_id, svc.clock.now())
    if meeting is None:
        return None
    items = await store.agenda(meeting.id)
    return MeetingNow(meeting.id, meeting.title, meeting.ends_at, bool(items))


@dataclass(frozen=True, slots=True)
class WeekLoad:
    week_start: date  # the Monday (UTC) of the week
    meetings: int
    minutes: int  # meeting minutes (actual where known, else planned)
    person_minutes: int  # attendees × minutes, summed


@dataclass(frozen=True, slots=True)
class HygieneSummary:
    """A channel's meeting hygiene for meetings that started in [since, until)."""

    since: datetime
    until: datetime
    meetings_held: int
    with_agenda: int
    without_agenda: int
    cancelled: int  # cancelled before they started (often: no agenda, no meeting)
    cancelled_minutes: int  # the planned minutes those cancellations gave back
    questions_asked: int  # pre-read questions, counted when their meeting started
    questions_answered: int  # … of which had at least one written answer by then
    planned_minutes: int
    actual_minutes: int
    overrun_minutes: int  # summed over meetings that ran longer than planned
    saved_minutes: int  # summed over meetings that ended early (time given back)
    person_minutes: int  # attendees × actual minutes, summed
    weeks: tuple[WeekLoad, ...]

    @property
    def agenda_rate(self) -> float | None:
        return self.with_agenda / self.meetings_held if self.meetings_held else None

    @property
    def answered_share(self) -> float | None:
        return self.questions_answered / self.questions_asked if self.questions_asked else None


def _minutes(meeting: Meeting) -> float:
    return meeting.actual_minutes if meeting.actual_minutes is not None else float(meeting.duration_minutes)


def summarize(meetings: list[Meeting], since: datetime, until: datetime) -> HygieneSummary:
    """Pure: the hygiene record of a list of finished (ended or cancelled) meetings."""
    held = [m for m in meetings if m.status == ENDED]
    cancelled = [m for m in meetings if m.status == CANCELLED]
    weeks: dict[date, list[float]] = defaultdict(lambda: [0, 0.0, 0.0])
    overrun = saved = planned = actual = people = 0.0
    for m in held:
        minutes = _minutes(m)
        planned += m.duration_minutes
        actual += minutes
        overrun += max(0.0, minutes - m.duration_minutes)
        saved += max(0.0, m.duration_minutes - minutes)
        load = (m.attendees or 0) * minutes
        people += load
        day = m.starts_at.date()
        week = weeks[day - timedelta(days=day.weekday())]
        week[0] += 1
        week[1] += minutes
        week[2] += load
    return HygieneSummary(
        since=since,
        until=until,
        meetings_held=len(held),
        with_agenda=sum(1 for m in held if m.had_agenda),
        without_agenda=sum(1 for m in held if not m.had_agenda),
        cancelled=len(cancelled),
        cancelled_minutes=sum(m.duration_minutes for m in cancelled),
        questions_asked=sum(m.questions_total or 0 for m in held),
        questions_answered=sum(m.questions_answered or 0 for m in held),
        planned_minutes=round(planned),
        actual_minutes=round(actual),
        overrun_minutes=round(overrun),
        saved_minutes=round(saved),
        person_minutes=round(people),
        weeks=tuple(WeekLoad(start, int(v[0]), round(v[1]), round(v[2])) for start, v in sorted(weeks.items())),
    )


async def hygiene_summary(svc: Services, place: Place, since: datetime) -> HygieneSummary:
    """The hygiene record of this channel for meetings that started since `since` (aware) until now."""
    now = svc.clock.now()
    meetings = await _store(svc).finished_since(place.platform, place.channel_id, since, now)
    return summarize(meetings, since, now)
