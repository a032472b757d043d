"""A channel's life on its platform: archived or deleted, it is marked inactive (its pulse schedules, meeting
series and calendar feeds stop being run, and what was queued for it is parked); unarchived or restored, it
is active again. Nothing is said: an archived or deleted channel cannot be posted to, and quiet is the
default (docs/operations.md, "Archived and deleted channels").

Both adapters send the same `PlaceChange` (Slack `channel_archive` & co., Teams `channelDeleted` /
`channelRestored`), with the workspace or team the event came from: the store changes that Teams team's
channel only, but a Slack channel for every workspace (Slack channel ids are global: a channel shared by two
workspaces of ours has one id, and Slack tells only one of them it was archived).
Teams also archives, deletes, unarchives and restores whole teams (`whole_team`): the team's own state is
kept beside its channels' (a channel runs only while both are active), so a channel deleted on its own stays
inactive when its team comes back, and a team hard-deleted stays inactive for good."""

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
    if change.whole_team:
        result = await svc.store.places.set_team_active(where.platform, where.team_id, change.active,
                                                        change.reason, change.at)
    else:
        result = await svc.store.places.set_active(where, change.active, change.reason, change.at)
    if not result.applied:
        log.debug("%s channel %s %s: a later event already decided", where.platform.value, where.channel_id,
                  change.reason)
