"""When a meeting's nudges and start go out, and the occurrences of recurring meetings.

Dedupe keys: `meeting:<id>:<stage>` (t24, t2, q2, t1, t1dm, start). Cancelling a meeting cancels
`meeting:<id>:`. Only stages still ahead are enqueued, so re-running this for a meeting never sends a
nudge late; `skip_if_late_by` drops a nudge that would only arrive after the next one was due.

A nudge due on the organiser's weekend, on one of the channel's holidays or in the channel's quiet hours (all in
the organiser's zone, `meeting.tz`) moves earlier, to the last allowed moment before it
(handlers/core/allowed.allowed_until); one that would then be due before it was planned, or not after a nudge
of an earlier stage that is kept, is dropped. Rows already queued keep the moment they were queued with (the
outbox keeps the first row of a dedupe key).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Literal

from handlers.core.allowed import allowed_until
from handlers.core.recurrence import Recurrence
from handlers.core.services import Services
from handlers.core.timeoff import holiday_code
from handlers.core.timeparse import localize, to_local_naive, zone
from handlers.core.types import OutboxItem, Person, Target
from handlers.meetings.catalog import NUDGE, START
from handlers.meetings.ports import CANCELLED, SCHEDULED, Meeting, MeetingStore, Series

Stage = Literal["t24", "t2", "q2", "t1", "t1dm"]
FLAG_WITHIN = timedelta(hours=1)  # registered closer than this with no agenda: flagged at once
HORIZON = timedelta(hours=48)  # recurring occurrences exist this far ahead (and always the next one)


@dataclass(frozen=True, slots=True)
class Nudge:
    stage: Stage
    before: timedelta
    to_organiser: bool
    window: timedelta  # how late it may still go out


NUDGES = (
    Nudge("t24", timedelta(hours=24), False, timedelta(hours=22)),
    Nudge("t2", timedelta(hours=2), False, timedelta(hours=1)),
    Nudge("q2", timedelta(hours=2), False, timedelta(hours=1)),
    Nudge("t1", timedelta(hours=1), False, timedelta(minutes=45)),
    Nudge("t1dm", timedelta(hours=1), True, timedelta(minutes=45)),
)


@dataclass(frozen=True, slots=True)
class Allowed:
    """When a channel's nudges may go out: outside its quiet hours, not on its holidays (nor on weekends)."""

    quiet: tuple[time, time]
    holidays: str = ""


#: in a nudge row's data: planned by `Allowed` (checked again when it is sent), and moved earlier by it
KEPT_OFF, MOVED = "kept_off", "moved"


def store_of(svc: Services) -> MeetingStore:
    return svc.store.meetings


def key(meeting_id: int, what: str = "") -> str:
    return f"meeting:{meeting_id}:{what}"


def planned(meeting: Meeting, now: datetime, allowed: Allowed | None = None) -> list[tuple[Nudge, datetime]]:
    """The nudges still ahead and when each is due (UTC). With `allowed`, a nudge due at a moment that is
    not allowed in the organiser's zone moves to the last allowed moment before it; it is dropped when that
    is not after `now`, or not after a kept nudge of an earlier stage (the same ask twice at once, or out of
    order). The two nudges of one stage (T-2h's ask and pre-read reminder, T-1h's flag and private message)
    are not compared with each other."""
    tz = zone(meeting.tz)
    kept: list[tuple[Nudge, datetime]] = []
    for nudge in NUDGES:
        if nudge.to_organiser and not meeting.organiser_id:
            continue  # private to an organiser it has none of (forgotten, or a meeting nobody registered)
        due = meeting.starts_at - nudge.before
        if allowed is not None:
            due = allowed_until(due, tz, allowed.quiet, allowed.holidays)
        if due <= now:
            continue  # past, or moved back to before it was planned
        if any(earlier.before > nudge.before and due <= at for earlier, at in kept):
            continue  # moved onto (or before) an earlier stage's nudge: dropped rather than doubled
        kept.append((nudge, due))
    return kept


