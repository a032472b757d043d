"""Uninstall: what the bot keeps for a Slack workspace, a Teams team, a Teams group chat or one Teams
person is deleted when the app is removed there (docs/operations.md, "Uninstalling").

Which rows go is decided from the schema, so a feature's new table is covered without a change here:
- every table with `platform` and `channel_id` (or `chat_id`: live Teams meetings) columns: the rows of the
  removed place's channels (and, for tables that also have `team_id`, every row tagged with the removed
  workspace or team);
- every table with `platform` and `user_id` columns: the rows of the removed people;
- the outbox: every row (pending, failed or sent) addressed to a removed channel or person, or tagged with
  the removed workspace or team;
- rows of tables that point at a deleted row (agenda items, pre-read questions and answers, a round's
  anonymous answers, comments and totals, a round's participation records) go with it (ON DELETE CASCADE).

The channels of a workspace or team are the ones any row tags with its id (conversation references,
schedules, rounds, meetings, series, timeboxes, trade-off prompts). When a platform's rows name only one
workspace and no other workspace has an OAuth installation (the usual single-workspace Slack install with
SLACK_BOT_TOKEN), every row of that platform is the workspace's and all of them go, including channels only
seen in settings or lists. A channel that rows of another workspace or team also tag (a Slack Connect channel
shared by two installed workspaces) loses only the removed one's tagged rows: the other's rows, and the
channel's untagged rows (settings, lists, live meetings), serve the other one still.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, Table, and_, delete, false, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.core.clock import Clock
from handlers.core.types import Platform
from storage.db import Database
from storage.models import every_table
from storage.models.core import Identity, OutboxRow
from storage.models.installations import SlackInstallationRow

log = logging.getLogger("steadybot.storage")
_CHUNK = 500  # ids per IN (...) list


@dataclass(slots=True)
class RemovalReport:
    """What an uninstall deleted: rows per table (only tables that lost rows)."""

    platform: Platform
    scope: str  # "workspace <T…>", "team <19:…>", "conversation <…>", "person <29:…>"
    channels: int = 0
    people: int = 0
    rows: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.rows.values())

    def add(self, table: str, count: int) -> None:
        if count:
            self.rows[table] = self.rows.get(table, 0) + count


def _tables() -> list[Table]:
    return [t for t in every_table().sorted_tables if "platform" in t.c and t.name != OutboxRow.__tablename__]


def _channel(table: Table) -> Any:
    """A table's conversation column: `channel_id`, or `chat_id` (live Teams meetings); None without one."""
    return table.c.get("channel_id", table.c.get("chat_id"))


def _chunks(values: Iterable[str]) -> list[list[str]]:
    items = sorted(values)
    return [items[i:i + _CHUNK] for i in range(0, len(items), _CHUNK)]


def _in(column: Any, values: set[str]) -> ColumnElement[bool]:
    if not values:
        return false()
    return or_(*(column.in_(chunk) for chunk in _chunks(values)))


