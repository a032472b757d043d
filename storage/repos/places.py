"""Channels their platform archived or deleted (docs/operations.md, "Archived and deleted channels").

A place is (platform, workspace or team, channel): a Teams event changes only the row of the team it came
from, and the filters below match a schedule, series or feed only when all three agree, so another team's
channel with the same id is never touched (nor a row that names no team at all). Slack is the exception:
its channel ids are global (a Slack Connect channel, or one shared between workspaces of an organisation,
has one id in all of them) and Slack delivers a channel's archive once, authorized for one of our
workspaces, so a Slack channel's state is recorded for the event's workspace and for every other workspace
any row tags on that channel (`_slack_teams`): their schedules, series, feeds and queued rows stop and come
back together. Each row still names a real workspace, so an uninstall removes it with the workspace's data.

What an inactive place loses, and gets back:
- its pulse schedules, meeting series and calendar feeds are not found due (`inactive_place`, used by the
  due queries in storage/repos/pulse.py, meetings.py and calendar.py); back active, they are found due
  again and run from the next occurrence (occurrences missed meanwhile are stale and skipped);
- the outbox rows still waiting to be sent to the channel are parked: status `skipped` with the reason
  `PARKED` (a send would only fail, again and again), and so is a row queued for it while it is inactive
  (`parked_targets`, read by the outbox's enqueue: a round that was open closes and queues its results). Back
  active, the parked rows whose time is still ahead go back to `pending`; the others stay skipped (they would
  arrive late) and are purged as usual.

A whole team (Teams teamArchived, teamDeleted, teamHardDeleted, teamUnarchived, teamRestored) has a row of its
own, with no channel (`TEAM_ROW`), beside its channels' rows: a channel is inactive while its own row or its
team's row says so (`inactive_place`), so the team's channels the bot knows of, and any it learns of later,
stop together; and a channel deleted on its own keeps its row, so it stays inactive when the team comes back.
A team hard-deleted is gone for good: no later event changes its row (`HARD_DELETED`). Rows to people (a
pulse DM, the organiser's nudge) are never parked: they are the person's, not the channel's.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, or_, select, update

from handlers.core.clock import Clock
from handlers.core.registry import TEAM_HARD_DELETED
from handlers.core.types import Place, Platform, Target
from storage.db import Database, rowcount
from storage.models import every_table
from storage.models.core import OutboxRow, PlaceState
from storage.upsert import insert_for

log = logging.getLogger("steadybot.storage")
PARKED = "parked: the channel was archived or deleted"
TEAM_ROW = ""  # the channel of a whole team's row (no channel's id is empty: set_active refuses one)
HARD_DELETED = TEAM_HARD_DELETED  # its team row never changes again
_PENDING, _SKIPPED = "pending", "skipped"


@dataclass(frozen=True, slots=True)
class PlaceChanged:
    """What a change did: `applied` False when a later event had already decided (or nothing changed)."""

    applied: bool
    outbox_rows: int = 0  # parked (inactive) or brought back (active)


def inactive_place(platform: Any, team_id: Any, channel_id: Any) -> ColumnElement[bool]:
    """True for a row whose place its platform archived or deleted (columns of the row being filtered)."""
    return exists().where(PlaceState.platform == platform, PlaceState.team_id == team_id,
                          or_(PlaceState.channel_id == channel_id, PlaceState.channel_id == TEAM_ROW),
                          PlaceState.active.is_(False))


async def parked_targets(s: Any, targets: Iterable[Target]) -> set[Target]:
    """The channel targets among `targets` whose place is inactive (`inactive_place`: the channel's own row or
    its team's row says so), for the outbox to queue parked. Rows to people are never looked up, so a fan-out
    of DMs reads nothing; channel targets cost one statement per 200 distinct places (one `inactive_place`
    each, by place_states' unique index; a batch names one or a few)."""
    channels = {t for t in targets if t.kind == "channel"}
    if not channels:
        return set()

    def place(t: Target) -> tuple[str, str, str]:  # as `_record` stores it
        return t.platform.value, t.team_id[:200], t.id[:300]

    places = sorted({place(t) for t in channels})
    inactive: set[tuple[str, str, str]] = set()
    for start in range(0, len(places), 200):
        chunk = places[start:start + 200]
        flags = (await s.execute(select(*[inactive_place(*where) for where in chunk]))).one()
        inactive.update(where for where, flag in zip(chunk, flags, strict=True) if flag)
    return {t for t in channels if place(t) in inactive}


class PlacesRepo:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    async def set_active(self, place: Place, active: bool, reason: str, event_at: datetime, *,
                         own_workspace: bool = False) -> PlaceChanged:
        """Record the platform's word about the place: a Teams channel's for its team, a Slack channel's for
        every workspace of ours that has it (`_slack_teams`) — or, with `own_workspace`, for the place's own
        workspace only, and only its rows are parked (what one workspace's send learned says nothing about
        another's side of a Slack Connect channel). An event older than the one recorded changes nothing (a
        redelivered archive arriving after the unarchive)."""
        if not place.channel_id or not place.team_id:
            return PlaceChanged(False)
        now = self.clock.now()
        async with self.db.session() as s:
            teams = ([place.team_id] if place.platform is not Platform.SLACK or own_workspace
                     else await self._slack_teams(s, place.channel_id[:300], place.team_id))
            recorded = [await self._record(s, place.platform.value, place.channel_id, team, active, reason,
                                           event_at, now) for team in teams]
            if not any(recorded):
                return PlaceChanged(False)
            if not active:
                rows = await self._park(s, place, own_workspace=own_workspace)
            elif await self._team_inactive(s, place.platform.value, place.team_id):
                rows = 0  # its team is still archived or deleted: what is parked stays parked
            else:
                rows = await self._bring_back(s, place, now)
        log.info("place %s %s (%s): %d outbox rows %s", place.platform.value, place.channel_id, reason, rows,
                 "back to pending" if active else "parked")
        return PlaceChanged(True, rows)

    async def set_team_active(self, platform: Platform, team_id: str, active: bool, reason: str,
                              event_at: datetime) -> PlaceChanged:
        """Record the platform's word about a whole team. Inactive: the rows queued for any of its channels
        are parked. Active: those whose time is still ahead come back, except for the channels that are
        inactive on their own (deleted). An event older than the one recorded changes nothing, and nothing
        changes a team hard-deleted."""
        if not team_id:
            return PlaceChanged(False)
        now = self.clock.now()
        async with self.db.session() as s:
            if not await self._record(s, platform.value, TEAM_ROW, team_id, active, reason, event_at, now):
                return PlaceChanged(False)
            rows = await (self._bring_back_team(s, platform, team_id[:200], now) if active
                          else self._park_team(s, platform, team_id[:200]))
        log.info("team %s %s (%s): %d outbox rows %s", platform.value, team_id, reason, rows,
                 "back to pending" if active else "parked")
        return PlaceChanged(True, rows)

    async def is_active(self, place: Place) -> bool:
        """Whether the place runs: neither it nor its team is archived or deleted."""
        async with self.db.session() as s:
            return not await s.scalar(select(inactive_place(place.platform.value, place.team_id,
                                                            place.channel_id)))

    async def _record(self, s: Any, platform: str, channel_id: str, team_id: str, active: bool, reason: str,
                      event_at: datetime, now: datetime) -> bool:
        """Upsert the row; False when a later event had already decided (or the team was hard-deleted)."""
        values = {"platform": platform, "channel_id": channel_id[:300], "team_id": team_id[:200],
                  "active": active, "reason": reason[:32], "event_at": event_at, "changed_at": now}
        table = PlaceState.__table__
        stmt = insert_for(self.db.dialect)(table).values(**values)
        stmt = stmt.on_conflict_do_update(
            index_elements=["platform", "channel_id", "team_id"],
            set_={"active": stmt.excluded.active, "reason": stmt.excluded.reason,
                  "event_at": stmt.excluded.event_at, "changed_at": stmt.excluded.changed_at},
            # the newer event wins; a hard delete wins whenever it arrives, and nothing follows it
            where=and_(or_(table.c.event_at <= stmt.excluded.event_at, stmt.excluded.reason == HARD_DELETED),
                       table.c.reason != HARD_DELETED),
        )
        return rowcount(await s.execute(stmt)) > 0

    @staticmethod
    async def _slack_teams(s: Any, channel_id: str, team_id: str) -> list[str]:
        """The event's workspace and every other workspace a row tags on the Slack channel (schedules,
        series, feeds, meetings, conversation references, place states: every table with platform, team_id
        and channel_id). An archive is rare: a few small look-ups, and
        `inactive_place`, in the due queries, stays one exact match."""
        teams = {team_id[:200]}
        for table in every_table().sorted_tables:
            if "platform" in table.c and "team_id" in table.c and "channel_id" in table.c:
                found = await s.scalars(select(table.c.team_id).distinct().where(
                    table.c.platform == Platform.SLACK.value, table.c.channel_id == channel_id,
                    table.c.team_id != ""))
                teams.update(found.all())
        return sorted(teams)

    @staticmethod
    async def _team_inactive(s: Any, platform: str, team_id: str) -> bool:
        return await s.scalar(select(PlaceState.id).where(
            PlaceState.platform == platform, PlaceState.team_id == team_id, PlaceState.channel_id == TEAM_ROW,
            PlaceState.active.is_(False))) is not None

    # ---- the outbox ----------------------------------------------------------------------------------
    async def _park(self, s: Any, place: Place, *, own_workspace: bool = False) -> int:
        return await self._shift(s, self._channel_rows(place), lambda target: self._to(
            target, place, own_workspace=own_workspace), park=True)

    async def _bring_back(self, s: Any, place: Place, now: datetime) -> int:
        return await self._shift(s, self._channel_rows(place), lambda target: self._to(target, place), park=False,
                                 now=now)

    async def _park_team(self, s: Any, platform: Platform, team_id: str) -> int:
        return await self._shift(s, self._team_channel_rows(platform),
                                 lambda target: self._to_team(target, team_id), park=True)

    async def _bring_back_team(self, s: Any, platform: Platform, team_id: str, now: datetime) -> int:
        deleted = set((await s.scalars(select(PlaceState.channel_id).where(
            PlaceState.platform == platform.value, PlaceState.team_id == team_id,
            PlaceState.channel_id != TEAM_ROW, PlaceState.active.is_(False)))).all())
        return await self._shift(s, self._team_channel_rows(platform),
                                 lambda target: self._to_team(target, team_id) and target.get("id") not in deleted,
                                 park=False, now=now)

    async def _shift(self, s: Any, rows: ColumnElement[bool], keep: Callable[[Any], bool], *, park: bool,
                     now: datetime | None = None) -> int:
        """Park the pending rows among `rows` whose target `keep` accepts, or (`park` False) bring back the
        parked ones whose time is still ahead of `now`."""
        values: dict[str, str | None]
        if park:
            where, current, values = [OutboxRow.status == _PENDING], _PENDING, {"status": _SKIPPED, "last_error": PARKED}
        else:
            where = [OutboxRow.status == _SKIPPED, OutboxRow.last_error == PARKED, OutboxRow.due_at > now]
            current, values = _SKIPPED, {"status": _PENDING, "last_error": None}
        found = (await s.execute(select(OutboxRow.id, OutboxRow.target).where(rows, *where))).all()
        return await self._move(s, [row_id for row_id, target in found if keep(target)], current, **values)

    @staticmethod
    async def _move(s: Any, ids: list[int], current: str, **values: Any) -> int:
        moved = 0
        for start in range(0, len(ids), 500):
            moved += rowcount(await s.execute(update(OutboxRow).where(
                OutboxRow.id.in_(ids[start:start + 500]), OutboxRow.status == current).values(**values)))
        return moved

    @staticmethod
    def _channel_rows(place: Place) -> ColumnElement[bool]:
        """Rows addressed to the place's channel or a thread in it, picked out in SQL by their target's key
        (a big install's outbox holds hundreds of thousands of pending DMs, none of which need reading)."""
        prefix = Target.channel(place, thread=False).key  # "<platform>:channel:<id>:" (then a thread, or not)
        return and_(OutboxRow.platform == place.platform.value, OutboxRow.target_key.startswith(prefix, autoescape=True))

    @staticmethod
    def _team_channel_rows(platform: Platform) -> ColumnElement[bool]:
        """Rows addressed to any channel of the platform, picked out in SQL by their target's key (never the
        rows to people, by far the most); which team a row is for is read from its target."""
        prefix = Target.channel(Place(platform, "-"), thread=False).key.removesuffix("-:")  # "<platform>:channel:"
        return and_(OutboxRow.platform == platform.value, OutboxRow.target_key.startswith(prefix, autoescape=True))

    @staticmethod
    def _to_team(target: Any, team_id: str) -> bool:
        """A row addressed to a channel (any thread in it) tagged with the team."""
        return isinstance(target, dict) and target.get("kind") == "channel" and target.get("team_id") == team_id

    @staticmethod
    def _to(target: Any, place: Place, *, own_workspace: bool = False) -> bool:
        """A row addressed to the place's channel (any thread in it): a Slack channel's for any workspace (with
        `own_workspace`, the place's own only), a Teams channel's tagged with the same team."""
        if not isinstance(target, dict):
            return False
        any_workspace = place.platform is Platform.SLACK and not own_workspace
        return (target.get("kind") == "channel" and target.get("id") == place.channel_id
                and (any_workspace or target.get("team_id", "") == place.team_id))
