"""Pure meeting logic: reading `/meeting` and `/agenda` text, the nudge schedule, agenda time boxes and
per-item timers, and the hygiene summary."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from handlers.core.errors import UserError
from handlers.core.types import Platform
from handlers.meetings.api import summarize
from handlers.meetings.parse import parse_item, parse_meeting, split_length
from handlers.meetings.ports import AgendaItem, Meeting
from handlers.meetings.render import agenda_lines, budget_note, item_marks, summary_text
from handlers.meetings.schedule import outbox_items

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # Monday, 10:00 in Berlin
BERLIN = ZoneInfo("Europe/Berlin")


def _meeting(start: datetime = NOW + timedelta(days=1), minutes: int = 45, **kw: object) -> Meeting:
    values: dict[str, object] = dict(id=7, platform=Platform.SLACK, channel_id="C1", team_id="T1", title="Review",
                                     organiser_id="U1", organiser_name="Ana", tz="Europe/Berlin", starts_at=start,
                                     duration_minutes=minutes, ends_at=start + timedelta(minutes=minutes),
                                     open_minutes=5, status="scheduled")
    values.update(kw)
    return Meeting(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize(("text", "title", "local", "minutes"), [
    ("Sprint review tomorrow 3pm for 45m", "Sprint review", "2026-03-03 15:00", 45),
    ("Design review in 2 hours", "Design review", "2026-03-02 12:00", 30),
    ("Planning for Q3 tomorrow at 10:00 for an hour", "Planning for Q3", "2026-03-03 10:00", 60),
    ("Monday planning friday 16:00 for half an hour", "Monday planning", "2026-03-06 16:00", 30),
    ("Monday planning friday next week 16:00 for half an hour", "Monday planning", "2026-03-13 16:00", 30),
    ("Monday planning this friday 16:00 for half an hour", "Monday planning", "2026-03-06 16:00", 30),
    ("1:1 with Ana tomorrow at 11 for 1h30m", "1:1 with Ana", "2026-03-03 11:00", 90),
    ("Retro 3pm for 1:15", "Retro", "2026-03-02 15:00", 75),
    ("Review on the 5th at 2pm", "Review", "2026-03-05 14:00", 30),
])
def test_title_time_and_length_are_read(text: str, title: str, local: str, minutes: int) -> None:
    request = parse_meeting(text, BERLIN, NOW)
    assert request.title == title and request.recurrence is None
    assert request.starts_at is not None and f"{request.starts_at.astimezone(BERLIN):%Y-%m-%d %H:%M}" == local
    assert request.length == timedelta(minutes=minutes)


def test_recurring_meetings_are_recognised_only_when_they_say_so() -> None:
    standup = parse_meeting("Standup every weekday at 9:30 for 15m", BERLIN, NOW)
    assert standup.title == "Standup" and standup.recurrence is not None
    assert standup.recurrence.describe() == "every weekday at 09:30" and standup.length == timedelta(minutes=15)
    assert parse_meeting("Team sync mondays 10:00", BERLIN, NOW).recurrence is not None
    once = parse_meeting("Sprint review monday 3pm", BERLIN, NOW)  # "monday" alone is the next Monday, once
    assert once.recurrence is None and once.starts_at == datetime(2026, 3, 9, 14, 0, tzinfo=UTC)


def test_a_title_is_cut_with_a_note() -> None:
    request = parse_meeting("Quarterly " + "very " * 40 + "long review tomorrow 3pm", BERLIN, NOW)
    assert request.title_cut and len(request.title) == 120 and request.title.endswith("…")


@pytest.mark.parametrize(("text", "message"), [
    ("", "title and a time"),
    ("Review", "title and a time"),
    ("Review tomorrow 3pm for 0m", "longer than zero"),
    ("Review tomorrow 3pm for -1h", "can't be negative"),
    ("Review tomorrow 3pm for 8h30m", "at most 8h"),
    ("Review in 3 years at 10am", "more than a year away"),
    ("Review yesterday at 10am", "in the past"),
    ("Review some day", "couldn't find a time"),
    ("Review 3", "couldn't find a time"),
    ("in 2 hours", "What's the meeting called?"),
    ("--- tomorrow 3pm", "What's the meeting called?"),
    ("Standup every monday", "At what time does it repeat?"),
])
def test_unusable_meetings_are_refused_with_examples(text: str, message: str) -> None:
    with pytest.raises(UserError) as caught:
        parse_meeting(text, BERLIN, NOW)
    assert message in caught.value.message and caught.value.example


def test_the_length_comes_off_the_end_only() -> None:
    assert split_length("Planning for Q3 tomorrow") == ("Planning for Q3 tomorrow", None)
    assert split_length("Planning tomorrow 3pm for 2 hours") == ("Planning tomorrow 3pm", timedelta(hours=2))
    assert split_length("Planning tomorrow 3pm for 1 hour and 30 minutes")[1] == timedelta(minutes=90)


@pytest.mark.parametrize(("text", "item", "minutes"), [
    ("Demo of the new login 10m", "Demo of the new login", 10),
    ("Demo (10 min)", "Demo", 10),
    ("Demo – 1h", "Demo", 60),
    ("Review PR 42", "Review PR 42", None),
    ("Talk about the 10 commandments", "Talk about the 10 commandments", None),
])
def test_agenda_items_and_their_minutes(text: str, item: str, minutes: int | None) -> None:
    parsed = parse_item(text, 90)
    assert (parsed.text, parsed.minutes, parsed.cut) == (item, minutes, False)


def test_agenda_items_are_cut_and_checked() -> None:
    parsed = parse_item("x" * 250 + " 5m", 30)
    assert parsed.cut and len(parsed.text) == 200 and parsed.minutes == 5
    for text in ("10m", "Demo 45m", "Demo 0m", "\u200b\u200b"):
        with pytest.raises(UserError):
            parse_item(text, 30)


def test_nudges_are_due_at_t24_t2_t1_and_only_ahead() -> None:
    meeting = _meeting(NOW + timedelta(days=2))
    due = {(i.kind, i.dedupe_key): i.due_at - meeting.starts_at for i in outbox_items(meeting, NOW)}
    assert due == {
        ("meeting.nudge", "meeting:7:t24"): -timedelta(hours=24),
        ("meeting.nudge", "meeting:7:t2"): -timedelta(hours=2),
        ("meeting.nudge", "meeting:7:q2"): -timedelta(hours=2),
        ("meeting.nudge", "meeting:7:t1"): -timedelta(hours=1),
        ("meeting.nudge", "meeting:7:t1dm"): -timedelta(hours=1),
        ("meeting.start", "meeting:7:start"): timedelta(0),
    }
    targets = {i.dedupe_key: (i.target.kind, i.target.id) for i in outbox_items(meeting, NOW)}
    assert targets["meeting:7:t1dm"] == ("user", "U1") and targets["meeting:7:t1"] == ("channel", "C1")
    soon = _meeting(NOW + timedelta(minutes=90))
    assert {i.dedupe_key for i in outbox_items(soon, NOW)} == {"meeting:7:t1", "meeting:7:t1dm", "meeting:7:start"}


def _items(*minutes: int | None) -> list[AgendaItem]:
    return [AgendaItem(i, 7, i, f"Item {i}", m, "U1") for i, m in enumerate(minutes, 1)]


def test_time_boxes_per_item_and_the_open_discussion() -> None:
    meeting = _meeting(datetime(2026, 3, 3, 14, 0, tzinfo=UTC), 30)
    lines = agenda_lines(meeting, _items(10, 15))
    assert lines == ["• 15:00–15:10 **1.** Item 1 (10m)", "• 15:10–15:25 **2.** Item 2 (15m)",
                     "• 15:25–15:30 _Open discussion_ (5m)"]
    assert budget_note(meeting, _items(10, 15)) == "Planned: 30m of 30m."
    assert "adds up to 35m" in budget_note(meeting, _items(10, 20))
    untimed = agenda_lines(meeting, _items(10, None, 5))
    assert untimed[1] == "• **2.** Item 2" and untimed[2] == "• **3.** Item 3 (5m)"
    assert [(m.offset, m.number) for m in item_marks(meeting, _items(10, 15))] == [
        (timedelta(minutes=10), 2), (timedelta(minutes=25), 0)]
    assert [m.number for m in item_marks(meeting, _items(10, None, 5))] == []  # no time known after item 2


def test_the_hygiene_summary() -> None:
    start = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)
    held = [
        _meeting(start, 30, status="ended", actual_minutes=20.0, had_agenda=True, attendees=5, questions_total=2,
                 questions_answered=1),
        _meeting(start + timedelta(days=1), 60, status="ended", actual_minutes=75.0, had_agenda=False, attendees=4,
                 questions_total=0, questions_answered=0),
        _meeting(start + timedelta(days=7), 30, status="ended", actual_minutes=None, had_agenda=True, attendees=None),
        _meeting(start + timedelta(days=2), 45, status="cancelled"),
    ]
    s = summarize(held, start, start + timedelta(days=14))
    assert (s.meetings_held, s.with_agenda, s.without_agenda, s.cancelled, s.cancelled_minutes) == (3, 2, 1, 1, 45)
    assert (s.questions_asked, s.questions_answered, s.answered_share) == (2, 1, 0.5)
    assert (s.planned_minutes, s.actual_minutes, s.overrun_minutes, s.saved_minutes) == (120, 125, 15, 10)
    assert s.person_minutes == 5 * 20 + 4 * 75 and s.agenda_rate == pytest.approx(2 / 3)
    assert [(w.week_start.isoformat(), w.meetings, w.minutes, w.person_minutes) for w in s.weeks] == [
        ("2026-03-02", 2, 95, 400), ("2026-03-09", 1, 30, 0)]
    empty = summarize([], start, start)
    assert empty.agenda_rate is None and empty.answered_share is None and empty.weeks == ()


def test_summary_words() -> None:
    early = _meeting(status="ended", actual_minutes=31.0, attendees=6)
    assert "31m of 45m planned — **14m given back** to 6 people (84 person-minutes)" in summary_text(early,
                                                                                                     automatic=False)
    late = _meeting(status="ended", actual_minutes=52.0)
    assert "52m of 45m planned — 7m over" in summary_text(late, automatic=True)
    assert "right on time" in summary_text(_meeting(status="ended", actual_minutes=45.2), automatic=False)
