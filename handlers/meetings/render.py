"""How meetings and agendas read: time boxes per item, the start post, the planned-vs-actual summary."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from handlers.core.durations import format_duration
from handlers.core.text import clip
from handlers.core.timeparse import format_local, zone
from handlers.meetings.ports import AgendaItem, Meeting, Question
from handlers.timebox.engine import ItemMark

OPEN_LABEL = "Open discussion"


def local_zone(meeting: Meeting) -> ZoneInfo:
    return zone(meeting.tz)


def when(meeting: Meeting, now: datetime, tz: ZoneInfo | None = None) -> str:
    return format_local(meeting.starts_at, tz or local_zone(meeting), now=now)


def minutes(n: float) -> str:
    return format_duration(timedelta(minutes=round(n)))


def time_to_start(meeting: Meeting, now: datetime) -> str:
    """How far away the meeting's start is, as a nudge sent late says it: `in 15 minutes` (to the minute under
    an hour), `in 1 hour 25 minutes` (to five minutes under two hours), `in 4 hours` (to the hour)."""
    left = max(0, round((meeting.starts_at - now).total_seconds() / 60))
    if left < 60:
        return "in 1 minute" if left <= 1 else f"in {left} minutes"
    if left < 120 - 2:
        rest = 5 * round((left - 60) / 5)
        return "in 1 hour" if rest == 0 else f"in 1 hour {rest} minutes"
    hours = round(left / 60)
    return f"in {hours} hours"


@dataclass(frozen=True, slots=True)
class Slot:
    number: int  # 0 for the open discussion
    text: str
    minutes: int | None
    start: datetime | None  # known while every earlier item has minutes


def slots(meeting: Meeting, items: list[AgendaItem]) -> list[Slot]:
    """The agenda in order, each with its start time while the chain of timed items is unbroken, and the
    closing open discussion (when the meeting has one)."""
    out: list[Slot] = []
    at: datetime | None = meeting.starts_at
    for number, item in enumerate(items, 1):
        out.append(Slot(number, item.text, item.minutes, at if item.minutes else None))
        at = at + timedelta(minutes=item.minutes) if (at is not None and item.minutes) else None
    if meeting.open_minutes > 0:
        out.append(Slot(0, OPEN_LABEL, meeting.open_minutes, at))
    return out


def planned_minutes(meeting: Meeting, items: list[AgendaItem]) -> int:
    return sum(i.minutes or 0 for i in items) + meeting.open_minutes


def slot_line(slot: Slot, tz: ZoneInfo, with_times: bool) -> str:
    label = f"**{slot.number}.** {clip(slot.text, 200)}" if slot.number else f"_{slot.text}_"
    length = f" ({slot.minutes}m)" if slot.minutes else ""
    if with_times and slot.start is not None and slot.minutes:
        start = slot.start.astimezone(tz)
        end = (slot.start + timedelta(minutes=slot.minutes)).astimezone(tz)
        return f"• {start:%H:%M}–{end:%H:%M} {label}{length}"
    return f"• {label}{length}"


def agenda_lines(meeting: Meeting, items: list[AgendaItem], tz: ZoneInfo | None = None,
                 *, with_times: bool = True) -> list[str]:
    tz = tz or local_zone(meeting)
    return [slot_line(s, tz, with_times) for s in slots(meeting, items)]


def budget_note(meeting: Meeting, items: list[AgendaItem]) -> str:
    total = planned_minutes(meeting, items)
    if total > meeting.duration_minutes:
        return (f"⚠️ The agenda adds up to {minutes(total)}, but the meeting is {minutes(meeting.duration_minutes)}. "
                "Trim or drop an item, or shorten the open discussion (`/agenda open 2m` or `/agenda open off`).")
    timed = sum(1 for i in items if i.minutes)
    if items and timed < len(items):
        return f"Planned so far: {minutes(total)} of {minutes(meeting.duration_minutes)} (some items have no minutes)."
    return f"Planned: {minutes(total)} of {minutes(meeting.duration_minutes)}."


def question_lines(questions: list[Question], *, with_answers: bool, answer_limit: int = 300) -> list[str]:
    lines: list[str] = []
    for q in questions:
        count = len(q.answers)
        state = "no answers yet" if not count else f"{count} answer{'s' if count != 1 else ''}"
        lines.append(f"• **Q{q.position if q.position else ''}.** {clip(q.text, 300)} — _{state}_")
        if with_answers:
            for a in q.answers:
                name = clip(a.name, 40) or "someone"
                lines.append(f"    ↳ {name}: {clip(a.text, answer_limit)}")
    return lines


def numbered(questions: list[Question]) -> list[Question]:
    """Questions renumbered 1…n in their order (positions may have gaps)."""
    return [Question(q.id, q.meeting_id, n, q.text, q.asked_by, q.answers) for n, q in enumerate(questions, 1)]


def item_marks(meeting: Meeting, items: list[AgendaItem]) -> list[ItemMark]:
    """Per-item timers for the meeting's timebox: one when each timed item (after the first) begins."""
    marks: list[ItemMark] = []
    offset = timedelta(0)
    for slot in slots(meeting, items):
        if not slot.minutes or slot.start is None:
            break
        if offset > timedelta(0):
            marks.append(ItemMark(offset, slot.text, slot.minutes, slot.number))
        offset += timedelta(minutes=slot.minutes)
    return marks


