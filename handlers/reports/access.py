"""Who may have a channel's report: the rule `/steadybot report` follows, checked again wherever a report
reaches someone later than the command that asked for it.

`/steadybot report` answers whoever runs it in the channel, and only a member can run a command there — so
the rule is "a member of the channel, now". A button minted earlier (the weekly digest's and the App Home's
"Send me the report link") and each Monday's digest DM ask the platform again at the moment they are used
(`svc.directory.is_member`: Slack conversations.members, the Teams connector's member lookup; else the
directory's member list), so someone who left the channel gets no fresh link and no more digests."""

from __future__ import annotations

from handlers.core.ports import is_member
from handlers.core.services import Services
from handlers.core.types import Person, Place


async def may_see_report(svc: Services, who: Person, place: Place) -> bool:
    """Whether `who` is a member of `place` now. A directory failure is raised (callers refuse or wait)."""
    if who.platform != place.platform:
        return False
    return await is_member(svc.directory, place, who.id)
