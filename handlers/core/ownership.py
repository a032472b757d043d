"""Does the object a button or form names belong where the press came from?

Button values and form contexts are sealed by the adapters (bot/sealing.py), so the core only sees values
the bot issued for the place. These checks are the second lock: an object (meeting, question, series,
timer, prompt) is acted on only from its own channel on its own platform, or from the 1:1 chat of the one
person it was sent to privately (the organiser's "no agenda" DM).
"""

from __future__ import annotations

from handlers.core.errors import UserError
from handlers.core.types import Person, Place, Platform

NOT_HERE = "That button belongs to another conversation, so it does nothing here. Use the one in that channel."


def belongs(where: Place, who: Person, platform: Platform | str, channel_id: str, person_id: str | None = None) -> bool:
    """Whether an object of (platform, channel_id) may be acted on from `where` by `who`: from its own
    channel, or from a 1:1 chat on its platform by `person_id` (the person it was sent to privately)."""
    if str(where.platform) != str(platform) or who.platform != where.platform:
        return False
    if where.channel_id == channel_id:
        return True
    return bool(person_id) and where.is_direct and who.id == person_id


def require_here(where: Place, who: Person, platform: Platform | str, channel_id: str,
                 person_id: str | None = None) -> None:
    if not belongs(where, who, platform, channel_id, person_id):
        raise UserError(NOT_HERE)


def who_may(what: str) -> str:
    """Who may manage a channel (`Services.may_manage`), in words for both platforms (Teams has team owners)."""
    return f"Only the channel's creator or an admin can {what} here — in Teams, a team owner or an admin."
