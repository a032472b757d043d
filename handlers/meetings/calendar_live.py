"""Live Teams meetings: `meetingStart` starts the meeting's timebox in the meeting chat, `meetingEnd` stops
it and records the actual minutes.

The Teams meeting is matched to a steadybot meeting when it is the same event:
1. a calendar meeting whose Teams join link names this meeting chat (its thread id), starting within
   MATCH_BEFORE/MATCH_AFTER of now, and whose channel the platform shows to belong with the chat (same
   tenant; same team, or the meeting's organiser a member of the channel: handlers/meetings/live_trust.py)
   — a join link alone proves nothing, anyone can copy one into a feed;
2. else, for a channel meeting (its chat is the channel), the channel's meeting running now or starting
   within MATCH_AFTER.
Matched: its agenda (with the time boxes) is posted in the meeting chat and its timer runs there, with the
usual warnings; the end records planned vs actual for the meeting's channel. Not matched: a meeting of the
chat is made from the Teams meeting's scheduled length when known (the adapter asks Teams), and timed the
same way; with no known length, its length is reported at the end.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from handlers.core.errors import StorageUnavailable
from handlers.core.services import Services
from handlers.core.text import clip
from handlers.core.types import Person, Place, Reply, Visibility
from handlers.meetings import render
from handlers.meetings.calendar_ports import calendar_store
from handlers.meetings.lifecycle import MeetingTimeboxLink, boxes, finish_meeting
from handlers.meetings.live_trust import belongs_to_chat
from handlers.meetings.people import known
from handlers.meetings.ports import RUNNING, SCHEDULED, Meeting, MeetingDraft, StartRecord
from handlers.meetings.schedule import key, store_of
from handlers.timebox.engine import TimeboxEngine
from handlers.timebox.ports import REPLACED, STOPPED, TimeboxDraft

log = logging.getLogger("steadybot.meetings")
MATCH_BEFORE = timedelta(hours=1)  # a meeting may start late…
MATCH_AFTER = timedelta(minutes=30)  # …or early
MAX_MINUTES = 8 * 60


@dataclass(frozen=True, slots=True)
class LiveSignal:
    """What the adapter read from a meetingStart / meetingEnd activity (and, at the start, from Teams'
    meeting details)."""

    external_id: str  # Teams' meeting id
    title: str
    at: datetime  # StartTime / EndTime, UTC
    thread: str = ""  # the meeting chat's thread id (from the join link or the conversation)
    scheduled_start: datetime | None = None
    scheduled_end: datetime | None = None
    tenant: str = ""  # the activity's tenant (Teams vouches for it; a join link's Tid is anyone's to write)
    organiser_ids: frozenset[str] = frozenset()  # the meeting's organiser, from Teams' meeting details


def _engine() -> TimeboxEngine:
    return TimeboxEngine(MeetingTimeboxLink())


async def _match(svc: Services, chat: Place, signal: LiveSignal) -> Meeting | None:
    store = calendar_store(svc)
    for thread in dict.fromkeys(t for t in (signal.thread, chat.channel_id) if t):
        found = await store.meetings_of_thread(chat.platform, thread, signal.at - MATCH_BEFORE,
                                               signal.at + MATCH_AFTER)
        for meeting in sorted(found, key=lambda m: abs((m.starts_at - signal.at).total_seconds())):
            if await belongs_to_chat(svc, chat, signal, meeting):
                return meeting
    meetings = store_of(svc)
    running = await meetings.in_progress(chat.platform, chat.channel_id, signal.at)
    if running is not None:
        return running
    upcoming = await meetings.current_or_next(chat.platform, chat.channel_id, signal.at)
    if upcoming is not None and upcoming.starts_at - signal.at <= MATCH_AFTER:
        return upcoming
    return None


async def _attendees(svc: Services, place: Place) -> int | None:
    try:
        return len(await svc.directory.members(place))
    except StorageUnavailable:
        raise
    except Exception:  # noqa: BLE001 - the record is useful without a head count
        return None


async def meeting_started(svc: Services, chat: Place, who: Person | None, signal: LiveSignal) -> list[Reply]:
    chat = chat.without_thread()
    store = calendar_store(svc)
    meetings = store_of(svc)
    meeting = await _match(svc, chat, signal)
    if meeting is None and signal.scheduled_start and signal.scheduled_end:
        minutes = round((signal.scheduled_end - signal.scheduled_start).total_seconds() / 60)
        if 1 <= minutes <= MAX_MINUTES:
            person = await known(svc, who) if who is not None else None
            meeting = await meetings.create(MeetingDraft(
                chat.platform, chat.channel_id, chat.team_id, clip(signal.title, 200) or "Teams meeting",
                person.id if person else "", person.name if person else "",
                svc.tz_of(person).key if person else svc.settings.default_tz, signal.at, minutes, open_minutes=0))
    live, first = await store.live_started(chat.platform, chat.channel_id, signal.external_id, signal.title,
                                           signal.at, meeting.id if meeting else None)
    if not first:
        return []  # the same start again (a redelivery, a second replica)
    if meeting is None:
        return [Reply(f"▶️ **{clip(signal.title, 120) or 'The meeting'}** started. I don't know how long it is "
                      "planned for, so I'll tell you its length when it ends.", visibility=Visibility.CHANNEL)]
    items = await meetings.agenda(meeting.id)
    questions = await meetings.questions(meeting.id)
    replies: list[Reply] = []
    if meeting.status == SCHEDULED:
        record = StartRecord(signal.at, bool(items), await _attendees(svc, meeting.place), len(questions),
                             sum(1 for q in questions if q.answered))
        await meetings.mark_started(meeting.id, record)
    elif meeting.status != RUNNING:
        return []
    engine = _engine()
    timed = replace(meeting, starts_at=signal.at)  # agenda times and item timers from the real start
    box = await boxes(svc).for_meeting(meeting.id)
    if box is None or box.status != "running":
        running = await boxes(svc).running(chat)
        if running is not None and running.meeting_id != meeting.id:
            await engine.finish(svc, running, REPLACED, signal.at)  # a plain timer makes way for the meeting
        await engine.start(svc, TimeboxDraft(chat, meeting.title, meeting.organiser_id, signal.at,
                                             meeting.duration_minutes * 60, meeting.id),
                           render.item_marks(timed, items))
    await svc.outbox.cancel(key(meeting.id, "start"))  # its start post goes to this chat now, not the channel
    replies.append(Reply(render.start_text(timed, items, questions), visibility=Visibility.CHANNEL,
                         notify_text=f"{meeting.title} starts now"))
    return replies


async def meeting_ended(svc: Services, chat: Place, signal: LiveSignal) -> list[Reply]:
    chat = chat.without_thread()
    store = calendar_store(svc)
    live = await store.live_open(chat.platform, signal.external_id)
    if live is None or not await store.live_ended(live.id, signal.at):
        return []  # never saw it start, or already ended (a redelivery)
    if live.meeting_id is None:
        length = render.minutes((signal.at - live.started_at).total_seconds() / 60)
        return [Reply(f"⏹ **{clip(live.title, 120) or 'The meeting'}** ended after {length}.",
                      visibility=Visibility.CHANNEL)]
    box = await boxes(svc).for_meeting(live.meeting_id)
    if box is not None and box.status == "running":
        _, summary = await _engine().finish(svc, box, STOPPED, signal.at)
        if summary is not None:
            return [summary]
    summary = await finish_meeting(svc, live.meeting_id, signal.at, automatic=False, started=live.started_at)
    return [summary] if summary is not None else []
