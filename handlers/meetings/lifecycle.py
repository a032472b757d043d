"""A meeting's life: it starts (agenda posted, timebox running), it ends (planned vs actual recorded), or
it is cancelled or shortened before it starts."""

from __future__ import annotations

import logging
from datetime import datetime

from handlers.core.errors import StorageUnavailable, UserError
from handlers.core.registry import Pending, Replies
from handlers.core.services import Services
from handlers.core.text import clip
from handlers.core.types import Button, OutboxItem, Person, Place, Reply, Target, Visibility
from handlers.meetings import render
from handlers.meetings.nudges import SHORT_MINUTES
from handlers.meetings.people import require_change
from handlers.meetings.ports import (
    CANCELLED,
    ENDED,
    RUNNING,
    SCHEDULED,
    AgendaItem,
    Meeting,
    Question,
    StartRecord,
)
from handlers.meetings.schedule import key, store_of
from handlers.timebox import texts as box_texts
from handlers.timebox.engine import TimeboxEngine
from handlers.timebox.ports import REPLACED, STOPPED, Timebox, TimeboxDraft, TimeboxStore

log = logging.getLogger("steadybot.meetings")


def boxes(svc: Services) -> TimeboxStore:
    return svc.store.timebox


class MeetingTimeboxLink:
    """The timebox side tells meetings when a meeting's box moved or finished (see timebox.ports)."""

    async def extended(self, box: Timebox, svc: Services) -> None:
        if box.meeting_id is not None:
            await store_of(svc).set_ends_at(box.meeting_id, box.ends_at)

    async def finished(self, box: Timebox, ended_at: datetime, svc: Services, *, automatic: bool) -> Reply | None:
        if box.meeting_id is None:
            return None
        return await finish_meeting(svc, box.meeting_id, ended_at, automatic=automatic, started=box.started_at)


async def finish_meeting(svc: Services, meeting_id: int, ended_at: datetime, *, automatic: bool,
                         started: datetime | None = None) -> Reply | None:
    """Record the actual minutes (once) and return the planned-vs-actual summary."""
    store = store_of(svc)
    meeting = await store.get(meeting_id)
    if meeting is None:
        return None
    begun = meeting.started_at or started or meeting.starts_at
    await store.mark_ended(meeting.id, ended_at, (ended_at - begun).total_seconds() / 60)
    meeting = await store.get(meeting_id)
    if meeting is None or meeting.status != ENDED:
        return None
    return Reply(render.summary_text(meeting, automatic=automatic), visibility=Visibility.CHANNEL,
                 notify_text=f"{meeting.title} ended")


async def _attendees(svc: Services, place: Place) -> int | None:
    try:
        return len(await svc.directory.members(place))
    except StorageUnavailable:
        raise
    except Exception:  # noqa: BLE001 - the record is still useful without the head count
        log.info("could not count the members of a %s channel", place.platform)
        return None


async def _record(svc: Services, meeting: Meeting, items: list[AgendaItem], questions: list[Question]) -> StartRecord:
    """The hygiene snapshot taken when a meeting starts."""
    return StartRecord(meeting.starts_at, bool(items), await _attendees(svc, meeting.place), len(questions),
                       sum(1 for q in questions if q.answered))


# ---- start -------------------------------------------------------------------------------------
async def prepare_start(pending: Pending, svc: Services, *, engine: TimeboxEngine) -> Replies:
    meeting_id = pending.data.get("id")
    if not isinstance(meeting_id, int):
        return None
    store = store_of(svc)
    meeting = await store.get(meeting_id)
    if meeting is None or meeting.starts_at.isoformat() != pending.data.get("starts"):
        return None
    if meeting.status not in (SCHEDULED, RUNNING):
        return None
    items = await store.agenda(meeting.id)
    questions = await store.questions(meeting.id)
    replies: list[Reply] = []
    now = svc.clock.now()
    if meeting.status == SCHEDULED:
        if not await store.mark_started(meeting.id, await _record(svc, meeting, items, questions)):
            return None  # cancelled, or ended with `/meeting end`, a moment ago
        if now >= meeting.ends_at:  # the bot was down for the whole meeting: record it as planned
            await store.mark_ended(meeting.id, meeting.ends_at, float(meeting.duration_minutes))
            return None
        replies.extend(await _start_box(svc, meeting, items, engine=engine))
    box = await boxes(svc).for_meeting(meeting.id)
    buttons = box_texts.buttons(box) if box is not None and box.status == "running" else (
        Button("meeting.end", "End meeting", str(meeting.id), "primary"),)
    late = render.started_late(meeting, now)
    replies.append(Reply(render.start_text(meeting, items, questions, now), buttons=buttons,
                         visibility=Visibility.CHANNEL,
                         notify_text=f"{meeting.title} {'has started' if late else 'starts now'}"))
    return replies


async def _start_box(svc: Services, meeting: Meeting, items: list[AgendaItem], *, engine: TimeboxEngine) -> list[Reply]:
    replies: list[Reply] = []
    running = await boxes(svc).running(meeting.place)
    if running is not None:  # the meeting takes over the channel's timer
        _, summary = await engine.finish(svc, running, REPLACED)
        replies.append(summary or Reply(f"⏹ The running timebox{box_texts.about(running)} makes way for "
                                        f"**{clip(meeting.title, 120)}**.", visibility=Visibility.CHANNEL))
    draft = TimeboxDraft(meeting.place, meeting.title, meeting.organiser_id, meeting.starts_at,
                         meeting.duration_minutes * 60, meeting.id)
    await engine.start(svc, draft, render.item_marks(meeting, items))
    return replies


