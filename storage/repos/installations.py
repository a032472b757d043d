"""Slack installations and OAuth states in the bot's own database (SQLite and PostgreSQL alike).

The repository stores what the Slack adapter hands it — ids for lookups and a sealed (encrypted) blob —
and never sees a token in clear (bot/slack/oauth.py seals and opens them). Every replica reads the same
rows: a workspace installed through one replica is served by all of them, and an OAuth state issued by
one is consumed (once) by whichever replica receives Slack's redirect.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, delete, or_, select, update

from handlers.core.clock import Clock
from storage.db import Database, rowcount
from storage.models.installations import SlackInstallationRow, SlackOAuthStateRow, SlackTeamRow
from storage.upsert import insert_for


@dataclass(frozen=True, slots=True)
class StoredInstallation:
    enterprise_id: str
    team_id: str
    user_id: str
    is_enterprise_install: bool
    sealed: bytes
    has_bot: bool = True  # False once the bot token was revoked (the sealed data still holds the old one)


class InstallationRepo:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    def _insert(self):  # type: ignore[no-untyped-def]
        return insert_for(self.db.dialect)

    async def save(self, *, enterprise_id: str, team_id: str, user_id: str, is_enterprise_install: bool,
                   has_bot: bool, sealed: bytes, installed_at: datetime) -> None:
        """Store the installation under its installer and as the workspace's (or org's) latest."""
        table = SlackInstallationRow.__table__
        async with self.db.session() as session:
            for who in dict.fromkeys((user_id, "")):
                values = {"enterprise_id": enterprise_id, "team_id": team_id, "user_id": who,
                          "is_enterprise_install": is_enterprise_install, "has_bot": has_bot, "sealed": sealed,
                          "installed_at": installed_at}
                stmt = self._insert()(table).values(**values)
                changes = {"is_enterprise_install": is_enterprise_install, "sealed": sealed,
                           "installed_at": installed_at, "has_bot": has_bot}
                if who == "" and not has_bot:  # a user-only reinstall keeps the workspace's bot
                    changes = {"installed_at": installed_at}
                await session.execute(stmt.on_conflict_do_update(
                    index_elements=["enterprise_id", "team_id", "user_id"], set_=changes))

    async def find(self, *, enterprise_id: str, team_id: str, user_id: str = "",
                   bot_only: bool = False) -> StoredInstallation | None:
        t = SlackInstallationRow
        query = select(t).where(t.enterprise_id == enterprise_id, t.team_id == team_id, t.user_id == user_id)
        if bot_only:
            query = query.where(t.has_bot.is_(True))
        async with self.db.session() as session:
            row = (await session.execute(query)).scalars().first()
            return _stored(row) if row else None

    async def find_for_team(self, team_id: str) -> StoredInstallation | None:
        """The installation whose bot serves a workspace: the workspace's own, else its organisation's
        org-wide installation (the organisation learned from the workspace's requests)."""
        t = SlackInstallationRow
        async with self.db.session() as session:
            row = (await session.execute(select(t).where(t.team_id == team_id, t.user_id == "", t.has_bot.is_(True))
                                         .order_by(t.installed_at.desc()))).scalars().first()
            if row is None:
                org = select(SlackTeamRow.enterprise_id).where(SlackTeamRow.team_id == team_id).scalar_subquery()
                row = (await session.execute(select(t).where(
                    t.enterprise_id == org, t.team_id == "", t.user_id == "", t.has_bot.is_(True),
                    t.is_enterprise_install.is_(True)))).scalars().first()
            return _stored(row) if row else None

    async def serving(self, *, enterprise_id: str, team_id: str) -> list[StoredInstallation]:
        """Every installation row (each installer's and the latest) of a workspace — its own, under any
        organisation, and its organisation's org-wide one (`enterprise_id`, else the organisation its requests
        named) — or, with `team_id` "", of an organisation: its org-wide one only (one workspace installing the
        app on its own says nothing about the organisation's installation)."""
        t = SlackInstallationRow
        async with self.db.session() as session:
            if not team_id:
                if not enterprise_id:
                    return []
                query = select(t).where(t.enterprise_id == enterprise_id, t.team_id == "")
            else:
                org = enterprise_id or await session.scalar(
                    select(SlackTeamRow.enterprise_id).where(SlackTeamRow.team_id == team_id)) or ""
                mine = t.team_id == team_id
                query = select(t).where(or_(mine, and_(t.enterprise_id == org, t.team_id == "")) if org else mine)
            return [_stored(row) for row in (await session.execute(query)).scalars().all()]

    async def delete(self, *, enterprise_id: str, team_id: str, user_id: str | None = None) -> int:
        """Delete a workspace's (or org's) installations; with `user_id`, only that installer's."""
        t = SlackInstallationRow
        condition = and_(t.enterprise_id == enterprise_id, t.team_id == team_id)
        if user_id is not None:
            condition = and_(condition, t.user_id == user_id)
        async with self.db.session() as session:
            result = await session.execute(delete(t).where(condition))
        return rowcount(result)

    async def drop_bot(self, *, enterprise_id: str, team_id: str) -> int:
        """The bot token was revoked (tokens_revoked): the rows stay for their user tokens, without a bot."""
        t = SlackInstallationRow
        async with self.db.session() as session:
            result = await session.execute(update(t).where(t.enterprise_id == enterprise_id, t.team_id == team_id)
                                           .values(has_bot=False))
        return rowcount(result)

    async def organisation_teams(self, enterprise_id: str, *, served_by_org: bool = False) -> list[str]:
        """The workspaces of an Enterprise Grid organisation: those its requests named (`remember_team`) and
        those installed on their own within it — never one installed under another organisation or none
        (a workspace belongs to one organisation). `served_by_org`: only those the organisation's installation
        serves (no bot installed in the workspace itself). Nothing for an organisation never seen."""
        if not enterprise_id:
            return []
        t = SlackInstallationRow
        async with self.db.session() as session:
            teams = set((await session.scalars(select(SlackTeamRow.team_id).where(
                SlackTeamRow.enterprise_id == enterprise_id))).all())
            teams |= set((await session.scalars(select(t.team_id).where(
                t.enterprise_id == enterprise_id, t.team_id != ""))).all())
            if not teams:
                return []
            teams -= set((await session.scalars(select(t.team_id).where(
                t.team_id.in_(sorted(teams)), t.enterprise_id != enterprise_id))).all())
            if served_by_org and teams:
                teams -= set((await session.scalars(select(t.team_id).where(
                    t.enterprise_id == enterprise_id, t.team_id.in_(sorted(teams)), t.user_id == "",
                    t.has_bot.is_(True)))).all())
        return sorted(teams)

    async def forget_teams(self, enterprise_id: str, team_ids: list[str]) -> int:
        """The workspaces left the organisation's installation: its token no longer serves them."""
        if not enterprise_id or not team_ids:
            return 0
        async with self.db.session() as session:
            result = await session.execute(delete(SlackTeamRow).where(
                SlackTeamRow.enterprise_id == enterprise_id, SlackTeamRow.team_id.in_(sorted(set(team_ids)))))
        return rowcount(result)

    async def remember_team(self, team_id: str, enterprise_id: str) -> None:
        stmt = self._insert()(SlackTeamRow.__table__).values(team_id=team_id[:32], enterprise_id=enterprise_id[:32])
        async with self.db.session() as session:
            await session.execute(stmt.on_conflict_do_update(index_elements=["team_id"],
                                                             set_={"enterprise_id": enterprise_id[:32]}))

    # ---- OAuth states -----------------------------------------------------------------------------
    async def issue_state(self, state: str, expires_at: datetime) -> None:
        async with self.db.session() as session:
            await session.execute(delete(SlackOAuthStateRow).where(SlackOAuthStateRow.expires_at < self.clock.now()))
            session.add(SlackOAuthStateRow(state=state, expires_at=expires_at))

    async def consume_state(self, state: str) -> bool:
        """True once for a state that was issued and has not expired; it is gone afterwards."""
        t = SlackOAuthStateRow
        async with self.db.session() as session:
            result = await session.execute(delete(t).where(t.state == state[:200], t.expires_at >= self.clock.now()))
        return rowcount(result) == 1


def _stored(row: SlackInstallationRow) -> StoredInstallation:
    return StoredInstallation(row.enterprise_id, row.team_id, row.user_id, row.is_enterprise_install,
                              bytes(row.sealed), row.has_bot)

