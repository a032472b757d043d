"""The meetings feature, as scope creep sees it: is a meeting with an agenda running in this channel now
(then a trade-off offers "Park it for after the meeting"), and the reminder when that meeting ends."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import timedelta
from typing import TYPE_CHECKING

from handlers.core.errors import StorageUnavailable
from handlers.core.registry import Pending
from handlers.core.services import Services
from handlers.core.types import OutboxItem, Place, Reply, Target, Visibility
from handlers.scope.cards import safe
from handlers.scope.catalog import AFTER_MEETING
from handlers.scope.store import scope_store

if TYPE_CHECKING:
    from handlers.meetings.api import MeetingNow

log = logging.getLogger("steadybot.scope")

LATE_AFTER_MEETING = timedelta(hours=12)  # a reminder that would go out later than this is dropped


def meetings_here() -> bool:
    """Whether the meetings feature is there to ask about a meeting in progress."""
    try:
        import handlers.meetings.api  # noqa: F401
    except ImportError:
        return False
    return True


async def meeting_now(svc: Services, place: Place) -> MeetingNow | None:
    """The meeting in progress in this channel, or None (also when the meetings feature is not there or
    cannot answer: a trade-off prompt never fails because of it)."""
    if not meetings_here():
        return None
    from handlers.meetings.api import meeting_in_progress

    try:
        return await meeting_in_progress(svc, place.without_thread())
    except StorageUnavailable:
        return None
    except Exception:  # noqa: BLE001 - the prompt goes out without the meeting button
        log.warning("could not ask the meetings feature about a meeting in progress", exc_info=True)
        return None


def after_meeting_key(place: Place, meeting_id: int) -> str:
    return f"scope:after-meeting:{place.key}:{meeting_id}"


async def remind_after_meeting(svc: Services, place: Place, meeting: MeetingNow) -> None:
    """One reminder per meeting, at its end, listing what was parked for after it (read at send time)."""
    await svc.outbox.enqueue([OutboxItem(
        target=Target.channel(place, thread=False),
        due_at=meeting.ends_at,
        kind=AFTER_MEETING,
        data={"meeting_id": meeting.id, "title": meeting.title[:200]},
        dedupe_key=after_meeting_key(place, meeting.id),
        skip_if_late_by=LATE_AFTER_MEETING.total_seconds(),
    )])


def _meeting_id(data: Mapping[str, object]) -> int | None:
    value = data.get("meeting_id")
    return value if isinstance(value, int) and not isinstance(value, bool) else None


async def prepare_after_meeting(pending: Pending, svc: Services) -> Reply | None:
    """At the meeting's end: the ideas still parked for after it, or nothing when they were all taken off."""
    meeting_id = _meeting_id(pending.data)
    if meeting_id is None:
        return None
    target = pending.target
    place = Place(target.platform, target.id, target.team_id)
    items = await scope_store(svc).parked_for_meeting(place, meeting_id)
    if not items:
        return None
    title = safe(str(pending.data.get("title") or "the meeting"), 80)
    lines = [f"**Parked during {title}, for after it:**"]
    lines += [f"• {safe(item.text, 200)}" for item in items]
    lines.append("Take one on with `/tradeoff <request>`, or clear the lot with `/tradeoff unpark <n>` "
                 "(numbers in `/tradeoff parking`).")
    return Reply(text="\n".join(lines), visibility=Visibility.CHANNEL, in_thread=False)
