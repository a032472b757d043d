"""The nudges before a meeting, decided when they are sent (the agenda may have been filled meanwhile).

- T-24h and T-2h, while the agenda is empty: the channel is asked for one, naming the organiser.
- T-2h, when pre-read questions have no answer yet: one reminder in the channel.
- T-1h with still no agenda: "no agenda, no meeting" in the channel, and the organiser gets buttons in a
  private message: add agenda / shorten to 15 minutes / cancel.
All of them are skipped while the channel's `agenda enforcement` setting is off. Planned off the organiser's
weekend and the channel's quiet hours and holidays (handlers/meetings/schedule.planned), a nudge moved earlier
names the meeting's day and time instead of "in 2 hours"; one that comes due late into quiet hours or a weekend
(the bot was down) is dropped. One that goes out late otherwise (after a restart, behind a slow outbox) says how
far away the meeting is when it is sent ("in 4 hours", "in 15 minutes"), not its planned lead.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from handlers.core.allowed import allowed_until
from handlers.core.errors import StorageUnavailable
from handlers.core.ports import is_member
from handlers.core.registry import Pending, Replies
from handlers.core.services import Services
from handlers.core.text import clip
from handlers.core.timeoff import away_until, holiday_code, holiday_name
from handlers.core.types import Button, Person, Reply, Visibility
from handlers.meetings import render
from handlers.meetings.calendar_fresh import wait_for_feed
from handlers.meetings.ports import SCHEDULED, Meeting, Question
from handlers.meetings.schedule import KEPT_OFF, MOVED, NUDGES, store_of

log = logging.getLogger("steadybot.meetings")

SHORT_MINUTES = 15
MAX_ANSWER_BUTTONS = 5
_AHEAD = {"t24": "in 24 hours", "t2": "in 2 hours", "q2": "in 2 hours", "t1": "in 1 hour", "t1dm": "in 1 hour"}
_LEAD: dict[str, timedelta] = {nudge.stage: nudge.before for nudge in NUDGES}  # each stage's planned lead
ON_TIME = timedelta(minutes=5)  # a nudge this late still says its planned lead ("in 2 hours" at 1 h 57 m)


def in_time(meeting: Meeting, stage: str, now: datetime) -> str:
    """`in 2 hours` for a nudge sent on time; for one sent late, how far away the meeting is now
    (render.time_to_start: `in 4 hours`, `in 15 minutes`)."""
    if meeting.starts_at - now >= _LEAD[stage] - ON_TIME:
        return _AHEAD[stage]
    return render.time_to_start(meeting, now)


def ahead(meeting: Meeting, stage: str, now: datetime, moved: bool = False) -> str:
    """`in 2 hours (today 11:00 CET)`, or for a nudge moved earlier `on Mon 9 Mar 09:00 CET` / `tomorrow …`."""
    when = render.when(meeting, now)
    if not moved:
        return f"{in_time(meeting, stage, now)} ({when})"
    return when if when.startswith(("today ", "tomorrow ")) else f"on {when}"


def add_button(meeting: Meeting, label: str = "Add an agenda item") -> Button:
    return Button("agenda.add", label, str(meeting.id), "primary")


def organiser_buttons(meeting: Meeting) -> tuple[Button, ...]:
    buttons = [add_button(meeting, "Add agenda")]
    if meeting.duration_minutes > SHORT_MINUTES:
        buttons.append(Button("meeting.shorten", f"Shorten to {SHORT_MINUTES} minutes", str(meeting.id)))
    buttons.append(Button("meeting.cancel", "Cancel the meeting", str(meeting.id), "danger",
                          confirm=f"Cancel {clip(meeting.title, 60)}? Everyone gets the time back."))
    return tuple(buttons)


def organiser(meeting: Meeting) -> str:
    return clip(meeting.organiser_name, 60) or "The organiser"


def no_agenda_flag(meeting: Meeting, now: datetime) -> str:
    return (f"🚫 **No agenda, no meeting.** **{clip(meeting.title, 120)}** starts {render.when(meeting, now)} and "
            "has no agenda yet. Add one, shorten it to 15 minutes, or cancel it and give everyone the time back.")


def empty_agenda(meeting: Meeting, stage: str, now: datetime, moved: bool = False) -> Reply:
    return Reply(
        f"📋 **{clip(meeting.title, 120)}** is {ahead(meeting, stage, now, moved)} and has no agenda yet. "
        + (f"{organiser(meeting)}, what should it achieve? " if meeting.organiser_id else "What should it achieve? ")
        + "Anyone can add items, e.g. "
        "`/agenda add Demo of the new login 10m`, and pre-read questions with `/agenda question …`.",
        buttons=(add_button(meeting),), visibility=Visibility.CHANNEL,
        notify_text=f"{meeting.title} has no agenda yet",
    )


def no_agenda_channel(meeting: Meeting, now: datetime, moved: bool = False) -> Reply:
    return Reply(
        f"🚫 **No agenda, no meeting.** **{clip(meeting.title, 120)}** starts {ahead(meeting, 't1', now, moved)} "
        "and still has no agenda. "
        + (f"{organiser(meeting)} can add one, shorten it to {SHORT_MINUTES} minutes, or cancel it."
           if meeting.organiser_id else
           f"Anyone can add one; the channel's owner can shorten it to {SHORT_MINUTES} minutes or cancel it."),
        buttons=(add_button(meeting),), visibility=Visibility.CHANNEL, notify_text="No agenda, no meeting",
    )


def no_agenda_organiser(meeting: Meeting, now: datetime, moved: bool = False) -> Reply:
    return Reply(
        f"Your meeting **{clip(meeting.title, 120)}** starts {ahead(meeting, 't1dm', now, moved)} and has no "
        "agenda. No agenda, no meeting — what would you like to do?",
        buttons=organiser_buttons(meeting), visibility=Visibility.PRIVATE,
        notify_text=f"{meeting.title} has no agenda",
    )


def unanswered(meeting: Meeting, questions: list[Question], now: datetime, moved: bool = False) -> Reply | None:
    numbered = render.numbered(questions)
    open_ones = [q for q in numbered if not q.answered]
    if not open_ones:
        return None
    lines = render.question_lines(open_ones, with_answers=False)
    return Reply(
        f"❓ **{clip(meeting.title, 120)}** starts "
        f"{ahead(meeting, 'q2', now, True) if moved else in_time(meeting, 'q2', now)}. "
        "These pre-read questions have no written answer yet — answering them now makes the call shorter:\n"
        + "\n".join(lines) + "\nAnswer with the buttons or `/agenda answer 1 …`.",
        buttons=tuple(Button("agenda.answer", f"Answer Q{q.position}", str(q.id))
                      for q in open_ones[:MAX_ANSWER_BUTTONS]),
        visibility=Visibility.CHANNEL, notify_text="Pre-read questions need answers",
    )


async def prepare_nudge(pending: Pending, svc: Services) -> Replies:
    meeting_id = pending.data.get("id")
    stage = str(pending.data.get("stage", ""))
    if not isinstance(meeting_id, int) or stage not in _AHEAD:
        return None
    store = store_of(svc)
    meeting = await store.get(meeting_id)
    if meeting is None or meeting.status != SCHEDULED or meeting.starts_at.isoformat() != pending.data.get("starts"):
        return None
    settings = await svc.store.settings.get(meeting.place)
    if not settings.agenda_enforcement:
        return None
    now = svc.clock.now()
    await wait_for_feed(svc, meeting, now)  # its calendar may have moved it: read that first
    if now >= meeting.starts_at:
        return None  # held past the start (its feed was being read, the bot was down): the start post says it
    if holiday_name(holiday_code(settings), now.astimezone(render.local_zone(meeting)).date()):
        return None  # the channel's public holiday: no nudges
    quiet = (settings.quiet_start, settings.quiet_end)
    if pending.data.get(KEPT_OFF) and allowed_until(now, render.local_zone(meeting), quiet) != now:
        return None  # planned off weekends and quiet hours, but due late into them (the bot was down)
    moved = bool(pending.data.get(MOVED))
    if stage == "t1dm" and not await _organiser_reachable(svc, meeting, now):
        return None  # the channel's own "no agenda, no meeting" still goes out
    if stage == "q2":
        return unanswered(meeting, await store.questions(meeting.id), now, moved)
    if await store.agenda(meeting.id):
        return None
    if stage == "t1":
        return no_agenda_channel(meeting, now, moved)
    if stage == "t1dm":
        return no_agenda_organiser(meeting, now, moved)
    return empty_agenda(meeting, stage, now, moved)


async def _organiser_reachable(svc: Services, meeting: Meeting, now: datetime) -> bool:
    """Whether the organiser's private "no agenda" message goes out: not when the meeting has no organiser
    (forgotten since it was queued), nor while they are away, nor when they are no longer a member of the
    meeting's channel (removed from a private channel: its title, time and buttons are not theirs any more),
    asked of the platform now as the report-link buttons do (handlers/reports/access.py). When the platform
    cannot say, the message is skipped rather than sent on a guess."""
    if not meeting.organiser_id or await away_until(svc, Person(meeting.platform, meeting.organiser_id), now):
        return False
    try:
        return await is_member(svc.directory, meeting.place, meeting.organiser_id)
    except StorageUnavailable:
        raise
    except Exception as exc:  # noqa: BLE001 - the platform did not answer: the channel is still told
        log.info("no-agenda DM skipped: membership check failed: %s", type(exc).__name__)
        return False
