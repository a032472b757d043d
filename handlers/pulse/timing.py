"""When a pulse DM may reach a person: the schedule's wall time in *their* timezone, never on their weekend,
never in the channel's quiet hours (moved to the next allowed moment: handlers/core/allowed.py), correct across
DST changes.

Everything here is pure: naive local wall times in, aware UTC instants out.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from handlers.core.allowed import HOLIDAY_STEPS, allowed_from, allowed_instant
from handlers.core.recurrence import Recurrence
from handlers.core.timeoff import after_holidays
from handlers.core.timeparse import to_local_naive

MAX_UTC_OFFSET = timedelta(hours=14)  # Pacific/Kiritimati: the first place where a wall time happens
MIN_UTC_OFFSET = timedelta(hours=-12)  # the last place
CREATE_LEAD = timedelta(hours=1)  # rounds exist a little before the first person's DM is due
REMINDER_AT = 2 / 3  # the reminder goes out two thirds into the time a person has to answer
REMINDER_MARGIN = timedelta(hours=1)  # …and not in the last hour before the round closes
LAST_HOUR = timedelta(hours=1)  # nor an invitation: a DM whose round closes within the hour is not sent
NEXT_ROUND_STEPS = 7  # occurrences looked ahead for the channel's next round that someone gets a DM of


def after_time_off(back: datetime, tz: ZoneInfo, quiet: tuple[time, time], holidays: str = "") -> datetime:
    """When a DM held back until `back` (the end of someone's time off, or now on a holiday) goes out (UTC):
    the first allowed moment at or after it in their zone — not on their weekend, not in the channel's quiet
    hours — and, with the channel's holiday code, not on one of its holidays (the same wall time on the next
    day that is none, moved off weekend and quiet hours again)."""
    moment = allowed_from(back, tz, *quiet)
    for _ in range(HOLIDAY_STEPS):
        after = after_holidays(holidays, moment, tz) if holidays else None
        if after is None:
            break
        moment = allowed_from(after, tz, *quiet)
    return moment


def invite_due(now: datetime, tz: ZoneInfo, quiet: tuple[time, time], occurrence: datetime | None = None,
               recurrence: Recurrence | None = None) -> datetime | None:
    """When one person's DM goes out (UTC), or None when they should skip this occurrence.

    `/pulse now` (no occurrence): now, or their next allowed moment. A scheduled round: the occurrence's wall
    time in their zone, moved off weekend and quiet hours; never in the past. When that move reaches the
    day of the person's DM of the schedule's *next* occurrence (`every day at 9` on a Saturday or a Sunday:
    Monday 08:00, an hour before Monday's own round), the person skips this one instead of getting two pulse
    DMs from the channel that morning."""
    start, end = quiet
    local_now = to_local_naive(now, tz)
    if occurrence is None:
        return allowed_instant(local_now, tz, start, end)
    due = allowed_instant(occurrence, tz, start, end)
    if due < now:
        due = allowed_instant(local_now, tz, start, end)
    if recurrence is not None and on_or_after_day_of(due, next_round_dm(occurrence, recurrence, tz, quiet), tz):
        return None
    return due


def next_round_dm(occurrence: datetime, recurrence: Recurrence, tz: ZoneInfo, quiet: tuple[time, time]) -> datetime:
    """When the person's DM of the schedule's occurrence after `occurrence` is due (UTC): its wall time in
    their zone, moved off weekend and quiet hours."""
    return allowed_instant(recurrence.next_after(occurrence), tz, *quiet)


def on_or_after_day_of(moment: datetime, later: datetime, tz: ZoneInfo) -> bool:
    """Whether `moment` falls on the local day (in `tz`) of `later`, or after it: the rule that keeps one
    channel's pulse DMs to one a day per person."""
    return moment >= later or to_local_naive(moment, tz).date() >= to_local_naive(later, tz).date()


def next_round_opens(now: datetime, zones: Iterable[ZoneInfo], quiet: tuple[time, time], occurrence: datetime,
                     recurrence: Recurrence) -> datetime | None:
    """When the channel's next round of this schedule will open (UTC), by the members' zones as they are now:
    its first DM, of the first following occurrence that someone does not skip. That opening closes the round
    of `occurrence`. None when no occurrence in the next few has a DM at all."""
    following = occurrence
    distinct = {tz.key: tz for tz in zones}.values()
    for _ in range(NEXT_ROUND_STEPS):
        following = recurrence.next_after(following)
        dues = [due for tz in distinct if (due := invite_due(now, tz, quiet, following, recurrence)) is not None]
        if dues:
            return min(dues)
    return None


def last_call(window_hours: int) -> timedelta:
    """How long before its round closes a pulse DM still goes out: the last hour is too late to ask (a
    quarter of the window for a round shorter than four hours, so a `/pulse now for 1 hour` is still sent)."""
    return min(LAST_HOUR, timedelta(hours=window_hours) / 4)


def reminder_due(due: datetime, closes_at: datetime, span: timedelta, tz: ZoneInfo,
                 quiet: tuple[time, time], *, before: datetime | None = None) -> datetime | None:
    """The one reminder: two thirds into the person's time to answer, at an allowed moment, or None when
    that would be too close to (or after) the close — or, with `before` (the person's DM of the schedule's
    next round), on that DM's day: no reminder at 08:00 for a round whose successor arrives at 09:00."""
    target = to_local_naive(due + span * REMINDER_AT, tz)
    when = allowed_instant(target, tz, *quiet)
    if before is not None and on_or_after_day_of(when, before, tz):
        return None
    return when if when <= closes_at - REMINDER_MARGIN else None


def create_at(occurrence: datetime) -> datetime:
    """When the round of a naive local occurrence is created: before it is due anywhere on earth."""
    return occurrence.replace(tzinfo=UTC) - MAX_UTC_OFFSET - CREATE_LEAD


def is_stale(occurrence: datetime, window: timedelta, now: datetime) -> bool:
    """An occurrence whose round would already be over everywhere (the bot was down): skipped, not sent."""
    return occurrence.replace(tzinfo=UTC) - MIN_UTC_OFFSET + window <= now


def occurrence_span(occurrence: datetime | None, recurrence: Recurrence | None, window: timedelta) -> timedelta:
    """How long a person has to answer: the window, or less when the schedule's next round comes sooner."""
    if occurrence is None or recurrence is None:
        return window
    return min(window, recurrence.next_after(occurrence) - occurrence)


def first_occurrence(recurrence: Recurrence, now: datetime, tz: ZoneInfo) -> tuple[Recurrence, datetime]:
    """Anchor an every-other-week rule and find its first occurrence after `now` in the scheduler's zone."""
    local_now = to_local_naive(now, tz).replace(second=0, microsecond=0)
    anchored = recurrence.anchored(local_now)
    return anchored, anchored.next_after(local_now)
