"""The meeting a button or form acts on: the id it carries names a meeting that still exists, and the press
comes from that meeting's channel (or, for the organiser's private "no agenda" message, from the organiser's
1:1 chat) — handlers/core/ownership.py. Every meeting button goes through here. The meeting's timer buttons
(End meeting) also work in the chat its timer runs in: a Teams meeting chat, for a meeting timed live there."""

from __future__ import annotations

from handlers.core.errors import UserError
from handlers.core.ownership import require_here
from handlers.core.services import Services
from handlers.core.types import Interaction
from handlers.meetings.ports import Meeting
from handlers.meetings.schedule import store_of
from handlers.timebox.ports import parse_id, same_channel


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
    return meeting
