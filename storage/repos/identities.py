"""People and channels the bot can reach later, including Teams conversation references."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select

from handlers.core.clock import Clock
from handlers.core.types import Person, Place, Platform
from storage.db import Database
from storage.models.core import Conversation, Identity
from storage.seen import SEEN_FOR
from storage.upsert import insert_for


@dataclass(frozen=True, slots=True)
class DirectLine:
    """How to reach a person 1:1: a Slack DM channel id, or a Teams conversation reference."""

    dm_channel: str | None
    dm_reference: dict[str, Any] | None
    team_id: str


class IdentityRepo:
    """People's rows. `remember` skips the write for a person seen unchanged in the last SEEN_FOR (by the
    injected clock): an interaction costs no statement, and a row deleted elsewhere comes back within it."""

    def __init__(self, db: Database, clock: Clock,
                 on_forget: list[Callable[[Platform, str], None]] | None = None) -> None:
        """`on_forget`: other per-process caches of people's rows, told when a person is forgotten (the store
        passes its own list, which listeners may join before this repository is built)."""
        self.db = db
        self.clock = clock
        # (platform, user id) → (what was written, when): skip writes when nothing changed
        self._seen: dict[tuple[str, str], tuple[tuple[object, ...], datetime]] = {}
        self.on_forget: list[Callable[[Platform, str], None]] = [] if on_forget is None else on_forget

    def _known(self, key: tuple[str, str], fingerprint: tuple[object, ...], now: datetime) -> bool:
        seen = self._seen.get(key)
        return seen is not None and seen[0] == fingerprint and now - seen[1] < SEEN_FOR

    def _insert(self) -> Any:  # the dialect's insert: the same on_conflict_* API, no common type
        return insert_for(self.db.dialect)

    async def remember(self, person: Person, team_id: str = "") -> None:
        """Upsert a person's name, timezone and ids. Cheap when nothing changed (no write).

        No answer time reaches this table: `updated_at` is the time the row was first written and is never
        rewritten by an interaction, an unchanged row is not written at all (not even a new tuple version
        on PostgreSQL), and an empty name never blanks a stored one."""
        key = (person.platform.value, person.id)
        fingerprint = (person.name, person.tz, person.is_bot, person.alt_id, team_id)
        now = self.clock.now()
        if self._known(key, fingerprint, now):
            return
        values: dict[str, Any] = {"is_bot": person.is_bot}
        if person.name:
            values["name"] = person.name[:200]
        if person.tz:
            values["tz"] = person.tz[:64]
        if person.alt_id:
            values["aad_id"] = person.alt_id[:64]
        if team_id:
            values["team_id"] = team_id[:200]
        stmt = self._insert()(Identity).values(platform=key[0], user_id=person.id[:200], name=person.name[:200],
                                               updated_at=now,
                                               **{k: v for k, v in values.items() if k != "name"})
        table = Identity.__table__
        stmt = stmt.on_conflict_do_update(index_elements=["platform", "user_id"], set_=values,
                                          where=_changed(table, values))
        async with self.db.session() as session:
            await session.execute(stmt)
        if len(self._seen) > 50_000:
            self._seen.clear()
        self._seen[key] = (fingerprint, now)

    async def remember_many(self, entries: Sequence[tuple[Person, str]]) -> int:
        """Upsert many people (each with their team id) in one transaction and one executemany: a channel of
        thousands is resolved in one write, not one per member. Unchanged people are skipped.
        A missing timezone, alternative id or team id keeps the stored one, as `remember` does. Returns rows written."""
        now = self.clock.now()
        fresh: dict[tuple[str, str], tuple[dict[str, Any], tuple[object, ...]]] = {}
        fingerprint: tuple[object, ...]
        for person, team_id in entries:
            key = (person.platform.value, person.id[:200])
            fingerprint = (person.name, person.tz, person.is_bot, person.alt_id, team_id)
            if self._known(key, fingerprint, now):
                continue
            fresh[key] = ({"platform": key[0], "user_id": key[1], "name": person.name[:200],
                           "is_bot": person.is_bot, "updated_at": now,
                           "tz": (person.tz or None) and person.tz[:64],
                           "aad_id": (person.alt_id or None) and person.alt_id[:64],
                           "team_id": team_id[:200]}, fingerprint)
        if not fresh:
            return 0
        rows = [row for row, _ in fresh.values()]
        table = Identity.__table__
        stmt = self._insert()(table)
        new = stmt.excluded
        update = {  # updated_at is the first write's; an empty name keeps the stored one
            "name": func.coalesce(func.nullif(new.name, ""), table.c.name), "is_bot": new.is_bot,
            "tz": func.coalesce(new.tz, table.c.tz), "aad_id": func.coalesce(new.aad_id, table.c.aad_id),
            "team_id": func.coalesce(func.nullif(new.team_id, ""), table.c.team_id)}
        stmt = stmt.on_conflict_do_update(index_elements=["platform", "user_id"], set_=update,
                                          where=_changed(table, update))
        async with self.db.session() as session:
            await session.execute(stmt, rows)  # one cached statement, executemany
        if len(self._seen) + len(fresh) > 50_000:
            self._seen.clear()
        for key, (_, fingerprint) in fresh.items():
            self._seen[key] = (fingerprint, now)
        return len(rows)

    def drop_cache(self) -> None:
        """Forget which rows are known to be written (after an uninstall deleted some of them)."""
        self._seen.clear()

    def forgotten(self, platform: Platform, user_id: str) -> None:
        """The person's row was deleted (a forget in this process): their next interaction writes it again
        (and the caches listening in `on_forget`, e.g. the Teams lines known, drop them too)."""
        self._seen.pop((platform.value, user_id), None)
        for listener in self.on_forget:
            listener(platform, user_id)

    async def get(self, platform: Platform, user_id: str) -> Person | None:
        async with self.db.read() as session:
            row = await session.scalar(
                select(Identity).where(Identity.platform == platform.value, Identity.user_id == user_id)
            )
            if row is None:
                return None
            return Person(platform, row.user_id, row.name, row.tz, row.is_bot, alt_id=row.aad_id)

    async def direct_line(self, platform: Platform, user_id: str) -> DirectLine | None:
        async with self.db.read() as session:
            row = await session.scalar(
                select(Identity).where(Identity.platform == platform.value, Identity.user_id == user_id)
            )
            return DirectLine(row.dm_channel, row.dm_reference, row.team_id) if row else None

    async def set_direct_line(self, platform: Platform, user_id: str, *, dm_channel: str | None = None,
                              dm_reference: dict[str, Any] | None = None) -> None:
        values: dict[str, Any] = {}
        if dm_channel is not None:
            values["dm_channel"] = dm_channel[:300]
        if dm_reference is not None:
            values["dm_reference"] = dm_reference
        if not values:
            return
        stmt = self._insert()(Identity).values(platform=platform.value, user_id=user_id[:200], name="",
                                               updated_at=self.clock.now(), **values)
        stmt = stmt.on_conflict_do_update(index_elements=["platform", "user_id"], set_=values)
        async with self.db.session() as session:
            await session.execute(stmt)


def _changed(table: Any, values: dict[str, Any]) -> Any:
    """ON CONFLICT … DO UPDATE … WHERE: only when a value differs, so an unchanged person is not rewritten."""
    return or_(*(table.c[name].is_distinct_from(value) for name, value in values.items()))


class ConversationRepo:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock
        self._seen: dict[tuple[str, str], tuple[object, ...]] = {}

    async def remember(self, place: Place, reference: dict[str, Any] | None = None) -> None:
        key = (place.platform.value, place.channel_id)
        fingerprint = (place.team_id, place.name, repr(sorted((reference or {}).items())))
        if self._seen.get(key) == fingerprint:
            return
        values: dict[str, Any] = {"updated_at": self.clock.now()}
        if place.team_id:
            values["team_id"] = place.team_id[:200]
        if place.name:
            values["name"] = place.name[:200]
        if reference is not None:
            values["reference"] = reference
        insert = insert_for(self.db.dialect)
        stmt = insert(Conversation).values(platform=key[0], channel_id=place.channel_id[:300], **values)
        stmt = stmt.on_conflict_do_update(index_elements=["platform", "channel_id"], set_=values)
        async with self.db.session() as session:
            await session.execute(stmt)
        if len(self._seen) > 50_000:
            self._seen.clear()
        self._seen[key] = fingerprint

    def drop_cache(self) -> None:
        """Forget which rows are known to be written (after an uninstall deleted some of them)."""
        self._seen.clear()

    async def reference(self, platform: Platform, channel_id: str) -> dict[str, Any] | None:
        async with self.db.session() as session:
            return await session.scalar(
                select(Conversation.reference).where(
                    Conversation.platform == platform.value, Conversation.channel_id == channel_id
                )
            )

    async def place(self, platform: Platform, channel_id: str) -> Place | None:
        async with self.db.session() as session:
            row = await session.scalar(
                select(Conversation).where(
                    Conversation.platform == platform.value, Conversation.channel_id == channel_id
                )
            )
            return Place(platform, row.channel_id, row.team_id, None, False, row.name) if row else None
