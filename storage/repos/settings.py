"""Per-channel settings; a channel without a row has the defaults."""

from __future__ import annotations

from datetime import time

from sqlalchemy import select

from handlers.core.clock import Clock
from handlers.core.ports import ChannelSettings
from handlers.core.types import Person, Place
from storage.db import Database
from storage.models.core import ChannelSettingsRow
from storage.upsert import insert_for


def _time(text: str, default: time) -> time:
    try:
        hour, minute = (int(x) for x in text.split(":"))
        return time(hour, minute)
    except (ValueError, AttributeError):
        return default


class SettingsRepo:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    async def get(self, place: Place) -> ChannelSettings:
        async with self.db.read() as session:
            row = await session.scalar(
                select(ChannelSettingsRow).where(
                    ChannelSettingsRow.platform == place.platform.value,
                    ChannelSettingsRow.channel_id == place.channel_id,
                )
            )
            if row is None:
                return ChannelSettings()
            defaults = ChannelSettings()
            return ChannelSettings(
                scope_watch=row.scope_watch,
                scope_sensitivity=row.scope_sensitivity,
                agenda_enforcement=row.agenda_enforcement,
                quiet_start=_time(row.quiet_start, defaults.quiet_start),
                quiet_end=_time(row.quiet_end, defaults.quiet_end),
                min_respondents=max(row.min_respondents, ChannelSettings.MIN_RESPONDENTS_FLOOR),
                extra=dict(row.extra or {}),
            )

    async def put(self, place: Place, settings: ChannelSettings, changed_by: Person) -> None:
        values = {
            "scope_watch": settings.scope_watch,
            "scope_sensitivity": settings.scope_sensitivity,
            "agenda_enforcement": settings.agenda_enforcement,
            "quiet_start": f"{settings.quiet_start:%H:%M}",
            "quiet_end": f"{settings.quiet_end:%H:%M}",
            "min_respondents": max(settings.min_respondents, ChannelSettings.MIN_RESPONDENTS_FLOOR),
            "extra": dict(settings.extra),
            "updated_by": changed_by.id[:200],
            "updated_at": self.clock.now(),
        }
        insert = insert_for(self.db.dialect)
        stmt = insert(ChannelSettingsRow).values(platform=place.platform.value, channel_id=place.channel_id, **values)
        stmt = stmt.on_conflict_do_update(index_elements=["platform", "channel_id"], set_=values)
        async with self.db.session() as session:
            await session.execute(stmt)
