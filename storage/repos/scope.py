"""Scope creep storage: prompts and decisions, the channel lists, and the learned threshold offsets.

Atomicity where it matters:
- `claim_thread` inserts the watcher's prompt with a unique (platform, channel, thread root) key and
  `ON CONFLICT DO NOTHING`, so two replicas seeing the same thread never both reply.
- `decide` records the first decision only (a conditional UPDATE on a still-open prompt) and applies it to
  the lists and the learning in the same transaction; a commitment that left the list meanwhile rolls
  the whole decision back.
- A list's cap (`add_item`'s `max_open`, `decide`'s `room`) is counted and claimed in one transaction that
  holds the list: on PostgreSQL a transaction-scoped advisory lock keyed on (platform, channel, list) taken
  before the count (READ COMMITTED alone lets two replicas both count 49 and both add the 50th); on SQLite
  every transaction begins IMMEDIATE, which already serialises writers.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import case, delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.core.clock import Clock
from handlers.core.ports import ChannelSettings
from handlers.core.types import Place, Platform
from handlers.scope.ports import (
    COMMAND,
    COMMITMENT,
    PARKED,
    REQUEST,
    WATCH,
    Admit,
    ChannelLearning,
    Claimed,
    Closing,
    Counts,
    Decided,
    Decision,
    Item,
    ItemKind,
    ItemStatus,
    Learning,
    Outcome,
    Prompt,
    Source,
    Watching,
)
from storage.db import Database, numbered, rowcount
from storage.models.base import utc_binder, utc_reader
from storage.models.core import ChannelSettingsRow
from storage.models.scope import ScopeChannel, ScopeItem, ScopePrompt
from storage.upsert import insert_for

if TYPE_CHECKING:
    from handlers.meetings.api import MeetingNow
    from storage.repos.meetings import MeetingNowRead

log = logging.getLogger("steadybot.scope")

OPEN = ItemStatus.OPEN
TEXT_MAX = 300


class _ItemGone(Exception):
    """The commitment chosen to drop is no longer on the list: roll the decision back."""


class _ListFull(Exception):
    """The list a decision adds to has no room (`decide`'s `room`): roll the decision back."""


def _list_lock(place: Place, kind: ItemKind) -> int:
    """The pg_advisory_xact_lock key of a channel's list: a stable signed 64-bit hash of (platform, channel,
    list). Two lists sharing a key only wait for each other, never break a cap."""
    key = f"scope-list:{place.platform.value}:{place.channel_id}:{kind.value}".encode()
    return int.from_bytes(hashlib.blake2b(key, digest_size=8).digest(), "big", signed=True)


def _cut(text: str | None, limit: int = TEXT_MAX) -> str:
    return (text or "")[:limit]


def _prompt(row: ScopePrompt) -> Prompt:
    place = Place(Platform(row.platform), row.channel_id, row.team_id, row.thread_id)
    return Prompt(
        id=row.id, place=place, source=Source(row.source), request=row.request, quote=row.quote,
        score=row.score, created_at=row.created_at, outcome=Outcome(row.outcome) if row.outcome else None,
        added=row.added, dropped=row.dropped, extension=row.extension, meeting_title=row.meeting_title, decided_at=row.decided_at,
    )


def _item(row: Any) -> Item:
    return Item(id=row.id, kind=ItemKind(row.kind), text=row.text, created_at=row.created_at, prompt_id=row.prompt_id,
                meeting_id=row.meeting_id, meeting_title=row.meeting_title)


_CLAIM_COLUMNS = ("platform", "channel_id", "team_id", "thread_id", "thread_root", "source", "request", "quote",
                  "score", "false_alarm", "created_at")
_CLAIM = (f"INSERT INTO {ScopePrompt.__tablename__} ({', '.join(_CLAIM_COLUMNS)}) VALUES ({{}}) "
          "ON CONFLICT DO NOTHING RETURNING id")
_CLAIM_SQLITE = _CLAIM.format(", ".join("?" * len(_CLAIM_COLUMNS)))
_CLAIM_POSTGRES = numbered(_CLAIM_SQLITE)


class _ThreadClaim:
    """Insert the watcher's prompt unless its thread has one (the unique platform, channel, thread root);
    the new id, or None. One statement: atomic on its own (`Database.driver`)."""

    __slots__ = ("parameters",)

    def __init__(self, values: dict[str, Any], created_at: Any) -> None:
        self.parameters = [created_at if name == "created_at" else values[name] for name in _CLAIM_COLUMNS]

    def sqlite(self, conn: Any) -> int | None:
        from storage.sqlite_driver import autocommitted

        rows = autocommitted(conn, _CLAIM_SQLITE, self.parameters)
        return int(rows[0][0]) if rows else None

    async def postgres(self, conn: Any) -> int | None:
        new_id = await conn.fetchval(_CLAIM_POSTGRES, *self.parameters)
        return None if new_id is None else int(new_id)


_WATCHING = (f"SELECT s.scope_watch, s.scope_sensitivity, c.threshold_offset, c.dismissals FROM (SELECT 1 AS one) AS o "
             f"LEFT JOIN {ChannelSettingsRow.__tablename__} AS s ON s.platform = ? AND s.channel_id = ? "
             f"LEFT JOIN {ScopeChannel.__tablename__} AS c ON c.platform = ? AND c.channel_id = ?")
_WATCHING_POSTGRES = numbered(_WATCHING)


class _Watching:
    """One read outside a transaction: (watch, sensitivity, offset, dismissals), NULL where nothing is stored."""

    __slots__ = ("platform", "channel_id")

    def __init__(self, platform: str, channel_id: str) -> None:
        self.platform, self.channel_id = platform, channel_id

    def sqlite(self, conn: Any) -> tuple[Any, ...]:
        return tuple(conn.execute(_WATCHING, (self.platform, self.channel_id) * 2).fetchone())

    async def postgres(self, conn: Any) -> tuple[Any, ...]:
        return tuple(await conn.fetchrow(_WATCHING_POSTGRES, self.platform, self.channel_id, self.platform,
                                         self.channel_id))


def _watching(row: tuple[Any, ...]) -> Watching | None:
    """A `_Watching` row as the watcher sees it: None when the channel's settings switched the watch off."""
    defaults = ChannelSettings()
    if not (defaults.scope_watch if row[0] is None else row[0]):
        return None
    return Watching(row[1] or defaults.scope_sensitivity, ChannelLearning(float(row[2] or 0.0), int(row[3] or 0)))


class _WatchedClaim:
    """The scope watcher's one unit: the channel's watch (`_Watching`, outside a transaction), the handler's
    decision on it, the thread's claim (`_ThreadClaim`, its own transaction) and, once the claim got in, the
    meeting now (`MeetingNowRead`, outside a transaction) — one unit of work instead of three in series
    (docs/benchmarks.md#time-to-the-reply-slack). Returns (new id, threshold, meeting) or None.

    Nothing after the claim's commit raises: on SQLite a lock met there would run the whole unit again in
    aiosqlite's thread, whose claim would then find the thread taken and the prompt would never be sent."""

    __slots__ = ("watching", "admit", "claim", "meeting")

    def __init__(self, watching: _Watching, admit: Admit, claim: _ThreadClaim, meeting: MeetingNowRead | None) -> None:
        self.watching, self.admit, self.claim, self.meeting = watching, admit, claim, meeting

    def _threshold(self, row: tuple[Any, ...]) -> float | None:
        watching = _watching(row)
        return None if watching is None else self.admit(watching)

    def sqlite(self, conn: Any) -> tuple[int, float, MeetingNow | None] | None:
        threshold = self._threshold(self.watching.sqlite(conn))
        if threshold is None:
            return None
        new_id = self.claim.sqlite(conn)
        if new_id is None:
            return None
        meeting = None
        if self.meeting is not None:
            try:
                meeting = self.meeting.sqlite(conn)
            except Exception:  # noqa: BLE001 - the prompt goes out without the meeting button
                log.warning("could not read the meeting in progress for a scope prompt", exc_info=True)
        return new_id, threshold, meeting

    async def postgres(self, conn: Any) -> tuple[int, float, MeetingNow | None] | None:
        threshold = self._threshold(await self.watching.postgres(conn))
        if threshold is None:
            return None
        new_id = await self.claim.postgres(conn)
        if new_id is None:
            return None
        meeting = None
        if self.meeting is not None:
            try:
                meeting = await self.meeting.postgres(conn)
            except Exception:  # noqa: BLE001 - the prompt goes out without the meeting button
                log.warning("could not read the meeting in progress for a scope prompt", exc_info=True)
        return new_id, threshold, meeting


class ScopeRepo:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock
        self._bind = utc_binder(db.engine.dialect)  # times as the ORM writes them (storage/models/base.py)
        self._read = utc_reader(db.engine.dialect)  # … and reads them

    @property
    def _insert(self) -> Any:  # the dialect's insert: the same on_conflict_* API, no common type
        return insert_for(self.db.dialect)

    @staticmethod
    def _channel(model: Any, place: Place) -> list[Any]:
        return [model.platform == place.platform.value, model.channel_id == place.channel_id]

    # ---- learning ----------------------------------------------------------------------------------
    async def learning(self, place: Place) -> ChannelLearning:
        async with self.db.read() as s:
            row = (await s.execute(
                select(ScopeChannel.threshold_offset, ScopeChannel.dismissals).where(*self._channel(ScopeChannel, place))
            )).first()
        if row is None:
            return ChannelLearning()
        return ChannelLearning(float(row.threshold_offset or 0.0), int(row.dismissals or 0))

    async def reset_learning(self, place: Place) -> None:
        async with self.db.session() as s:
            await s.execute(update(ScopeChannel).where(*self._channel(ScopeChannel, place))
                            .values(threshold_offset=0.0, dismissals=0, updated_at=self.clock.now()))

    async def _learn_dismissal(self, s: AsyncSession, place: Place, learning: Learning) -> None:
        now = self.clock.now()
        raised = ScopeChannel.threshold_offset + learning.step
        stmt = self._insert(ScopeChannel).values(
            platform=place.platform.value, channel_id=place.channel_id, threshold_offset=min(learning.step, learning.cap),
            dismissals=1, updated_at=now,
        ).on_conflict_do_update(
            index_elements=["platform", "channel_id"],
            set_={"threshold_offset": case((raised > learning.cap, learning.cap), else_=raised),
                  "dismissals": ScopeChannel.dismissals + 1, "updated_at": now},
        )
        await s.execute(stmt)

    async def _learn_confirmation(self, s: AsyncSession, place: Place, learning: Learning) -> None:
        if learning.relax <= 0:
            return
        lowered = ScopeChannel.threshold_offset - learning.relax
        await s.execute(
            update(ScopeChannel).where(*self._channel(ScopeChannel, place), ScopeChannel.threshold_offset > 0)
            .values(threshold_offset=case((lowered < 0, 0.0), else_=lowered), updated_at=self.clock.now())
        )

    # ---- prompts -----------------------------------------------------------------------------------
    def _new_prompt(self, place: Place, request: str, quote: str, **values: Any) -> dict[str, Any]:
        return {
            "platform": place.platform.value, "channel_id": place.channel_id, "team_id": place.team_id,
            "thread_id": place.thread_id, "request": request, "quote": _cut(quote), "created_at": self.clock.now(),
            "false_alarm": False, **values,
        }

    async def claim_thread(self, place: Place, thread_root: str, request: str, quote: str,
                           score: float, source: Source = WATCH) -> Prompt | None:
        """The thread's prompt (the watcher's, or with `source` REQUEST one a person asked for on a message),
        inserted with the thread's unique key (None: the thread had one already). On every scope-creep reply's
        path, so one statement straight on the driver (_ThreadClaim) builds the prompt from what it inserted
        and the id it returned."""
        values, claim = self._thread_claim(place, thread_root, request, quote, score, source)
        new_id = await self.db.driver(claim, small=True)
        return None if new_id is None else self._claimed_prompt(place, values, new_id, score)

    async def release_request(self, place: Place, thread_root: str) -> bool:
        """Give back the thread's claim of a prompt a person asked for on a message (`claim_thread` with
        REQUEST) that nobody decided on: its card could not be posted, so it never was a prompt. False when the
        thread has no such prompt (the watch's own, or one already decided, stays)."""
        async with self.db.session() as s:
            result = await s.execute(delete(ScopePrompt).where(
                *self._channel(ScopePrompt, place), ScopePrompt.thread_root == thread_root,
                ScopePrompt.source == REQUEST.value, ScopePrompt.outcome.is_(None)))
        return rowcount(result) == 1

    def _thread_claim(self, place: Place, thread_root: str, request: str, quote: str,
                      score: float, source: Source = WATCH) -> tuple[dict[str, Any], _ThreadClaim]:
        """A new prompt for this thread and its claim (`claim_thread`, `claim_watched`)."""
        values = self._new_prompt(place.in_thread(thread_root), request, quote, thread_root=thread_root,
                                  source=source.value, score=score)
        return values, _ThreadClaim(values, self._bind(values["created_at"]))

    @staticmethod
    def _claimed_prompt(place: Place, values: dict[str, Any], new_id: int, score: float) -> Prompt:
        return Prompt(id=new_id, place=Place(place.platform, values["channel_id"], values["team_id"],
                                             values["thread_id"]),
                      source=Source(values["source"]), request=values["request"], quote=values["quote"],
                      score=score, created_at=values["created_at"])

    async def claim_watched(self, place: Place, thread_root: str, request: str, quote: str, score: float,
                            admit: Admit, meeting_at: datetime | None) -> Claimed | None:
        """The channel's watch (`_Watching`), `admit`, `claim_thread` and the meeting now in one unit straight on the driver
        (_WatchedClaim): every prompt the watcher opens goes through it."""
        from storage.repos.meetings import MeetingNowRead

        values, claim = self._thread_claim(place, thread_root, request, quote, score)
        meeting = None if meeting_at is None else MeetingNowRead(self._read, place.platform, place.channel_id,
                                                                 self._bind(meeting_at))
        unit = _WatchedClaim(_Watching(place.platform.value, place.channel_id), admit, claim, meeting)
        done = await self.db.driver(unit, small=True)
        if done is None:
            return None
        new_id, threshold, meeting_now = done
        return Claimed(self._claimed_prompt(place, values, new_id, score), threshold, meeting_now)

    async def open_prompt(self, place: Place, request: str, quote: str) -> Prompt:
        """A prompt asked for (`/tradeoff`). Asked in a thread, it claims the thread as the watcher's prompts
        do (one prompt per thread, ever: the watcher then finds it taken), unless the thread has its prompt
        already — then this one is the person's own extra ask and claims nothing."""
        root = place.thread_id[:300] if place.thread_id else None
        async with self.db.session() as s:
            if root is not None and await s.scalar(select(ScopePrompt.id).where(
                    *self._channel(ScopePrompt, place), ScopePrompt.thread_root == root)) is not None:
                root = None
            row = ScopePrompt(**self._new_prompt(place, request, quote, thread_root=root, source=COMMAND,
                                                 score=None))
            try:
                async with s.begin_nested():  # a watcher's claim that got in meanwhile (PostgreSQL)
                    s.add(row)
                    await s.flush()
            except IntegrityError:
                row = ScopePrompt(**self._new_prompt(place, request, quote, thread_root=None, source=COMMAND,
                                                     score=None))
                s.add(row)
                await s.flush()
            return _prompt(row)

    async def prompt(self, prompt_id: int) -> Prompt | None:
        async with self.db.session() as s:
            row = await s.get(ScopePrompt, prompt_id)
            return _prompt(row) if row is not None else None

    async def decide(self, prompt_id: int, place: Place, decision: Decision, learning: Learning,
                     room: int | None = None) -> Decided:
        try:
            async with self.db.session() as s:
                return await self._decide(s, prompt_id, place, decision, learning, room)
        except _ItemGone:
            return Decided("item_gone", await self.prompt(prompt_id))
        except _ListFull:
            return Decided("full", await self.prompt(prompt_id))

    async def _hold_list(self, s: AsyncSession, place: Place, kind: ItemKind) -> None:
        """Hold a channel's list until this transaction ends, before counting it (PostgreSQL; SQLite's
        transactions begin IMMEDIATE, which holds every list already)."""
        if self.db.is_postgres:
            await s.execute(select(func.pg_advisory_xact_lock(_list_lock(place, kind))))

    async def _open_count(self, s: AsyncSession, place: Place, kind: ItemKind) -> int:
        return int(await s.scalar(select(func.count()).select_from(ScopeItem).where(
            *self._channel(ScopeItem, place), ScopeItem.kind == kind, ScopeItem.status == OPEN)) or 0)

    async def _decide(self, s: AsyncSession, prompt_id: int, place: Place, decision: Decision,
                      learning: Learning, room: int | None = None) -> Decided:
        now = self.clock.now()
        kind = (COMMITMENT if decision.outcome in ("drop", "extend") else PARKED if decision.outcome == "park"
                else None)
        if room is not None and kind is not None:
            await self._hold_list(s, place, kind)  # first: the count below is then the one the add is checked on
        row = await s.get(ScopePrompt, prompt_id)
        if row is None or row.platform != place.platform.value or row.channel_id != place.channel_id:
            return Decided("missing")
        false_alarm = decision.outcome == "dismiss" and row.source == WATCH
        claimed = await s.execute(
            update(ScopePrompt).where(ScopePrompt.id == prompt_id, ScopePrompt.outcome.is_(None)).values(
                outcome=decision.outcome, decided_at=now, false_alarm=false_alarm,
                added=(_cut(decision.added) or row.quote) if decision.outcome != "dismiss" else None,
                extension=_cut(decision.extension, 40) or None, meeting_title=_cut(decision.meeting_title) or None,
            ).execution_options(synchronize_session=False)
        )
        if rowcount(claimed) == 0:
            await s.refresh(row)
            return Decided("already", _prompt(row))
        added = _cut(decision.added) or row.quote
        dropped: Item | None = None
        if decision.outcome == "drop":
            dropped = await self._drop(s, place, decision, now)
            await s.execute(update(ScopePrompt).where(ScopePrompt.id == prompt_id)
                            .values(dropped=dropped.text if dropped else _cut(decision.dropped_text))
                            .execution_options(synchronize_session=False))
        if room is not None and kind is not None and await self._open_count(s, place, kind) >= room:
            raise _ListFull  # counted after a drop took its commitment off: dropping a listed one makes room
        if decision.outcome in ("drop", "extend"):
            s.add(ScopeItem(platform=place.platform.value, channel_id=place.channel_id, kind=COMMITMENT, text=added,
                            status=OPEN, prompt_id=prompt_id, created_at=now))
        elif decision.outcome == "park":
            s.add(ScopeItem(platform=place.platform.value, channel_id=place.channel_id, kind=PARKED, text=added,
                            status=OPEN, prompt_id=prompt_id, meeting_id=decision.meeting_id,
                            meeting_title=_cut(decision.meeting_title) or None, created_at=now))
        if false_alarm:
            await self._learn_dismissal(s, place, learning)
        elif row.source == WATCH and decision.outcome != "dismiss":
            await self._learn_confirmation(s, place, learning)
        await s.flush()
        await s.refresh(row)
        return Decided("decided", _prompt(row), dropped)

    async def _drop(self, s: AsyncSession, place: Place, decision: Decision, now: datetime) -> Item | None:
        """Take the dropped commitment off the list: the chosen one (gone → roll back), or the typed text
        when it names an open commitment (otherwise the typed text is only recorded)."""
        item_id = decision.drop_item_id
        if item_id is None:
            wanted = decision.dropped_text.strip().casefold()
            rows = (await s.execute(select(ScopeItem.id, ScopeItem.text).where(
                *self._channel(ScopeItem, place), ScopeItem.kind == COMMITMENT, ScopeItem.status == OPEN,
            ).order_by(ScopeItem.id))).all()
            item_id = next((r.id for r in rows if r.text.strip().casefold() == wanted), None)
            if item_id is None:
                return None
        result = await s.execute(
            update(ScopeItem).where(ScopeItem.id == item_id, *self._channel(ScopeItem, place),
                                    ScopeItem.kind == COMMITMENT, ScopeItem.status == OPEN)
            .values(status=ItemStatus.DROPPED, closed_at=now)
            .returning(ScopeItem.id, ScopeItem.kind, ScopeItem.text, ScopeItem.created_at, ScopeItem.prompt_id,
                       ScopeItem.meeting_id, ScopeItem.meeting_title)
            .execution_options(synchronize_session=False)
        )
        found = result.first()
        if found is None:
            raise _ItemGone
        return _item(found)

    # ---- lists -------------------------------------------------------------------------------------
    async def items(self, place: Place, kind: ItemKind, limit: int = 200) -> list[Item]:
        async with self.db.session() as s:
            rows = (await s.scalars(select(ScopeItem).where(
                *self._channel(ScopeItem, place), ScopeItem.kind == kind, ScopeItem.status == OPEN,
            ).order_by(ScopeItem.id).limit(limit))).all()
            return [_item(r) for r in rows]

    async def add_item(self, place: Place, kind: ItemKind, text: str, max_open: int) -> Item | None:
        async with self.db.session() as s:
            await self._hold_list(s, place, kind)
            if await self._open_count(s, place, kind) >= max_open:
                return None
            row = ScopeItem(platform=place.platform.value, channel_id=place.channel_id, kind=kind, text=_cut(text),
                            status=OPEN, created_at=self.clock.now())
            s.add(row)
            await s.flush()
            return _item(row)

    async def close_item(self, place: Place, kind: ItemKind, item_id: int, closing: Closing) -> Item | None:
        async with self.db.session() as s:
            found = (await s.execute(
                update(ScopeItem).where(ScopeItem.id == item_id, *self._channel(ScopeItem, place),
                                        ScopeItem.kind == kind, ScopeItem.status == OPEN)
                .values(status=closing, closed_at=self.clock.now())
                .returning(ScopeItem.id, ScopeItem.kind, ScopeItem.text, ScopeItem.created_at, ScopeItem.prompt_id,
                           ScopeItem.meeting_id, ScopeItem.meeting_title)
                .execution_options(synchronize_session=False)
            )).first()
        return _item(found) if found is not None else None

    async def parked_for_meeting(self, place: Place, meeting_id: int) -> list[Item]:
        async with self.db.session() as s:
            rows = (await s.scalars(select(ScopeItem).where(
                *self._channel(ScopeItem, place), ScopeItem.kind == PARKED, ScopeItem.status == OPEN,
                ScopeItem.meeting_id == meeting_id,
            ).order_by(ScopeItem.id))).all()
            return [_item(r) for r in rows]

    # ---- the record --------------------------------------------------------------------------------
    async def counts(self, place: Place, since: datetime) -> Counts:
        where = self._channel(ScopePrompt, place)
        async with self.db.session() as s:
            created = (await s.execute(
                select(func.count(), func.count(case((ScopePrompt.source == WATCH, 1))),
                       func.count(case((ScopePrompt.outcome.is_(None), 1))))
                .where(*where, ScopePrompt.created_at >= since)
            )).one()
            decided = (await s.execute(
                select(ScopePrompt.outcome, ScopePrompt.false_alarm, func.count())
                .where(*where, ScopePrompt.decided_at >= since, ScopePrompt.outcome.is_not(None))
                .group_by(ScopePrompt.outcome, ScopePrompt.false_alarm)
            )).all()
        by: dict[str, int] = {}
        false_alarms = 0
        for outcome, false_alarm, n in decided:
            if outcome is None:  # excluded by the query; keeps the type honest
                continue
            by[outcome] = by.get(outcome, 0) + n
            if false_alarm:
                false_alarms += n
        return Counts(
            prompts=int(created[0] or 0), watch_prompts=int(created[1] or 0), open=int(created[2] or 0),
            added=by.get("drop", 0) + by.get("extend", 0), dropped=by.get("drop", 0), extended=by.get("extend", 0),
            parked=by.get("park", 0), dismissed=by.get("dismiss", 0), false_alarms=false_alarms,
        )

    async def prune(self, older_than: timedelta) -> int:
        """Retention: delete prompts created, and closed list items closed, more than `older_than` ago.

        Open commitments and parked ideas stay whatever their age: they are the team's own lists. A thread
        whose prompt was pruned could be prompted again, which after the retention period is harmless.
        """
        cutoff = self.clock.now() - older_than
        async with self.db.session() as s:
            prompts = await s.execute(delete(ScopePrompt).where(ScopePrompt.created_at < cutoff))
            items = await s.execute(delete(ScopeItem).where(ScopeItem.status != OPEN, ScopeItem.closed_at < cutoff))
        return rowcount(prompts) + rowcount(items)
