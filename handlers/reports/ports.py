"""What the reports feature needs from storage beyond the other features' own read APIs (implemented by
storage/repos/reports.py)."""

from __future__ import annotations

from typing import Protocol

from handlers.core.types import Place, Platform


class ReportsStore(Protocol):
    async def channels(self, platform: Platform, team_id: str, limit: int = 20, user_id: str = "") -> list[Place]:
        """Channels of this workspace/team where steadybot runs (a pulse, a schedule or a meeting), the most
        recently active first. Teams asked without a team (the 1:1 chat of `user_id`): the channels of every
        team in that person's tenant."""
        ...
