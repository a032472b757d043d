"""A channel's life on its platform: archived or deleted, it is marked inactive (its pulse schedules, meeting
series and calendar feeds stop being run, and what was queued for it is parked); unarchived or restored, it
is active again. Nothing is said: an archived or deleted channel cannot be posted to, and quiet is the
default (docs/operations.md, "Archived and deleted channels").

Both adapters send the same `PlaceChange` (Slack `channel_archive` & co., Teams `channelDeleted` /
`channelRestored`), with the workspace or team the event came from: the store changes only that place."""

from __future__ import annotations

import logging

from handlers.core.registry import PlaceChange
from handlers.core.services import Services

log = logging.getLogger("steadybot.places")


async def place_changed(change: PlaceChange, svc: Services) -> None:
    where = change.where.without_thread()
    if not where.team_id:
        log.info("%s channel %s %s with no workspace or team: ignored", where.platform.value, where.channel_id,
                 change.reason)
        return  # the place could not be told apart from another workspace's channel with the same id
    result = await svc.store.places.set_active(where, change.active, change.reason, change.at)
    if not result.applied:
        log.debug("%s channel %s %s: a later event already decided", where.platform.value, where.channel_id,
                  change.reason)
