"""Who someone is (name, timezone) and whether they may change a meeting."""

from __future__ import annotations

import logging
from typing import Protocol

from handlers.core.errors import NotAllowed, StorageUnavailable
from handlers.core.services import Services
from handlers.core.text import clip
from handlers.core.types import Person, Place

log = logging.getLogger("steadybot.meetings")


async def known(svc: Services, person: Person) -> Person:
    """The person with their timezone and display name as the platform knows them (a Slack slash command
    carries no timezone and only the login name; the directory has both)."""
    try:
        found = await svc.directory.person(person.platform, person.id)
    except StorageUnavailable:
        raise
    except Exception:  # noqa: BLE001 - a directory hiccup must not stop the command
        log.info("directory lookup failed for a %s person", person.platform)
        found = None
    if found is None:
        return person
    return Person(person.platform, person.id, found.name or person.name, person.tz or found.tz, person.is_bot,
                  person.alt_id or found.alt_id)


class Owned(Protocol):
    """A meeting or a series: who registered it, and where."""

    @property
    def organiser_id(self) -> str: ...

    @property
    def organiser_name(self) -> str: ...

    @property
    def title(self) -> str: ...

    @property
    def place(self) -> Place: ...


async def may_change(svc: Services, who: Person, meeting: Owned) -> bool:
    """The organiser, the channel's owner, and the admins may cancel, shorten or stop a meeting (one with no
    organiser — forgotten, or registered by nobody — only the channel's owner and the admins)."""
    if meeting.organiser_id and meeting.organiser_id in who.known_ids():
        return True
    return await svc.may_manage(who, meeting.place)


async def require_change(svc: Services, who: Person, meeting: Owned) -> None:
    if not await may_change(svc, who, meeting):
        if not meeting.organiser_id:
            raise NotAllowed(f"Only the channel's owner or an admin can change **{clip(meeting.title, 80)}**.")
        name = clip(meeting.organiser_name, 60) or "the organiser"
        raise NotAllowed(f"Only {name} (who registered it), the channel's owner or an admin can change "
                         f"**{clip(meeting.title, 80)}**.")
