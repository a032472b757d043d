"""`/meeting`: register (one-off or recurring), list, cancel, end, and the channel's hygiene record."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from handlers.core.durations import format_duration
from handlers.core.errors import UserError
from handlers.core.ownership import require_here
from handlers.core.registry import Replies
from handlers.core.services import Services
from handlers.core.text import clip
from handlers.core.timeparse import format_local, to_local_naive
from handlers.core.types import Button, Command, Interaction, Person, Place, Reply, Visibility
from handlers.meetings import calendar_commands, lifecycle, nudges, render, schedule
from handlers.meetings.api import hygiene_summary
from handlers.meetings.calendar_commands import calendar_words
from handlers.meetings.lifecycle import boxes
from handlers.meetings.parse import MEETING_EXAMPLE, MeetingRequest, parse_meeting
from handlers.meetings.people import known
from handlers.meetings.ports import Meeting, MeetingDraft, SeriesDraft
from handlers.meetings.pressed import pressed_meeting, require_member_in_direct
from handlers.meetings.schedule import store_of
from handlers.timebox.engine import TimeboxEngine
from handlers.timebox.ports import parse_id

LIST_LIMIT = 10
STATS_DAYS = 28


def _channel_only(where: Place) -> Place:
    if where.is_direct:
        raise UserError("Meetings belong to a channel (the team) — run this in your team's channel.",
                        f"/meeting {MEETING_EXAMPLE}")
    return where.without_thread()


async def command(cmd: Command, svc: Services, *, engine: TimeboxEngine) -> Replies:
    place = _channel_only(cmd.where)
    word, _, rest = cmd.text.strip().partition(" ")
    word, rest = word.lower(), rest.strip()
    if word in ("list", "upcoming", "next") and not rest:
        return await _list(cmd.who, place, svc)
    if word == "cancel" and (not rest or rest.isdigit()):
        return await _cancel(cmd.who, place, rest, svc)
    if word in ("end", "stop", "done") and not rest:
        return await _end(place, svc, engine=engine)
    if word in ("stats", "hygiene", "report") and not rest:
        return await _stats(place, svc)
    if word in ("calendar", "calendars", "feed", "feeds") and calendar_words(rest):
        return await calendar_commands.command(cmd, place, rest, svc)
    return await _register(cmd, place, svc)


# ---- register ----------------------------------------------------------------------------------
async def _register(cmd: Command, place: Place, svc: Services) -> Reply:
    who = await known(svc, cmd.who)
    tz = svc.tz_of(who)
    now = svc.clock.now()
    request = parse_meeting(cmd.text, tz, now)
    store = store_of(svc)
    name = who.name or ""
    minutes = int(request.length.total_seconds() // 60)
    if request.recurrence is not None:
        rule = request.recurrence.anchored(to_local_naive(now, tz))
        series = await store.create_series(SeriesDraft(place.platform, place.channel_id, place.team_id,
                                                       request.title, who.id, name, tz.key, rule.to_dict(),
                                                       minutes))
        made = await schedule.materialize(svc, series)
        if not made:  # stopped (by a `/meeting stop` on another replica) before its first meeting was made
            return Reply(f"📅 **{clip(request.title, 120)}** was stopped before its first meeting, so nothing is "
                         "scheduled. Set it up again if you still want it.", visibility=Visibility.PRIVATE)
        first = made[0]
        head = (f"📅 **{clip(request.title, 120)}** — {rule.describe()} ({tz.key}), {format_duration(request.length)} "
                f"each time. Next: **{format_local(first.starts_at, tz, now=now)}**.")
    else:
        assert request.starts_at is not None
        first = await store.create(MeetingDraft(place.platform, place.channel_id, place.team_id, request.title,
                                                who.id, name, tz.key, request.starts_at, minutes))
        await schedule.schedule(svc, first)
        head = (f"📅 **{clip(request.title, 120)}** — **{format_local(first.starts_at, tz, now=now)}**, "
                f"{format_duration(request.length)}.")
    return await _registered(svc, first, request, head, tz, now)


async def _registered(svc: Services, first: Meeting, request: MeetingRequest, head: str, tz: ZoneInfo,
                      now: datetime) -> Reply:
    enforcing = (await svc.store.settings.get(first.place)).agenda_enforcement
    lines = [head + (f" Registered by {clip(first.organiser_name, 60)}." if first.organiser_name else "")]
    if request.title_cut:
        lines.append(f"_(I shortened the title to {len(request.title)} characters.)_")
    if not request.length_given:
        lines.append(f"_(I planned {format_duration(request.length)} — add `for 45m` to the command for another "
                     "length.)_")
    others = [m for m in await store_of(svc).overlapping(first.platform, first.channel_id, first.starts_at,
                                                          first.ends_at) if m.id != first.id]
    if others:
        lines.append(f"Heads-up: it overlaps **{clip(others[0].title, 80)}** "
                     f"({format_local(others[0].starts_at, tz, now=now)}) in this channel.")
    lines.append("Add agenda items with `/agenda add Demo of the new login 10m` and pre-read questions with "
                 "`/agenda question …`.")
    flagged = enforcing and schedule.needs_flag(first, now, has_agenda=False)
    if flagged:
        lines.append(nudges.no_agenda_flag(first, now))
        buttons = nudges.organiser_buttons(first)
    else:
        if enforcing:
            lines.append("While the agenda is empty I'll remind this channel 24 hours and 2 hours before; an hour "
                         "before, it's no agenda, no meeting.")
        buttons = (nudges.add_button(first),
                   Button("meeting.cancel", "Cancel it", str(first.id), "danger",
                          confirm=f"Cancel {clip(first.title, 60)}?"))
    return Reply("\n".join(lines), buttons=buttons, visibility=Visibility.CHANNEL,
                 notify_text=f"{first.title} registered")


# ---- list, cancel, end, stats ------------------------------------------------------------------
async def _upcoming(place: Place, svc: Services) -> list[Meeting]:
    return await store_of(svc).upcoming(place.platform, place.channel_id, svc.clock.now(), LIST_LIMIT)


async def _list(who: Person, place: Place, svc: Services) -> Reply:
    meetings = await _upcoming(place, svc)
    if not meetings:
        return Reply(f"No meetings are registered in this channel. Register one: `/meeting {MEETING_EXAMPLE}`.")
    tz = svc.tz_of(await known(svc, who))
    now = svc.clock.now()
    store = store_of(svc)
    lines = ["**Upcoming meetings here**"]
    for n, m in enumerate(meetings, 1):
        items = await store.agenda(m.id)
        state = "running now" if m.starts_at <= now else (
            f"{len(items)} agenda item{'s' if len(items) != 1 else ''}" if items else "no agenda yet")
        repeats = " ↻" if m.series_id is not None else ""
        lines.append(f"• **{n}.** {clip(m.title, 80)}{repeats} — {format_local(m.starts_at, tz, now=now)}, "
                     f"{render.minutes(m.duration_minutes)} · _{state}_")
    lines.append("Cancel one with `/meeting cancel 2`; ↻ repeats.")
    return Reply("\n".join(lines))


async def _cancel(who: Person, place: Place, number: str, svc: Services) -> Replies:
    meetings = [m for m in await _upcoming(place, svc) if m.status == "scheduled"]
    if not meetings:
        raise UserError("There's no upcoming meeting here to cancel.", "/meeting list")
    if not number:
        if len(meetings) > 1:
            raise UserError("Which one? Give its number from `/meeting list`.", "/meeting cancel 1")
        meeting = meetings[0]
    else:
        index = parse_id(number)
        if index is None or not 1 <= index <= len(meetings):
            raise UserError(f"There's no meeting {clip(number, 12)} — `/meeting list` shows {len(meetings)}.",
                            "/meeting cancel 1")
        meeting = meetings[index - 1]
    return await lifecycle.cancel(svc, meeting, await known(svc, who), place)


async def _end(place: Place, svc: Services, *, engine: TimeboxEngine) -> Reply:
    meeting = await _running(place, svc)
    if meeting is None:
        raise UserError("No meeting is running in this channel right now. (To stop a plain timer, use "
                        "`/timebox stop`.)", "/meeting list")
    return await lifecycle.end(svc, meeting, engine=engine)


async def _running(place: Place, svc: Services) -> Meeting | None:
    """The meeting in progress here, or one whose time is up but nobody ended yet."""
    store = store_of(svc)
    meeting = await store.in_progress(place.platform, place.channel_id, svc.clock.now())
    if meeting is not None:
        return meeting
    box = await boxes(svc).running(place)
    if box is not None and box.meeting_id is not None:
        return await store.get(box.meeting_id)
    return None


async def _stats(place: Place, svc: Services) -> Reply:
    since = svc.clock.now() - timedelta(days=STATS_DAYS)
    s = await hygiene_summary(svc, place, since)
    if not s.meetings_held and not s.cancelled:
        return Reply(f"No meetings ended here in the last {STATS_DAYS} days, so there's no record yet.")
    share = f"{round(100 * s.answered_share)} %" if s.answered_share is not None else "no questions asked"
    weekly = (f"{round(sum(w.person_minutes for w in s.weeks) / max(len(s.weeks), 1))} person-minutes"
              if s.weeks else "—")
    facts = (
        ("Meetings held", f"{s.meetings_held} ({s.with_agenda} with an agenda, {s.without_agenda} without)"),
        ("Cancelled before they started", f"{s.cancelled} ({render.minutes(s.cancelled_minutes)} given back)"),
        ("Pre-read questions answered", f"{s.questions_answered} of {s.questions_asked} ({share})"),
        ("Planned vs actual", f"{render.minutes(s.planned_minutes)} planned, {render.minutes(s.actual_minutes)} "
                              "actual"),
        ("Overruns · time given back", f"{render.minutes(s.overrun_minutes)} · {render.minutes(s.saved_minutes)}"),
        ("Meeting load per week", weekly),
    )
    return Reply(f"**Meeting hygiene here, last {STATS_DAYS} days**", facts=facts)


# ---- buttons -----------------------------------------------------------------------------------
async def press_cancel(interaction: Interaction, svc: Services) -> Replies:
    meeting = await pressed_meeting(interaction, svc)
    return await lifecycle.cancel(svc, meeting, await known(svc, interaction.who), interaction.where)


async def press_shorten(interaction: Interaction, svc: Services) -> Replies:
    meeting = await pressed_meeting(interaction, svc)
    return await lifecycle.shorten(svc, meeting, await known(svc, interaction.who), interaction.where)


async def press_end(interaction: Interaction, svc: Services, *, engine: TimeboxEngine) -> Replies:
    meeting = await pressed_meeting(interaction, svc, or_where_timed=True)
    if interaction.where.is_direct:
        raise UserError("End the meeting from its channel.", "/meeting end")
    return await lifecycle.end(svc, meeting, engine=engine)


async def press_stop_series(interaction: Interaction, svc: Services) -> Replies:
    series_id = parse_id(interaction.value)
    series = await store_of(svc).get_series(series_id) if series_id is not None else None
    if series is None:
        raise UserError("That series no longer exists.")
    require_here(interaction.where, interaction.who, series.platform, series.channel_id, series.organiser_id)
    await require_member_in_direct(interaction, svc, series.place, series.title)
    return await lifecycle.stop_series(svc, series.id, await known(svc, interaction.who))
