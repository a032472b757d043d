"""Teams meeting events for the core: `application/vnd.microsoft.meetingStart` / `meetingEnd` event
activities (botbuilder's TeamsActivityHandler routes them to on_teams_meeting_start_event / _end_event
with the raw `value`: {"Id", "Title", "JoinUrl", "MeetingType", "StartTime" | "EndTime"}), and the meeting's
scheduled times from Teams (GET /v1/meetings/{id} on the connector, through TeamsInfo.get_meeting_info)."""

from __future__ import annotations

import asyncio
import logging
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


async def scheduled(context: TurnContext, meeting_id: str) -> tuple[datetime | None, datetime | None]:
    """The meeting's scheduled start and end from Teams, or (None, None) when Teams won't say."""
    if not meeting_id:
        return None, None
    try:
        client = await TeamsInfo.get_teams_connector_client(context)
        # botbuilder's fetch_meeting is a blocking msrest call: off the event loop
        info = await asyncio.wait_for(asyncio.to_thread(client.teams.fetch_meeting, meeting_id), DETAILS_TIMEOUT)
    except Exception as exc:  # noqa: BLE001 - without them the meeting's length is reported at the end
        log.info("meeting details unavailable (%s)", type(exc).__name__)
        return None, None
    details = getattr(info, "details", None)
    if not isinstance(details, dict):
        details = getattr(details, "__dict__", {}) or {}
    start = details.get("scheduledStartTime") or details.get("scheduled_start_time")
    end = details.get("scheduledEndTime") or details.get("scheduled_end_time")
    never = datetime.min.replace(tzinfo=UTC)
    first, last = _moment(start, never), _moment(end, never)
    return (first if first != never else None), (last if last != never else None)


def signal(value: Any, now: datetime, *, started: bool) -> LiveSignal:
    from handlers.meetings.calendar_live import LiveSignal  # the meetings feature, on its first meeting event
    from handlers.meetings.calendar_parse import teams_thread

    meeting_id = _text(_field(value, "Id"))
    join = _text(_field(value, "JoinUrl"), 2000)
    at = _moment(_field(value, "StartTime" if started else "EndTime"), now)
    return LiveSignal(meeting_id, _text(_field(value, "Title"), 200), at, teams_thread(join))
