"""The meeting a button or form acts on: the id it carries names a meeting that still exists, and the press
comes from that meeting's channel (or, for the organiser's private "no agenda" message, from the organiser's
1:1 chat) — handlers/core/ownership.py. Every meeting button goes through here. The meeting's timer buttons
(End meeting) also work in the chat its timer runs in: a Teams meeting chat, for a meeting timed live there.

A press from the organiser's 1:1 chat is accepted only while they are still a member of the meeting's channel,
asked of the platform at the moment of the press (`is_member`, as the report-link buttons do): someone removed
from a private channel keeps the old message, but its buttons no longer act on the channel's meeting."""

from __future__ import annotations

import logging

from handlers.core.errors import StorageUnavailable, UserError
from handlers.core.ownership import require_here
from handlers.core.ports import is_member
from handlers.core.services import Services
from handlers.core.text import clip
from handlers.core.types import Interaction, Place
from handlers.meetings.ports import Meeting
from handlers.meetings.schedule import store_of
from handlers.timebox.ports import parse_id, same_channel

log = logging.getLogger("steadybot.meetings")


async def require_member_in_direct(interaction: Interaction, svc: Services, place: Place, title: str) -> None:
    """A press (or form) from a 1:1 chat acts on a channel's meeting only while the presser is still a member
    of that channel; refused in plain words otherwise, and when the platform cannot say just now."""
    if not interaction.where.is_direct:
        return  # pressed in the channel itself: only its members see it
    try:
        member = await is_member(svc.directory, place, interaction.who.id)
    except StorageUnavailable:
        raise
    except Exception as exc:  # noqa: BLE001 - the platform did not answer: no change on a guess
        log.info("meeting button in a DM: membership check failed: %s", type(exc).__name__)
        raise UserError("I couldn't check that you're still in the meeting's channel just now — please try "
                        "again in a minute, or use the buttons in the channel.") from exc
    if not member:
        raise UserError(f"You're no longer a member of the channel of **{clip(title, 80)}**, so this button "
                        "doesn't change it any more. Someone in that channel can still add an agenda, shorten "
                        "or cancel it there.")


async def pressed_meeting(interaction: Interaction, svc: Services, *, or_where_timed: bool = False) -> Meeting:
    meeting_id = parse_id(interaction.value)
    meeting = await store_of(svc).get(meeting_id) if meeting_id is not None else None
    if meeting is None:
        raise UserError("That meeting no longer exists.")
    if or_where_timed and not interaction.where.is_direct:
        box = await svc.store.timebox.for_meeting(meeting.id)
        if box is not None and same_channel(interaction.where, box.platform, box.channel_id):
            return meeting
    require_here(interaction.where, interaction.who, meeting.platform, meeting.channel_id, meeting.organiser_id)
    await require_member_in_direct(interaction, svc, meeting.place, meeting.title)
    return meeting
