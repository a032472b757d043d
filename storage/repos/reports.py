"""Read-only queries for the reports feature: the channels where steadybot runs (App Home)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from handlers.core.types import Place, Platform
from storage.db import Database
from storage.models.meetings import MeetingRow
from storage.models.pulse import PulseRound, PulseSchedule


class ReportsRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def channels(self, platform: Platform, team_id: str, limit: int = 20) -> list[Place]:
        """Channels of this workspace/team with a pulse, a pulse schedule or a meeting,
        the most recently active first (by their latest pulse round or meeting)."""
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
                rows = await s.execute(
                    select(model.channel_id, func.max(model.team_id), func.max(model.channel_name), func.max(stamp))
                    .where(model.platform == platform.value, model.team_id.in_(teams))
                    .group_by(model.channel_id))
                for channel_id, team, name, latest in rows:
                    add(channel_id, team or "", name or "", latest)
            meetings = await s.execute(
                select(MeetingRow.channel_id, func.max(MeetingRow.team_id), func.max(MeetingRow.starts_at))
                .where(MeetingRow.platform == platform.value, MeetingRow.team_id.in_(teams))
                .group_by(MeetingRow.channel_id))
            for channel_id, team, latest in meetings:
                add(channel_id, team or "", "", latest)
        ordered = sorted(found.items(), key=lambda kv: (kv[1][2] is not None, kv[1][2] or 0), reverse=True)
        return [Place(platform, channel_id, team or team_id, None, False, name)
                for channel_id, (team, name, _) in ordered[:limit] if not channel_id.startswith("D")]
