"""Teams meeting events for the core: `application/vnd.microsoft.meetingStart` / `meetingEnd` event
activities (botbuilder's TeamsActivityHandler routes them to on_teams_meeting_start_event / _end_event
with the raw `value`: {"Id", "Title", "JoinUrl", "MeetingType", "StartTime" | "EndTime"}), and the meeting's
scheduled times and organiser from Teams (GET /v1/meetings/{id} on the connector, the call behind
TeamsInfo.get_meeting_info)."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from botbuilder.core import TurnContext
from botbuilder.core.teams import TeamsInfo

if TYPE_CHECKING:
    from handlers.meetings.calendar_live import LiveSignal

log = logging.getLogger("steadybot.teams")
DETAILS_TIMEOUT = 5.0


def _text(value: Any, limit: int = 400) -> str:
    return value[:limit] if isinstance(value, str) else ""


def _moment(value: Any, fallback: datetime) -> datetime:
    if isinstance(value, str) and value:
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return fallback
        return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
    return fallback


def _field(value: Any, name: str) -> Any:
    """The event value is a dict as received (keys in PascalCase); botbuilder's models use snake_case."""
    if isinstance(value, dict):
        return value.get(name) or value.get(name[0].lower() + name[1:])
    snake = "".join(f"_{c.lower()}" if c.isupper() else c for c in name).lstrip("_")
    return getattr(value, snake, None)


@dataclass(frozen=True, slots=True)
class Details:
    """What Teams says about a meeting (GET /v1/meetings/{id}): its scheduled times and its organiser's ids
    (Bot Framework id and Azure AD object id); empty where Teams won't say."""

    start: datetime | None = None
    end: datetime | None = None
    organiser_ids: frozenset[str] = frozenset()


def _as_dict(value: Any) -> dict[str, Any]:
    if isinstance(value, dict):
        return value
    return dict(getattr(value, "__dict__", {}) or {}) if value is not None else {}


async def details(context: TurnContext, meeting_id: str) -> Details:
    """The meeting's scheduled start and end and its organiser, from Teams; empty when Teams won't say."""
    if not meeting_id:
        return Details()
    try:
        client = await TeamsInfo.get_teams_connector_client(context)
        # botbuilder's fetch_meeting is a blocking msrest call: off the event loop
        info = await asyncio.wait_for(asyncio.to_thread(client.teams.fetch_meeting, meeting_id), DETAILS_TIMEOUT)
    except Exception as exc:  # noqa: BLE001 - without them the meeting's length is reported at the end
        log.info("meeting details unavailable (%s)", type(exc).__name__)
        return Details()
    times = _as_dict(getattr(info, "details", None))
    start = times.get("scheduledStartTime") or times.get("scheduled_start_time")
    end = times.get("scheduledEndTime") or times.get("scheduled_end_time")
    never = datetime.min.replace(tzinfo=UTC)
    first, last = _moment(start, never), _moment(end, never)
    organiser = _as_dict(getattr(info, "organizer", None))
    ids = frozenset(_text(organiser.get(k), 300) for k in ("id", "aadObjectId", "aad_object_id")) - {""}
    return Details(first if first != never else None, last if last != never else None, ids)


def signal(value: Any, now: datetime, *, started: bool, tenant: str = "") -> LiveSignal:
    """The core's signal from the event's value; `tenant` is the activity's own (channelData.tenant.id), which
    Teams vouches for, unlike the meeting's join link."""
    from handlers.meetings.calendar_live import LiveSignal  # the meetings feature, on its first meeting event
    from handlers.meetings.calendar_parse import teams_thread

    meeting_id = _text(_field(value, "Id"))
    join = _text(_field(value, "JoinUrl"), 2000)
    at = _moment(_field(value, "StartTime" if started else "EndTime"), now)
    return LiveSignal(meeting_id, _text(_field(value, "Title"), 200), at, teams_thread(join), tenant=tenant)