START_LATE = timedelta(minutes=1)  # a start post later than this says when the meeting started


def started_late(meeting: Meeting, now: datetime | None) -> bool:
    return now is not None and now - meeting.starts_at > START_LATE


def start_headline(meeting: Meeting, now: datetime | None = None) -> str:
    """`▶️ **Review starts now** — 45m, until 15:45 CET.`; posted late (the bot was down, the outbox was
    slow) `▶️ **Review started at 15:00 CET** — 5m left of 45m, until 15:45 CET.`"""
    tz = local_zone(meeting)
    end = meeting.starts_at + timedelta(minutes=meeting.duration_minutes)
    until = format_local(end, tz, with_date=False)
    if now is not None and started_late(meeting, now):
        left = (end - now).total_seconds() / 60
        remaining = "less than a minute" if left < 1 else minutes(left)
        return (f"▶️ **{clip(meeting.title, 120)} started at {format_local(meeting.starts_at, tz, with_date=False)}**"
                f" — {remaining} left of {minutes(meeting.duration_minutes)}, until {until}.")
    return f"▶️ **{clip(meeting.title, 120)} starts now** — {minutes(meeting.duration_minutes)}, until {until}."


def start_text(meeting: Meeting, items: list[AgendaItem], questions: list[Question],
               now: datetime | None = None) -> str:
    """The start post: the headline (start_headline; with `now`, worded for a post that comes late), the
    agenda with its time boxes, the pre-read questions and their answers."""
    tz = local_zone(meeting)
    lines = [start_headline(meeting, now)]
    if items:
        lines.append("**Agenda**")
        lines.extend(agenda_lines(meeting, items, tz))
        if planned_minutes(meeting, items) > meeting.duration_minutes:
            lines.append(f"⚠️ The agenda needs {minutes(planned_minutes(meeting, items))} — keep an eye on the clock.")
    else:
        lines.append("No agenda was set. Agree on the goal in the first minute — or end early and give the time "
                     "back.")
    if questions:
        lines.append("**Pre-read questions**")
        lines.extend(question_lines(numbered(questions), with_answers=True))
    return "\n".join(lines)


def summary_text(meeting: Meeting, *, automatic: bool) -> str:
    planned = meeting.duration_minutes
    actual = meeting.actual_minutes if meeting.actual_minutes is not None else float(planned)
    title = clip(meeting.title, 120)
    head = (f"⏹ I closed **{title}** when its time ran out" if automatic else f"⏹ **{title} ended**")
    text = f"{head}: {minutes(actual)} of {minutes(planned)} planned"
    diff = actual - planned
    people = meeting.attendees or 0
    if diff <= -1:
        text += f" — **{minutes(-diff)} given back**"
        if people:
            text += f" to {people} people ({round(-diff * people)} person-minutes)"
    elif diff >= 1:
        text += f" — {minutes(diff)} over"
    else:
        text += " — right on time"
    return text + "."
