"""Read-only queries for the reports feature: the channels where steadybot runs (App Home).

Which channels a person's home considers (`channels`): asked from a workspace or a team (Slack always: the
App Home carries the workspace; a Teams channel), that workspace's or team's channels. Asked from a Teams
1:1 chat, which belongs to no team, the channels of every team of the person's tenant: a Teams person
belongs to their tenant, not to one team (`Inbound.home`: their identity's `team_id` is the tenant), and a
channel's tenant is in its conversation reference (`conversation.tenantId`, bot/teams/references.py). The
home then keeps only the channels the person is a member of now (handlers/reports/home.py)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from handlers.core.types import Place, Platform
from storage.db import Database
from storage.models.core import Conversation, Identity
from storage.models.meetings import MeetingRow
from storage.models.pulse import PulseRound, PulseSchedule


class ReportsRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def channels(self, platform: Platform, team_id: str, limit: int = 20, user_id: str = "") -> list[Place]:
        """Channels of this workspace/team with a pulse, a pulse schedule or a meeting,
        the most recently active first (by their latest pulse round or meeting). On Teams without a team
        (asked from the 1:1 chat of `user_id`): those of every team in the person's tenant."""
        across = platform == Platform.TEAMS and not team_id
        tenant = await self._tenant(platform, user_id) if across else ""
        found: dict[str, tuple[str, str, Any]] = {}  # channel id → (team id, name, latest activity)

        def add(channel_id: str, team: str, name: str, latest: Any) -> None:
            old = found.get(channel_id)
            if old is None:
                found[channel_id] = (team, name, latest)
                return
            newest = max((x for x in (old[2], latest) if x is not None), default=None)
            found[channel_id] = (old[0] or team, old[1] or name, newest)

        teams = (team_id, "") if team_id else ("",)
        async with self.db.session() as s:
            for model, stamp in ((PulseRound, PulseRound.opened_at), (PulseSchedule, PulseSchedule.created_at)):
                query = (select(model.channel_id, func.max(model.team_id), func.max(model.channel_name),
                                func.max(stamp)).where(model.platform == platform.value))
                if not across:
                    query = query.where(model.team_id.in_(teams))
                for channel_id, team, name, latest in await s.execute(query.group_by(model.channel_id)):
                    add(channel_id, team or "", name or "", latest)
            met = (select(MeetingRow.channel_id, func.max(MeetingRow.team_id), func.max(MeetingRow.starts_at))
                   .where(MeetingRow.platform == platform.value))
            if not across:
                met = met.where(MeetingRow.team_id.in_(teams))
            for channel_id, team, latest in await s.execute(met.group_by(MeetingRow.channel_id)):
                add(channel_id, team or "", "", latest)
            if tenant:
                elsewhere = await self._other_tenants(s, platform, list(found), tenant)
                found = {k: v for k, v in found.items() if k not in elsewhere}
        ordered = sorted(found.items(), key=lambda kv: (kv[1][2] is not None, kv[1][2] or 0), reverse=True)
        mine = [(channel_id, team, name) for channel_id, (team, name, _) in ordered if not channel_id.startswith("D")]
        return [Place(platform, channel_id, team or team_id, None, False, name)
                for channel_id, team, name in mine[:limit]]

    async def _tenant(self, platform: Platform, user_id: str) -> str:
        """The Teams person's tenant (their identity's team id, `Inbound.home`), or "" if unknown."""
        if not user_id:
            return ""
        async with self.db.read() as s:
            return str(await s.scalar(select(Identity.team_id).where(
                Identity.platform == platform.value, Identity.user_id == user_id)) or "")

    @staticmethod
    async def _other_tenants(s: Any, platform: Platform, channel_ids: list[str], tenant: str) -> set[str]:
        """Of these channels, those whose conversation reference names another tenant (one without a
        reference or a tenant stays: the membership check decides)."""
        other: set[str] = set()
        for start in range(0, len(channel_ids), 500):
            rows = await s.execute(select(Conversation.channel_id, Conversation.reference).where(
                Conversation.platform == platform.value, Conversation.channel_id.in_(channel_ids[start:start + 500])))
            for channel_id, reference in rows:
                conversation = (reference or {}).get("conversation") if isinstance(reference, dict) else None
                named = conversation.get("tenantId") if isinstance(conversation, dict) else None
                if isinstance(named, str) and named and named != tenant:
                    other.add(channel_id)
        return other
