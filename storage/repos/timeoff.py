"""Time off (`/pulse snooze`): one row per person, its end in UTC; a passed end is the same as none."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, select

from handlers.core.clock import Clock
from handlers.core.types import Platform
from storage.db import Database
from storage.models.timeoff import TimeOffRow
from storage.upsert import insert_for


class TimeOffRepo:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    async def snooze(self, platform: Platform, user_id: str, until: datetime) -> None:
        insert = insert_for(self.db.dialect)
        stmt = insert(TimeOffRow).values(platform=platform.value, user_id=user_id[:200], until=until,
                                         created_at=self.clock.now())
        stmt = stmt.on_conflict_do_update(index_elements=["platform", "user_id"], set_={"until": until})
        async with self.db.session() as s:
            await s.execute(stmt)

    async def resume(self, platform: Platform, user_id: str) -> bool:
        async with self.db.session() as s:
            result = await s.execute(delete(TimeOffRow).where(TimeOffRow.platform == platform.value,
                                                              TimeOffRow.user_id == user_id[:200]))
            return bool(result.rowcount)  # type: ignore[attr-defined]

    async def until(self, platform: Platform, user_id: str, now: datetime) -> datetime | None:
        found = await self.away(platform, [user_id], now)
        return found.get(user_id)

    async def away(self, platform: Platform, user_ids: Sequence[str], now: datetime) -> dict[str, datetime]:
        """Of these people, who has snoozed past `now`, and until when."""
        if not user_ids:
            return {}
        async with self.db.session() as s:
            rows = (await s.execute(select(TimeOffRow.user_id, TimeOffRow.until).where(
                TimeOffRow.platform == platform.value, TimeOffRow.user_id.in_([u[:200] for u in user_ids]),
                TimeOffRow.until > now))).all()
            return {user_id: until for user_id, until in rows}

    async def forget(self, platform: Platform, user_id: str) -> int:
        """Forget a person: their time off goes, then the table is scrubbed. Returns the rows deleted."""
        gone = int(await self.resume(platform, user_id))
        if gone:
            await self.db.scrub((TimeOffRow.__tablename__,))
        return gone
