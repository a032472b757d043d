"""Whether a calendar meeting of a channel may take over a live Teams meeting chat.

A calendar feed is written by whoever hosts it, so a join link in an event proves nothing: anyone who saw an
invitation can copy its link into a feed of their own channel. Before the bot posts a calendar meeting's title
and agenda into a meeting chat and runs its timer there, the chat and the meeting's channel must be shown to
belong together by what the platform itself says:
- the chat's tenant (the activity's own) is the tenant Teams gave with the channel's activities; and
- for a channel meeting (its chat is a thread of a team's channel) the chat's team is the channel's team;
  for a meeting chat outside any team, the Teams meeting's organiser (from Teams' meeting details) is a
  member of the channel now.
When anything cannot be told (no tenant, no organiser, the member lookup failed) the answer is no: the chat
is then timed as a meeting of its own, from what Teams says about it.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from handlers.core.errors import StorageUnavailable
from handlers.core.ports import is_member, tenant_of
from handlers.core.services import Services
from handlers.core.types import Place

if TYPE_CHECKING:
    from handlers.meetings.calendar_live import LiveSignal
    from handlers.meetings.ports import Meeting

log = logging.getLogger("steadybot.meetings")


async def belongs_to_chat(svc: Services, chat: Place, signal: LiveSignal, meeting: Meeting) -> bool:
    """Whether `meeting` (a calendar meeting whose join link names this chat) may be run in `chat`."""
    channel = meeting.place
    if channel.platform != chat.platform:
        return False
    if channel.channel_id == chat.channel_id:
        return True  # the chat is the meeting's own channel
    why = await _why_not(svc, chat, signal, channel)
    if why:
        log.info("calendar meeting %s not matched to the meeting chat: %s", meeting.id, why)
    return not why


async def _why_not(svc: Services, chat: Place, signal: LiveSignal, channel: Place) -> str:
    if not signal.tenant:
        return "the meeting chat's tenant is unknown"
    try:
        tenant = await tenant_of(svc.directory, channel)
    except StorageUnavailable:
        raise
    except Exception as exc:  # noqa: BLE001 - cannot tell: not trusted
        return f"the channel's tenant could not be read ({type(exc).__name__})"
    if tenant != signal.tenant:
        return "its channel is in another tenant" if tenant else "its channel's tenant is unknown"
    if chat.team_id:
        return "" if chat.team_id == channel.team_id else "its channel is in another team"
    if not signal.organiser_ids:
        return "Teams did not say who organised the meeting"
    for organiser in sorted(signal.organiser_ids):
        try:
            if await is_member(svc.directory, channel, organiser):
                return ""
        except StorageUnavailable:
            raise
        except Exception as exc:  # noqa: BLE001 - cannot tell: not trusted
            return f"the channel's members could not be read ({type(exc).__name__})"
    return "the meeting's organiser is not a member of its channel"
