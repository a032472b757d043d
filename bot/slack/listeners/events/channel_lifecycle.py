"""A channel archived, unarchived or deleted (public: `channel_*`, private: `group_*`): the core marks the
place inactive or active again (handlers/general/channel_state.py) and says nothing. The place is the
workspace the event was delivered for (`installed_team`) and the event's channel; the store records a Slack
channel's state for every workspace of ours (a shared channel has one id in all of them and the event comes
once, authorized for one: storage/repos/places.py). The work runs after the ack, once per event id."""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime
from typing import Any

from bot.inbound import Pipeline
from bot.slack.payloads import installed_team, s
from handlers.core.registry import PlaceChange
from handlers.core.types import Place, Platform

log = logging.getLogger("steadybot.slack")

#: event type → (active afterwards, reason)
EVENTS = {
    "channel_archive": (False, "archived"), "group_archive": (False, "archived"),
    "channel_deleted": (False, "deleted"), "group_deleted": (False, "deleted"),
    "channel_unarchive": (True, "unarchived"), "group_unarchive": (True, "unarchived"),
}
#: The six event types, one pattern: Bolt evaluates one matcher for them all, not six.
EVENT_TYPES = re.compile(r"\A(?:" + "|".join(EVENTS) + r")\Z")


def _at(body: dict[str, Any]) -> datetime:
    try:
        return datetime.fromtimestamp(int(body.get("event_time") or 0), UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return datetime.fromtimestamp(0, UTC)


async def channel_lifecycle(body: dict[str, Any], event: dict[str, Any], pipeline: Pipeline) -> None:
    kind = EVENTS.get(s(event.get("type")))
    channel, team = s(event.get("channel")), installed_team(body)
    if kind is None or not channel or not team:
        return
    active, reason = kind
    change = PlaceChange(Place(Platform.SLACK, channel, team), active, reason, _at(body))
    pipeline.run(pipeline.place_changed(f"slack:event:{s(body.get('event_id'))}", change), f"slack {reason}")