class LifecycleRepo:
    def __init__(self, db: Database, clock: Clock, caches: Iterable[Any] = ()) -> None:
        self.db = db
        self.clock = clock
        self._caches = list(caches)  # repositories whose "already written" caches must forget the removed

    async def remove_workspace(self, platform: Platform, team_id: str) -> RemovalReport:
        """A Slack workspace uninstalled the app (or revoked its bot token); or a Teams team removed it."""
        report = RemovalReport(platform, f"{'workspace' if platform == Platform.SLACK else 'team'} {team_id}")
        if not team_id:
            return report
        async with self.db.session() as s:
            everything = await self._only_workspace(s, platform, team_id)
            channels = await self._channels_of(s, platform, team_id)
            channels -= await self._shared(s, platform, channels, team_id)  # their tagged rows still go
            if platform == Platform.TEAMS:
                channels.add(team_id)  # a team's General channel has the team's id
                people: set[str] = set()  # Teams people are per tenant, not per team: they stay
            else:
                people = set((await s.scalars(select(Identity.user_id).where(
                    Identity.platform == platform.value, Identity.team_id == team_id))).all())
            await self._delete(s, report, platform, channels, people, team_id, everything=everything)
        self._drop_caches()
        log.info("uninstall: %s %s removed %d rows (%d channels, %d people)%s", platform.value, report.scope,
                 report.total, report.channels, report.people, " — every row of the platform" if everything else "")
        return report

    async def remove_conversation(self, platform: Platform, channel_id: str) -> RemovalReport:
        """A Teams group chat (or a channel outside a known team) removed the app."""
        report = RemovalReport(platform, f"conversation {channel_id}")
        if channel_id:
            async with self.db.session() as s:
                await self._delete(s, report, platform, {channel_id}, set(), "", everything=False)
            self._drop_caches()
        return report

    async def remove_person(self, platform: Platform, user_id: str) -> RemovalReport:
        """A person removed the app from their personal scope: their 1:1 line, what was queued for them, and
        their person-level rows (journal, preferences, records of having been invited or having answered)."""
        report = RemovalReport(platform, f"person {user_id}")
        if not user_id:
            return report
        async with self.db.session() as s:
            line = await s.scalar(select(Identity.dm_channel).where(
                Identity.platform == platform.value, Identity.user_id == user_id))
            await self._delete(s, report, platform, {line} if line else set(), {user_id}, "", everything=False)
        self._drop_caches()
        return report

    async def scrub(self) -> bool:
        """After an uninstall: no earlier copy of the deleted rows stays in the database files (SQLite: the WAL
        checkpointed and truncated, deleted content zeroed; PostgreSQL: VACUUM). Every table, since an
        uninstall reaches most of them, the cascaded children and the installations included."""
        return await self.db.scrub([t.name for t in every_table().sorted_tables])

    # ---- helpers -----------------------------------------------------------------------------------
    def _drop_caches(self) -> None:
        for repo in self._caches:
            repo.drop_cache()

    @staticmethod
    async def _only_workspace(s: AsyncSession, platform: Platform, team_id: str) -> bool:
        """Whether no row of the platform names another workspace (Slack only: a Teams tenant has many
        teams, and Teams people are tagged with their tenant, not a team)."""
        if platform != Platform.SLACK:
            return False
        installed_elsewhere = await s.scalar(select(SlackInstallationRow.id).where(
            SlackInstallationRow.team_id != team_id).limit(1))  # OAuth: another workspace (or org) installed
        if installed_elsewhere is not None:
            return False
        for table in _tables():
            if "team_id" not in table.c:
                continue
            other = await s.scalar(select(table.c.team_id).where(
                table.c.platform == platform.value, table.c.team_id != "", table.c.team_id != team_id).limit(1))
            if other is not None:
                return False
        return True

    @staticmethod
    async def _channels_of(s: AsyncSession, platform: Platform, team_id: str) -> set[str]:
        channels: set[str] = set()
        for table in _tables():
            if "team_id" in table.c and "channel_id" in table.c:
                channels.update((await s.scalars(select(table.c.channel_id).distinct().where(
                    table.c.platform == platform.value, table.c.team_id == team_id))).all())
        return channels

    @staticmethod
    async def _shared(s: AsyncSession, platform: Platform, channels: set[str], team_id: str) -> set[str]:
        """The channels that rows of another workspace or team also tag (a Slack Connect channel shared by
        two installed workspaces): only the removed one's tagged rows go there; the rest serves the other."""
        shared: set[str] = set()
        for table in _tables():
            if "team_id" in table.c and (column := _channel(table)) is not None:
                shared.update((await s.scalars(select(column).distinct().where(
                    table.c.platform == platform.value, _in(column, channels), table.c.team_id != "",
                    table.c.team_id != team_id))).all())
        return shared

    async def _delete(self, s: AsyncSession, report: RemovalReport, platform: Platform, channels: set[str],
                      people: set[str], team_id: str, *, everything: bool) -> None:
        report.channels, report.people = len(channels), len(people)
        await self._delete_outbox(s, report, platform, channels, people, team_id, everything=everything)
        for table in reversed(_tables()):  # children before parents (CASCADE covers tables without platform)
            where: list[ColumnElement[bool]] = []
            if everything:
                where.append(table.c.platform == platform.value)
            else:
                match: list[ColumnElement[bool]] = []
                if (column := _channel(table)) is not None:
                    match.append(_in(column, channels))
                if "user_id" in table.c:
                    match.append(_in(table.c.user_id, people))
                if "team_id" in table.c and team_id and table.name != Identity.__tablename__:
                    match.append(table.c.team_id == team_id)
                if not match:
                    continue
                where.append(and_(table.c.platform == platform.value, or_(*match)))
            result = await s.execute(delete(table).where(*where))
            report.add(table.name, result.rowcount or 0)  # type: ignore[attr-defined]

    @staticmethod
    async def _delete_outbox(s: AsyncSession, report: RemovalReport, platform: Platform, channels: set[str],
                             people: set[str], team_id: str, *, everything: bool) -> None:
        rows = (await s.execute(select(OutboxRow.id, OutboxRow.target).where(
            OutboxRow.platform == platform.value))).all()
        doomed: list[int] = []
        for row_id, target in rows:
            target = target if isinstance(target, dict) else {}
            kind, ident = target.get("kind"), target.get("id")
            if (everything or (team_id and target.get("team_id") == team_id)
                    or (kind == "channel" and ident in channels) or (kind == "user" and ident in people)):
                doomed.append(row_id)
        for i in range(0, len(doomed), _CHUNK):
            result = await s.execute(delete(OutboxRow).where(OutboxRow.id.in_(doomed[i:i + _CHUNK])))
            report.add(OutboxRow.__tablename__, result.rowcount or 0)  # type: ignore[attr-defined]

