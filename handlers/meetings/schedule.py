"""When a meeting's nudges and start go out, and the occurrences of recurring meetings.

Dedupe keys: `meeting:<id>:<stage>` (t24, t2, q2, t1, t1dm, start). Cancelling a meeting cancels
`meeting:<id>:`. Only stages still ahead are enqueued, so re-running this for a meeting never sends a
nudge late; `skip_if_late_by` drops a nudge that would only arrive after the next one was due.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

from handlers.core.recurrence import Recurrence
from handlers.core.services import Services
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


def store_of(svc: Services) -> MeetingStore:
    return svc.store.meetings


def key(meeting_id: int, what: str = "") -> str:
    return f"meeting:{meeting_id}:{what}"


def outbox_items(meeting: Meeting, now: datetime, version: str = "") -> list[OutboxItem]:
    """The nudges still ahead and the start, for one meeting. `version` (a calendar meeting's start) makes
    the keys new when the meeting moves, so its nudges can be scheduled again at the new time."""
    tag = f"@{version}" if version else ""
    channel = Target.channel(meeting.place)
    organiser = Target.user(Person(meeting.platform, meeting.organiser_id, meeting.organiser_name), meeting.team_id)
    items: list[OutboxItem] = []
    data = {"id": meeting.id, "starts": meeting.starts_at.isoformat()}
    for nudge in NUDGES:
        due = meeting.starts_at - nudge.before
        if due <= now or (nudge.to_organiser and not meeting.organiser_id):
            continue  # past, or private to an organiser it has none of (forgotten, or a meeting nobody registered)
        items.append(OutboxItem(organiser if nudge.to_organiser else channel, due, NUDGE,
                                data={**data, "stage": nudge.stage}, dedupe_key=key(meeting.id, nudge.stage + tag),
                                skip_if_late_by=nudge.window.total_seconds()))
    items.append(OutboxItem(channel, meeting.starts_at, START, data=data, dedupe_key=key(meeting.id, "start" + tag)))
    return items


async def schedule(svc: Services, meeting: Meeting, version: str = "") -> None:
    await svc.outbox.enqueue(outbox_items(meeting, svc.clock.now(), version))


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