def outbox_items(meeting: Meeting, now: datetime, version: str = "", allowed: Allowed | None = None) -> list[OutboxItem]:
    """The nudges still ahead and the start, for one meeting. `version` (a calendar meeting's start) makes
    the keys new when the meeting moves, so its nudges can be scheduled again at the new time. `allowed`:
    the channel's quiet hours and holidays the nudges keep off (see `planned`)."""
    tag = f"@{version}" if version else ""
    channel = Target.channel(meeting.place)
    organiser = Target.user(Person(meeting.platform, meeting.organiser_id, meeting.organiser_name), meeting.team_id)
    items: list[OutboxItem] = []
    data = {"id": meeting.id, "starts": meeting.starts_at.isoformat()}
    for nudge, due in planned(meeting, now, allowed):
        flags = {} if allowed is None else {KEPT_OFF: True, MOVED: due != meeting.starts_at - nudge.before}
        items.append(OutboxItem(organiser if nudge.to_organiser else channel, due, NUDGE,
                                data={**data, "stage": nudge.stage, **flags},
                                dedupe_key=key(meeting.id, nudge.stage + tag),
                                skip_if_late_by=nudge.window.total_seconds()))
    items.append(OutboxItem(channel, meeting.starts_at, START, data=data, dedupe_key=key(meeting.id, "start" + tag)))
    return items


async def allowed_in(svc: Services, meeting: Meeting) -> Allowed:
    settings = await svc.store.settings.get(meeting.place)
    return Allowed((settings.quiet_start, settings.quiet_end), holiday_code(settings))


async def schedule(svc: Services, meeting: Meeting, version: str = "") -> None:
    await svc.outbox.enqueue(outbox_items(meeting, svc.clock.now(), version, await allowed_in(svc, meeting)))


def needs_flag(meeting: Meeting, now: datetime, has_agenda: bool) -> bool:
    return not has_agenda and meeting.starts_at - now < FLAG_WITHIN


def occurrences(rule: Recurrence, tz_name: str, after: datetime, horizon: datetime) -> Iterator[datetime]:
    """UTC starts of a recurring meeting strictly after `after`: all up to `horizon`, and at least one."""
    tz = zone(tz_name)
    for naive in rule.iter_after(to_local_naive(after, tz)):
        at = localize(naive, tz).astimezone(UTC)
        if at <= after:
            continue  # a DST fold can map a later wall time to an earlier instant
        yield at
        if at > horizon:
            return


async def materialize(svc: Services, series: Series) -> list[Meeting]:
    """Create the series' occurrences up to the horizon (idempotent: unique per series and start) and
    schedule their nudges. Returns the meetings it made sure of."""
    store = store_of(svc)
    now = svc.clock.now()
    after = max(now, series.materialized_until) if series.materialized_until else now
    made: list[Meeting] = []
    for at in occurrences(Recurrence.from_dict(series.rule), series.tz, after, now + HORIZON):
        meeting = await store.occurrence(series, at)
        if meeting is None:  # the series was stopped meanwhile (another replica): nothing more to make
            break
        if meeting.status == SCHEDULED:
            await schedule(svc, meeting)
            await _unless_cancelled(svc, meeting)
        made.append(meeting)
    if made:
        await store.set_materialized(series.id, made[-1].starts_at)
    return made


async def _unless_cancelled(svc: Services, meeting: Meeting) -> None:
    """A stop of the series (or a cancel) that committed after the occurrence was made cancelled it, but
    may have cancelled its outbox rows before they were queued here: look again now that they are stored,
    and cancel them. (A cancel committing after this look cancels them itself, after its commit.)"""
    current = await store_of(svc).get(meeting.id)
    if current is None or current.status == CANCELLED:
        await svc.outbox.cancel(key(meeting.id))


async def materialize_all(svc: Services) -> None:
    """Periodic: every active series has its occurrences ahead (safe to run on every replica)."""
    store = store_of(svc)
    for series in await store.series_due(svc.clock.now() + HORIZON):
        await materialize(svc, series)