# ---- end ---------------------------------------------------------------------------------------
async def end(svc: Services, meeting: Meeting, *, engine: TimeboxEngine) -> Reply:
    now = svc.clock.now()
    if meeting.status == ENDED:
        return Reply(f"**{clip(meeting.title, 120)}** has already ended.")
    if meeting.status == CANCELLED:
        return Reply(f"**{clip(meeting.title, 120)}** was cancelled.")
    if meeting.status == SCHEDULED:
        if meeting.starts_at > now:
            raise UserError(f"**{clip(meeting.title, 120)}** hasn't started yet "
                            f"({render.when(meeting, now)}). To call it off, use `/meeting cancel`.")
        store = store_of(svc)  # it is past its start, but the start post hasn't gone out yet
        record = await _record(svc, meeting, await store.agenda(meeting.id), await store.questions(meeting.id))
        await store.mark_started(meeting.id, record)
    box = await boxes(svc).for_meeting(meeting.id)
    if box is not None and box.status == "running":
        _, summary = await engine.finish(svc, box, STOPPED, now)
        if summary is not None:
            return summary
    summary = await finish_meeting(svc, meeting.id, now, automatic=False)
    return summary or Reply(f"**{clip(meeting.title, 120)}** has already ended.")


# ---- before the start: cancel, shorten ---------------------------------------------------------
async def _announce(svc: Services, meeting: Meeting, what: str, reply: Reply) -> None:
    await svc.outbox.enqueue([OutboxItem(Target.channel(meeting.place), svc.clock.now(), reply=reply,
                                         dedupe_key=key(meeting.id, what))])


def _in_channel(meeting: Meeting, where: Place) -> bool:
    return not where.is_direct and where.channel_id == meeting.channel_id and where.platform == meeting.platform


async def cancel(svc: Services, meeting: Meeting, who: Person, where: Place) -> list[Reply]:
    await require_change(svc, who, meeting)
    now = svc.clock.now()
    if meeting.status != SCHEDULED or not await store_of(svc).mark_cancelled(meeting.id, now):
        current = await store_of(svc).get(meeting.id) or meeting
        word = {CANCELLED: "was already cancelled", RUNNING: "has already started — end it with "
                "`/meeting end`", ENDED: "has already ended"}.get(current.status, "can't be cancelled now")
        return [Reply(f"**{clip(meeting.title, 120)}** {word}.")]
    await svc.outbox.cancel(key(meeting.id))
    who_name = clip(who.name, 60)
    body = (f"**{clip(meeting.title, 120)}** ({render.when(meeting, now)}) is cancelled"
            + (f" by {who_name}" if who_name else "")
            + f" — everyone gets {render.minutes(meeting.duration_minutes)} back.")
    buttons: tuple[Button, ...] = ()
    if meeting.series_id is not None:
        body += " Only this occurrence is off; the series goes on."
        buttons = (Button("meeting.stop_series", "Stop the whole series", str(meeting.series_id), "danger",
                          confirm="Stop every future occurrence of this meeting?"),)
    if _in_channel(meeting, where):
        return [Reply(f"🗓 {body}", buttons=buttons, visibility=Visibility.CHANNEL)]
    await _announce(svc, meeting, "cancelled", Reply(f"🗓 {body}", visibility=Visibility.CHANNEL))
    return [Reply(f"Done — {body}", buttons=buttons, replace_original=True)]


async def shorten(svc: Services, meeting: Meeting, who: Person, where: Place) -> list[Reply]:
    await require_change(svc, who, meeting)
    if meeting.status != SCHEDULED:
        return [Reply(f"**{clip(meeting.title, 120)}** has already started or ended; extend or stop its "
                      "timer instead.")]
    if meeting.duration_minutes <= SHORT_MINUTES:
        return [Reply(f"**{clip(meeting.title, 120)}** is already {meeting.duration_minutes} minutes.")]
    updated = await store_of(svc).set_duration(meeting.id, SHORT_MINUTES)
    if updated is None:
        return [Reply(f"**{clip(meeting.title, 120)}** can't be shortened any more.")]
    now = svc.clock.now()
    saved = meeting.duration_minutes - SHORT_MINUTES
    body = (f"**{clip(meeting.title, 120)}** ({render.when(updated, now)}) is now {SHORT_MINUTES} minutes "
            f"— {render.minutes(saved)} given back to everyone.")
    items = await store_of(svc).agenda(meeting.id)
    if render.planned_minutes(updated, items) > updated.duration_minutes:
        body += "\n" + render.budget_note(updated, items)
    if _in_channel(meeting, where):
        return [Reply(f"✂️ {body}", visibility=Visibility.CHANNEL)]
    await _announce(svc, meeting, "shortened", Reply(f"✂️ {body}", visibility=Visibility.CHANNEL))
    return [Reply(f"Done — {body}", replace_original=True)]


async def stop_series(svc: Services, series_id: int, who: Person) -> Reply:
    store = store_of(svc)
    series = await store.get_series(series_id)
    if series is None or not series.active:
        return Reply("That series has already been stopped.")
    await require_change(svc, who, series)
    cancelled = await store.stop_series(series_id, svc.clock.now())
    for meeting_id in cancelled:
        await svc.outbox.cancel(key(meeting_id))
    return Reply(f"🗓 **{clip(series.title, 120)}** won't repeat any more"
                 + (f" ({len(cancelled)} upcoming occurrence{'s' if len(cancelled) != 1 else ''} cancelled)."
                    if cancelled else "."), visibility=Visibility.CHANNEL)


