"""Pulse storage: schedules, rounds, participation, anonymous answers, preferences and the private journal.

Aggregates are computed in SQL (one GROUP BY over the covering index of `pulse_answers`), never by loading
answer rows into Python.

An answer is stored as an encrypted, padded box in `pulse_pending` until its round is *sealed* (storage/crypto.py;
the key never enters the database). The seal, once per closed round and in one transaction, opens the boxes,
shuffles, writes the anonymous `pulse_answers`/`pulse_comments` rows and the round's totals, deletes the boxes
and rewrites the round's participation rows in random order; then the bot scrubs (`Database.scrub`: SQLite WAL
checkpoint with truncate under secure_delete, PostgreSQL VACUUM), so no earlier page image, WAL frame or dead
tuple lines the anonymous rows up with the order people answered in. A forget scrubs the same way.
"""

from __future__ import annotations

import logging
import random
import uuid
from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import case, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from handlers.core.clock import Clock
from handlers.core.recurrence import Recurrence
from handlers.core.types import MessageRef, Person, Place, Platform, Target
from handlers.pulse.model import (
    DIMENSIONS,
    LEVELS,
    SAME_DAYS,
    Answer,
    ForgetReport,
    JournalEntry,
    Outcome,
    Prefs,
    Recorded,
    Round,
    RoundStats,
    Schedule,
    ShownDecision,
)
from storage.bulk import insert_new, table_of
from storage.crypto import Vault, ephemeral_vault
from storage.db import Database, rowcount
from storage.forgetting import (
    TYPED_TABLES,
    delete_installer_rows,
    redact_mentions,
    redact_typed,
    stop_digests_to,
)
from storage.models.core import ChannelSettingsRow, Identity, OutboxRow
from storage.models.pulse import (
    TOTAL_COLUMNS,
    PulseAnswer,
    PulseComment,
    PulseJournalEntry,
    PulseJournalMessage,
    PulseParticipation,
    PulsePending,
    PulsePerson,
    PulseRound,
    PulseRoundShown,
    PulseSchedule,
    pulse_round_totals,
)
from storage.repos.places import inactive_place
from storage.upsert import insert_for

log = logging.getLogger("steadybot.pulse")
_CHUNK = 500
_PREF_FIELDS = frozenset({"opted_out", "journal", "journal_asked", "reflect", "tz", "reflect_queued"})
_OCCURRENCE = "%Y-%m-%dT%H:%M"
#: What a seal writes or deletes, and what a forget deletes from: scrubbed afterwards (VACUUM on PostgreSQL).
SEAL_TABLES = ("pulse_pending", "pulse_answers", "pulse_comments", "pulse_participation", "pulse_round_totals",
               "pulse_rounds", "pulse_people", "pulse_journal")
FORGET_TABLES = ("identities", "pulse_people", "pulse_journal", "pulse_journal_messages", "pulse_participation",
                 "pulse_rounds", "outbox", "pulse_schedules", "channel_settings", "slack_installations")
#: What `forget` reports for the team's text that named the person (storage/forgetting.py, `redact_typed`).
TYPED_TEXT = "meeting, agenda or trade-off text"
_SHOWN_LOCK = 0x5374_6164_7953_6877  # pg_advisory_xact_lock key: "first shown" decisions, one at a time


def _occurrence(text: str | None) -> datetime | None:
    return datetime.strptime(text, _OCCURRENCE) if text else None


def _schedule(row: PulseSchedule) -> Schedule:
    return Schedule(row.id, Platform(row.platform), row.channel_id, row.team_id, row.channel_name, row.phrase,
                    Recurrence.from_dict(row.recurrence), datetime.strptime(row.next_occurrence, _OCCURRENCE),
                    row.window_hours, row.active, row.created_by or "")


def _level_sums() -> list[Any]:
    """How many answers chose each level, per dimension (in TOTAL_COLUMNS order), computed in SQL."""
    return [func.sum(case((getattr(PulseAnswer, d) == level, 1), else_=0)) for d in DIMENSIONS for level in LEVELS]


def _round(row: Any) -> Round:  # a mapped PulseRound or a row of its table's columns
    return Round(row.id, row.key, Platform(row.platform), row.channel_id, row.team_id, row.channel_name,
                 row.schedule_id, _occurrence(row.occurrence), row.opened_at, row.first_due_at, row.closes_at,
                 row.window_hours, row.invited, row.sealed, row.min_respondents, row.sender_id or None,
                 row.sender_invited)


def _prefs(row: PulsePerson | None) -> Prefs:
    if row is None:
        return Prefs()
    return Prefs(row.opted_out, row.journal, row.journal_asked, row.reflect, row.tz, row.reflect_queued)


def _journal_body(row: PulseJournalEntry) -> dict[str, Any]:
    """The content of a journal entry written before encryption (revision 0120), as a box would hold it."""
    scores = [getattr(row, d) for d in DIMENSIONS]
    return {"s": scores if row.kind == "pulse" and None not in scores else None, "c": row.comment,
            "g": row.gave, "d": row.drained}


def _scores(row: Any) -> tuple[int, ...]:
    return tuple(int(getattr(row, d)) for d in DIMENSIONS)


class PulseRepo:
    def __init__(self, db: Database, clock: Clock, rng: random.Random | None = None, *,
                 vault: Vault | None = None, on_forget: Callable[[Platform, str], None] | None = None) -> None:
        self.db = db
        self.clock = clock
        self.on_forget = on_forget  # after `forget` deleted the identity: the identity cache drops its entry
        self.rng = rng or random.SystemRandom()  # shuffles sealed rows: must not be predictable
        self.vault = vault or ephemeral_vault()  # the bot passes the vault derived from its secret

    # ---- journals from before encryption (a start checks the key first: storage/startcheck.py) ---------
    async def encrypt_old_journals(self) -> int:
        """Journal entries written before encryption (revision 0120) get their box now, and their plain-text
        columns are emptied; then the database is scrubbed. Returns how many."""
        done = 0
        while True:
            async with self.db.session() as s:
                rows = (await s.scalars(select(PulseJournalEntry).where(PulseJournalEntry.box.is_(None))
                                        .limit(_CHUNK))).all()
                for row in rows:
                    row.box = self.vault.seal_journal(row.platform, row.user_id, _journal_body(row))
                    row.exhaustion = row.cynicism = row.efficacy = row.workload = row.burnout = None
                    row.comment = row.gave = row.drained = None
            done += len(rows)
            if len(rows) < _CHUNK:
                break
        if done:
            await self.db.scrub(["pulse_journal"])
        return done

    def _insert(self) -> Any:  # the dialect's insert: the same on_conflict_* API, no common type
        return insert_for(self.db.dialect)

    # ---- schedules ---------------------------------------------------------------------------------
    async def set_schedule(self, place: Place, phrase: str, recurrence: Recurrence, first: datetime,
                           window_hours: int, created_by: str) -> Schedule:
        async with self.db.session() as s:
            await s.execute(update(PulseSchedule).where(*self._channel(PulseSchedule, place),
                                                        PulseSchedule.active.is_(True)).values(active=False))
            row = PulseSchedule(platform=place.platform.value, channel_id=place.channel_id[:300],
                                team_id=place.team_id[:200], channel_name=place.name[:200], phrase=phrase[:200],
                                recurrence=recurrence.to_dict(), next_occurrence=first.strftime(_OCCURRENCE),
                                window_hours=window_hours, active=True, created_by=created_by[:200],
                                created_at=self.clock.now())
            s.add(row)
            await s.flush()
            return _schedule(row)

    async def stop_schedule(self, place: Place) -> Schedule | None:
        async with self.db.session() as s:
            row = await s.scalar(select(PulseSchedule).where(*self._channel(PulseSchedule, place),
                                                             PulseSchedule.active.is_(True)))
            if row is None:
                return None
            await s.execute(update(PulseSchedule).where(*self._channel(PulseSchedule, place),
                                                        PulseSchedule.active.is_(True)).values(active=False))
            row.active = False
            return _schedule(row)

    async def active_schedule(self, place: Place) -> Schedule | None:
        async with self.db.session() as s:
            row = await s.scalar(select(PulseSchedule).where(*self._channel(PulseSchedule, place),
                                                             PulseSchedule.active.is_(True))
                                 .order_by(PulseSchedule.id.desc()).limit(1))
            return _schedule(row) if row else None

    async def active_schedules(self) -> list[Schedule]:
        async with self.db.session() as s:
            rows = (await s.scalars(select(PulseSchedule).where(
                PulseSchedule.active.is_(True),
                ~inactive_place(PulseSchedule.platform, PulseSchedule.team_id, PulseSchedule.channel_id),
            ).order_by(PulseSchedule.id))).all()
            return [_schedule(r) for r in rows]

    async def schedule(self, schedule_id: int) -> Schedule | None:
        async with self.db.session() as s:
            row = await s.get(PulseSchedule, schedule_id)
            return _schedule(row) if row else None

    async def advance_schedule(self, schedule_id: int, expected: datetime, following: datetime) -> bool:
        async with self.db.session() as s:
            result = await s.execute(
                update(PulseSchedule)
                .where(PulseSchedule.id == schedule_id, PulseSchedule.active.is_(True),
                       PulseSchedule.next_occurrence == expected.strftime(_OCCURRENCE))
                .values(next_occurrence=following.strftime(_OCCURRENCE))
            )
            return rowcount(result) == 1

    # ---- rounds ------------------------------------------------------------------------------------
    async def create_round(self, key: str, place: Place, window_hours: int, *, schedule_id: int | None = None,
                           occurrence: datetime | None = None) -> Round:
        now = self.clock.now()
        stmt = self._insert()(PulseRound).values(
            key=key[:200], platform=place.platform.value, channel_id=place.channel_id[:300],
            team_id=place.team_id[:200], channel_name=place.name[:200], schedule_id=schedule_id,
            occurrence=occurrence.strftime(_OCCURRENCE) if occurrence else None, opened_at=now,
            first_due_at=None, closes_at=now + timedelta(hours=window_hours), window_hours=window_hours,
            invited=None, sealed=False,
        ).on_conflict_do_nothing(index_elements=["key"])
        async with self.db.session() as s:
            await s.execute(stmt)
            row = await s.scalar(select(PulseRound).where(PulseRound.key == key[:200]))
            assert row is not None
            return _round(row)

    async def round(self, round_id: int) -> Round | None:
        async with self.db.session() as s:
            row = await s.get(PulseRound, round_id)
            return _round(row) if row else None

    async def rounds_to_invite(self) -> list[Round]:
        async with self.db.session() as s:
            rows = (await s.scalars(select(PulseRound).where(PulseRound.invited.is_(None))
                                    .order_by(PulseRound.id).limit(100))).all()
            return [_round(r) for r in rows]

    async def add_invitations(self, round_id: int, people: Sequence[tuple[Platform, str]]) -> None:
        rows = [{"round_id": round_id, "platform": p.value, "user_id": u[:200], "answered": False}
                for p, u in dict.fromkeys(people)]
        persons = [{"platform": r["platform"], "user_id": r["user_id"], "opted_out": False, "journal": False,
                    "journal_asked": False, "reflect": False, "tz": None, "reflect_queued": None} for r in rows]
        async with self.db.session() as s:
            await insert_new(s, table_of(PulseParticipation), rows, ["round_id", "platform", "user_id"])
            # Each invited person's own row exists from the invitation on, never first written by an answer.
            await insert_new(s, table_of(PulsePerson), persons, ["platform", "user_id"])

    async def finish_invitations(self, round_id: int, first_due: datetime | None, closes_at: datetime) -> Round:
        async with self.db.session() as s:
            count = await s.scalar(select(func.count()).select_from(PulseParticipation)
                                   .where(PulseParticipation.round_id == round_id))
            row = await s.get(PulseRound, round_id, with_for_update=True)
            assert row is not None
            row.invited = int(count or 0)
            row.first_due_at = first_due
            row.closes_at = closes_at
            if first_due is not None and row.invited:
                # A channel has one open round at a time: an older one closes when this one starts.
                await s.execute(
                    update(PulseRound)
                    .where(PulseRound.platform == row.platform, PulseRound.channel_id == row.channel_id,
                           PulseRound.id < round_id, PulseRound.sealed.is_(False), PulseRound.closes_at > first_due)
                    .values(closes_at=first_due)
                )
            await s.flush()
            return _round(row)

    async def drop_round(self, round_id: int) -> None:
        async with self.db.session() as s:
            await s.execute(delete(PulseParticipation).where(PulseParticipation.round_id == round_id))
            await s.execute(delete(PulseRound).where(PulseRound.id == round_id))

    async def open_round(self, place: Place) -> Round | None:
        now = self.clock.now()
        async with self.db.session() as s:
            row = await s.scalar(
                select(PulseRound)
                .where(*self._channel(PulseRound, place), PulseRound.sealed.is_(False), PulseRound.closes_at > now,
                       (PulseRound.invited > 0) | PulseRound.invited.is_(None))
                .order_by(PulseRound.opened_at.desc(), PulseRound.id.desc()).limit(1)
            )
            return _round(row) if row else None

    async def unstarted_rounds(self, schedule_id: int) -> list[Round]:
        now = self.clock.now()
        async with self.db.session() as s:
            rows = (await s.scalars(
                select(PulseRound).where(
                    PulseRound.schedule_id == schedule_id, PulseRound.sealed.is_(False),
                    PulseRound.invited.is_(None) | PulseRound.first_due_at.is_(None) | (PulseRound.first_due_at > now),
                )
            )).all()
            return [_round(r) for r in rows]

    async def close_round(self, round_id: int) -> None:
        now = self.clock.now()
        async with self.db.session() as s:
            await s.execute(update(PulseRound).where(PulseRound.id == round_id, PulseRound.sealed.is_(False),
                                                     PulseRound.closes_at > now).values(closes_at=now))
        await self.seal(round_id)

    async def rounds_to_seal(self) -> list[int]:
        now = self.clock.now()
        async with self.db.session() as s:
            return list((await s.scalars(
                select(PulseRound.id).where(PulseRound.sealed.is_(False), PulseRound.closes_at <= now,
                                            PulseRound.invited.is_not(None)).order_by(PulseRound.id).limit(100)
            )).all())

    async def seal(self, round_id: int) -> bool:
        """Once per closed round, by whichever replica gets there first."""
        now = self.clock.now()
        async with self.db.session() as s:
            claimed = await s.execute(
                update(PulseRound)
                .where(PulseRound.id == round_id, PulseRound.sealed.is_(False), PulseRound.invited.is_not(None),
                       PulseRound.closes_at <= now)
                .values(sealed=True)
            )
            if rowcount(claimed) != 1:
                return False
            # Answers written in plain text before revision 0120 (an upgrade during an open round) are
            # rewritten with the others; every other answer is a box that opens only with the secret. A box
            # that does not open raises: the transaction rolls back and the round stays unsealed, nothing lost.
            answers = [dict(zip(DIMENSIONS, _scores(r), strict=True)) for r in (await s.execute(
                select(*(getattr(PulseAnswer, d) for d in DIMENSIONS)).where(PulseAnswer.round_id == round_id)
            )).all()]
            comments = list((await s.scalars(select(PulseComment.text).where(PulseComment.round_id == round_id))).all())
            for box in (await s.scalars(select(PulsePending.box).where(PulsePending.round_id == round_id))).all():
                scores, comment = self.vault.open_answer(round_id, box)
                answers.append(dict(zip(DIMENSIONS, scores, strict=True)))
                if comment:
                    comments.append(comment)
            await s.execute(delete(PulsePending).where(PulsePending.round_id == round_id))
            parts = [{"platform": p, "user_id": u, "answered": a} for p, u, a in (await s.execute(
                select(PulseParticipation.platform, PulseParticipation.user_id, PulseParticipation.answered)
                .where(PulseParticipation.round_id == round_id)
            )).all()]
            await s.execute(delete(PulseAnswer).where(PulseAnswer.round_id == round_id))
            await s.execute(delete(PulseComment).where(PulseComment.round_id == round_id))
            await s.execute(delete(PulseParticipation).where(PulseParticipation.round_id == round_id))
            for rows in (answers, comments, parts):
                self.rng.shuffle(rows)
            await self._insert_all(s, PulseAnswer, [{"id": str(uuid.uuid4()), "round_id": round_id, **a}
                                                    for a in answers])
            await self._insert_all(s, PulseComment, [{"id": str(uuid.uuid4()), "round_id": round_id, "text": t}
                                                     for t in comments])
            await self._insert_all(s, PulseParticipation, [{"round_id": round_id, **p} for p in parts])
            await self._write_totals(s, [round_id])
        log.info("pulse round %s sealed: %d answers, %d comments", round_id, len(answers), len(comments))
        await self.db.scrub(SEAL_TABLES)
        return True

    async def write_totals(self, round_ids: Sequence[int] | None = None) -> int:
        """(Re)write the totals of sealed rounds — these, or every sealed round without totals yet. Sealing
        writes a round's totals itself; this is for data loaded around it (imports, the benchmark)."""
        async with self.db.session() as s:
            if round_ids is None:
                have = select(pulse_round_totals.c.round_id)
                round_ids = list((await s.scalars(select(PulseRound.id).where(
                    PulseRound.sealed.is_(True), PulseRound.id.not_in(have)))).all())
            ids = sorted(set(round_ids))
            for start in range(0, len(ids), _CHUNK):
                await self._write_totals(s, ids[start:start + _CHUNK])
            return len(ids)

    @staticmethod
    async def _write_totals(s: AsyncSession, round_ids: Sequence[int]) -> None:
        """One INSERT … SELECT … GROUP BY: the counts per level are computed by the database."""
        await s.execute(delete(pulse_round_totals).where(pulse_round_totals.c.round_id.in_(round_ids)))
        answers = PulseAnswer.__table__
        query = (  # a round without answers joins one row of NULLs: count 0, every sum 0
            select(PulseRound.id, func.count(answers.c.round_id), *_level_sums())
            .select_from(PulseRound.__table__.outerjoin(answers, answers.c.round_id == PulseRound.id))
            .where(PulseRound.id.in_(round_ids), PulseRound.sealed.is_(True))
            .group_by(PulseRound.id)
        )
        await s.execute(pulse_round_totals.insert().from_select(["round_id", "answers", *TOTAL_COLUMNS], query))

    # ---- participation and answers -----------------------------------------------------------------
    async def invite_state(self, round_id: int, platform: Platform,
                           user_id: str) -> tuple[Round | None, bool | None, Prefs]:
        """The round, the person's invitation (None: not invited; True: answered) and their preferences,
        read in one transaction: every pulse DM and reminder checks these right before it is sent."""
        async with self.db.session() as s:
            row = await s.get(PulseRound, round_id)
            if row is None:
                return None, None, Prefs()
            answered = await s.scalar(select(PulseParticipation.answered).where(
                *self._participant(round_id, platform, user_id)))
            person = await s.get(PulsePerson, (platform.value, user_id)) if answered is False else None
            return _round(row), answered, _prefs(person)

    async def invite_states(self, keys: Sequence[tuple[int, Platform, str]]
                            ) -> dict[tuple[int, Platform, str], tuple[Round | None, bool | None, Prefs]]:
        """`invite_state` for many DMs at once (an outbox batch of a fan-out), in one transaction with a
        few statements per 500 people instead of three per person."""
        out: dict[tuple[int, Platform, str], tuple[Round | None, bool | None, Prefs]] = {}
        if not keys:
            return out
        async with self.db.session() as s:
            await self.db.plan_each_time(s)
            round_ids = sorted({k[0] for k in keys})
            rounds = {r.id: _round(r) for r in (await s.scalars(
                select(PulseRound).where(PulseRound.id.in_(round_ids)))).all()}
            answered: dict[tuple[int, str, str], bool] = {}
            prefs: dict[tuple[str, str], Prefs] = {}
            users = sorted({k[2] for k in keys if k[0] in rounds})
            core = await s.connection()  # column rows: Core's result, not the ORM's row loading
            for start in range(0, len(users), _CHUNK):
                chunk = users[start:start + _CHUNK]
                for row in (await core.execute(select(
                        PulseParticipation.round_id, PulseParticipation.platform, PulseParticipation.user_id,
                        PulseParticipation.answered).where(PulseParticipation.round_id.in_(round_ids),
                                                           PulseParticipation.user_id.in_(chunk)))).all():
                    answered[(row.round_id, row.platform, row.user_id)] = bool(row.answered)
                for person in (await s.scalars(select(PulsePerson).where(PulsePerson.user_id.in_(chunk)))).all():
                    prefs[(person.platform, person.user_id)] = _prefs(person)
        for key in keys:
            round_id, platform, user_id = key
            rnd = rounds.get(round_id)
            state = answered.get((round_id, platform.value, user_id)) if rnd is not None else None
            out[key] = (rnd, state, prefs.get((platform.value, user_id), Prefs()) if state is False else Prefs())
        return out

    async def invitation(self, round_id: int, platform: Platform, user_id: str) -> bool | None:
        async with self.db.session() as s:
            return await s.scalar(select(PulseParticipation.answered).where(
                *self._participant(round_id, platform, user_id)))

    async def withdraw(self, round_id: int, platform: Platform, user_id: str) -> None:
        async with self.db.session() as s:
            gone = await s.execute(delete(PulseParticipation).where(
                *self._participant(round_id, platform, user_id), PulseParticipation.answered.is_(False)))
            if rowcount(gone):
                await s.execute(update(PulseRound).where(PulseRound.id == round_id, PulseRound.invited > 0,
                                                         PulseRound.sealed.is_(False))
                                .values(invited=PulseRound.invited - 1))

    async def record(self, round_id: int, platform: Platform, user_id: str, answer: Answer,
                     journal_day: date) -> Recorded:
        """Count an answer once. The answer row gets no person and no time; the participation row only flips."""
        now = self.clock.now()
        box = self.vault.seal_answer(round_id, answer.scores, answer.comment)
        async with self.db.session() as s:
            row = await s.get(PulseRound, round_id, with_for_update=True)
            if row is None:
                return Recorded(Outcome.NO_ROUND)
            current = _round(row)
            if not current.is_open(now):
                return Recorded(Outcome.CLOSED, current)
            flipped = await s.execute(
                update(PulseParticipation)
                .where(*self._participant(round_id, platform, user_id), PulseParticipation.answered.is_(False))
                .values(answered=True)
            )
            if rowcount(flipped) != 1:
                exists = await s.scalar(select(PulseParticipation.answered).where(
                    *self._participant(round_id, platform, user_id)))
                return Recorded(Outcome.ALREADY if exists is not None else Outcome.NOT_INVITED, current)
            s.add(PulsePending(id=str(uuid.uuid4()), round_id=round_id, box=box))
            person = await s.get(PulsePerson, (platform.value, user_id))
            prefs = _prefs(person)
            if prefs.journal:
                entry = {"s": list(answer.scores), "c": answer.comment}
                s.add(PulseJournalEntry(id=str(uuid.uuid4()), platform=platform.value, user_id=user_id[:200],
                                        kind="pulse", day=journal_day, channel_name=row.channel_name,
                                        box=self.vault.seal_journal(platform.value, user_id[:200], entry)))
            await s.flush()
            count = await self._answers_in(s, round_id)
            completed = row.invited is not None and count >= row.invited
            if completed:
                row.closes_at = now
        if completed:
            await self.seal(round_id)
        return Recorded(Outcome.RECORDED, current, completed, prefs.journal,
                        not prefs.journal and not prefs.journal_asked)

    async def answer_count(self, round_id: int) -> int:
        async with self.db.session() as s:
            return await self._answers_in(s, round_id)

    @staticmethod
    async def _answers_in(s: AsyncSession, round_id: int) -> int:
        """Answers of a round: boxes awaiting the seal plus anonymous rows (sealed, or written before 0120)."""
        boxes = await s.scalar(select(func.count()).select_from(PulsePending).where(PulsePending.round_id == round_id))
        rows = await s.scalar(select(func.count()).select_from(PulseAnswer).where(PulseAnswer.round_id == round_id))
        return int(boxes or 0) + int(rows or 0)

    # ---- results -----------------------------------------------------------------------------------
    async def recent_stats(self, place: Place, limit: int) -> list[RoundStats]:
        """The newest `limit` rounds with their aggregates: sealed rounds from their totals (one row each),
        any sealed round without totals with one GROUP BY over the covering index. A round not sealed yet has
        only its number of answers (its boxes are counted, never opened): its per-level counts are zero."""
        rounds_table = table_of(PulseRound)
        width = len(rounds_table.c)
        async with self.db.session() as s:
            # The rounds and their totals in one statement, as plain rows: a whole history is ~1 000 rounds,
            # and mapped objects cost more to build than the query (docs/benchmarks.md#totals-of-sealed-rounds-target-4)
            rounds = (await s.execute(
                select(rounds_table, pulse_round_totals)
                .select_from(rounds_table.outerjoin(pulse_round_totals,
                                                    pulse_round_totals.c.round_id == rounds_table.c.id))
                .where(*self._channel(PulseRound, place), PulseRound.invited > 0)
                .order_by(PulseRound.opened_at.desc(), PulseRound.id.desc()).limit(limit)
            )).all()
            if not rounds:
                return []
            by_round: dict[int, Any] = {r.id: r[width:] for r in rounds if r.sealed and r[width] is not None}
            live = [r.id for r in rounds if r.id not in by_round]
            boxed: dict[int, int] = {}  # answers awaiting the seal: counted, never aggregated (encrypted)
            for start in range(0, len(live), _CHUNK):
                for row in (await s.execute(
                    select(PulseAnswer.round_id, func.count(), *_level_sums())
                    .where(PulseAnswer.round_id.in_(live[start:start + _CHUNK]))
                    .group_by(PulseAnswer.round_id)
                )).all():
                    by_round[int(row[0])] = row
                for round_id, n in (await s.execute(
                    select(PulsePending.round_id, func.count())
                    .where(PulsePending.round_id.in_(live[start:start + _CHUNK]))
                    .group_by(PulsePending.round_id)
                )).all():
                    boxed[int(round_id)] = int(n)
        out: list[RoundStats] = []
        for r in rounds:
            agg = by_round.get(r.id)
            if agg is None:
                out.append(RoundStats(_round(r), boxed.get(r.id, 0), {d: (0,) * len(LEVELS) for d in DIMENSIONS}))
                continue
            values = [int(v or 0) for v in agg[2:]]
            counts = {d: tuple(values[i * len(LEVELS):(i + 1) * len(LEVELS)]) for i, d in enumerate(DIMENSIONS)}
            out.append(RoundStats(_round(r), int(agg[1]) + boxed.get(r.id, 0), counts))
        return out

    async def comments(self, round_id: int) -> list[str]:
        async with self.db.session() as s:
            return list((await s.scalars(select(PulseComment.text).where(PulseComment.round_id == round_id))).all())

    # ---- people ------------------------------------------------------------------------------------
    async def prefs(self, platform: Platform, user_id: str) -> Prefs:
        async with self.db.session() as s:
            return _prefs(await s.get(PulsePerson, (platform.value, user_id)))

    async def opted_out(self, platform: Platform, user_ids: Sequence[str]) -> set[str]:
        ids = list(dict.fromkeys(user_ids))
        out: set[str] = set()
        async with self.db.session() as s:
            await self.db.plan_each_time(s)
            for start in range(0, len(ids), _CHUNK):
                out.update((await s.scalars(select(PulsePerson.user_id).where(
                    PulsePerson.platform == platform.value, PulsePerson.user_id.in_(ids[start:start + _CHUNK]),
                    PulsePerson.opted_out.is_(True)))).all())
        return out

    async def set_prefs(self, platform: Platform, user_id: str, **changes: object) -> Prefs:
        unknown = set(changes) - _PREF_FIELDS
        if unknown:
            raise ValueError(f"unknown preference(s): {sorted(unknown)}")
        base = {"opted_out": False, "journal": False, "journal_asked": False, "reflect": False, "tz": None,
                "reflect_queued": None}
        stmt = self._insert()(PulsePerson).values(platform=platform.value, user_id=user_id[:200],
                                                  **{**base, **changes})
        if changes:
            stmt = stmt.on_conflict_do_update(index_elements=["platform", "user_id"], set_=changes)
        else:
            stmt = stmt.on_conflict_do_nothing(index_elements=["platform", "user_id"])
        async with self.db.session() as s:
            await s.execute(stmt)
            return _prefs(await s.get(PulsePerson, (platform.value, user_id[:200]), populate_existing=True))

    async def reflecting(self) -> list[tuple[Platform, str, Prefs]]:
        async with self.db.session() as s:
            rows = (await s.scalars(select(PulsePerson).where(PulsePerson.reflect.is_(True),
                                                              PulsePerson.opted_out.is_(False)))).all()
            return [(Platform(r.platform), r.user_id, _prefs(r)) for r in rows]

    # ---- journal -----------------------------------------------------------------------------------
    async def add_reflection(self, platform: Platform, user_id: str, day: date, gave: str | None,
                             drained: str | None) -> None:
        box = self.vault.seal_journal(platform.value, user_id[:200], {"g": gave, "d": drained})
        async with self.db.session() as s:
            s.add(PulseJournalEntry(id=str(uuid.uuid4()), platform=platform.value, user_id=user_id[:200],
                                    kind="reflection", day=day, box=box))

    async def journal(self, platform: Platform, user_id: str, limit: int) -> list[JournalEntry]:
        async with self.db.session() as s:
            rows = (await s.scalars(
                select(PulseJournalEntry)
                .where(PulseJournalEntry.platform == platform.value, PulseJournalEntry.user_id == user_id)
                .order_by(PulseJournalEntry.day.desc(), PulseJournalEntry.kind).limit(limit)
            )).all()
            return [self._journal_entry(r) for r in rows]

    def _journal_entry(self, row: PulseJournalEntry) -> JournalEntry:
        body = self.vault.open_journal(row.platform, row.user_id, row.box) if row.box else _journal_body(row)
        scores = body.get("s")
        return JournalEntry(row.day, row.kind, row.channel_name,
                            tuple(int(v) for v in scores) if row.kind == "pulse" and scores else None,
                            body.get("c"), body.get("g"), body.get("d"))

    async def remember_journal_message(self, platform: Platform, user_id: str, channel_id: str,
                                       message_id: str) -> None:
        """A message showing this person's journal that stays in their chat (a Teams card): forget deletes it."""
        async with self.db.session() as s:
            s.add(PulseJournalMessage(id=str(uuid.uuid4()), platform=platform.value, user_id=user_id[:200],
                                      channel_id=channel_id[:300], message_id=message_id[:300]))

    async def journal_messages(self, platform: Platform, user_id: str) -> list[MessageRef]:
        async with self.db.session() as s:
            rows = (await s.execute(select(PulseJournalMessage.channel_id, PulseJournalMessage.message_id).where(
                PulseJournalMessage.platform == platform.value, PulseJournalMessage.user_id == user_id))).all()
            return [MessageRef(platform, c, m) for c, m in rows]

    async def forget_journal_message(self, platform: Platform, user_id: str, message_id: str) -> bool:
        """The person deleted this journal message themselves: its record goes (only theirs)."""
        async with self.db.session() as s:
            gone = await s.execute(delete(PulseJournalMessage).where(
                PulseJournalMessage.platform == platform.value, PulseJournalMessage.user_id == user_id,
                PulseJournalMessage.message_id == message_id))
            return bool(rowcount(gone))

    async def delete_journal(self, platform: Platform, user_id: str) -> int:
        async with self.db.session() as s:
            result = await s.execute(delete(PulseJournalEntry).where(
                PulseJournalEntry.platform == platform.value, PulseJournalEntry.user_id == user_id))
            return rowcount(result)

    async def forget(self, platform: Platform, user_id: str) -> ForgetReport:
        """Delete every pulse and core row that names the person: their identity (name, timezone, DM line),
        journal, journal messages' records, invitations and answered flags, preferences, every outbox row
        addressed to them and their Slack installer rows; clear them as the author of schedules and settings
        and as the sender of rounds, and replace their name and id in the outbox's messages to others by
        "someone" (storage/forgetting.py); then scrub. The other features' rows: handlers/pulse/forgetting.py
        `forget_person`, which calls this last. Anonymous answers stay: nothing links them to anyone. Someone
        who opted out keeps one row saying only that (their id and `opted_out`), or the next pulse would DM
        them again; the report says so. The journal messages still in their chat come back in the report for
        the caller to delete on the platform."""
        now = self.clock.now()
        target_key = Target.user(Person(platform, user_id)).key
        async with self.db.session() as s:
            journal = await s.execute(delete(PulseJournalEntry).where(
                PulseJournalEntry.platform == platform.value, PulseJournalEntry.user_id == user_id))
            shown = (await s.execute(
                delete(PulseJournalMessage).where(PulseJournalMessage.platform == platform.value,
                                                  PulseJournalMessage.user_id == user_id)
                .returning(PulseJournalMessage.channel_id, PulseJournalMessage.message_id))).all()
            pending = (await s.scalars(
                select(PulseParticipation.round_id)
                .join(PulseRound, PulseRound.id == PulseParticipation.round_id)
                .where(PulseParticipation.platform == platform.value, PulseParticipation.user_id == user_id,
                       PulseParticipation.answered.is_(False), PulseRound.sealed.is_(False),
                       PulseRound.closes_at > now)
            )).all()
            if pending:  # they can no longer answer those rounds: they no longer count as invited
                await s.execute(update(PulseRound).where(PulseRound.id.in_(list(pending)), PulseRound.invited > 0)
                                .values(invited=PulseRound.invited - 1))
            participation = await s.execute(delete(PulseParticipation).where(
                PulseParticipation.platform == platform.value, PulseParticipation.user_id == user_id))
            messages = await s.execute(delete(OutboxRow).where(OutboxRow.target_key == target_key))
            known = (await s.execute(select(Identity.name, Identity.team_id).where(
                Identity.platform == platform.value, Identity.user_id == user_id))).first()
            name, team = (known[0] or "", known[1] or "") if known else ("", "")
            mentioned = await redact_mentions(s, platform, team, [user_id, name])
            typed = await redact_typed(s, platform, team, [user_id, name])
            installed = await delete_installer_rows(s, platform, user_id)
            identity = await s.execute(delete(Identity).where(Identity.platform == platform.value,
                                                              Identity.user_id == user_id))
            # Who set up a schedule or changed a channel's settings: a mark nothing reads back, cleared.
            authored = rowcount(await s.execute(update(PulseSchedule).where(
                PulseSchedule.platform == platform.value, PulseSchedule.created_by == user_id).values(created_by="")))
            authored += rowcount(await s.execute(update(ChannelSettingsRow).where(
                ChannelSettingsRow.platform == platform.value, ChannelSettingsRow.updated_by == user_id)
                .values(updated_by="")))
            digests = await stop_digests_to(s, platform, user_id)
            # Who sent a round: blanked, so their own answer can no longer be told apart, and the round then
            # counts its sender as having answered (`sender_answered`: never errs towards showing).
            sent = rowcount(await s.execute(update(PulseRound).where(
                PulseRound.platform == platform.value, PulseRound.sender_id == user_id).values(sender_id="")))
            person = await s.get(PulsePerson, (platform.value, user_id))
            had_prefs = person is not None
            kept_optout = bool(person is not None and person.opted_out)
            if person is not None:
                if kept_optout:  # keep only the one fact that keeps them out of future pulses
                    person.journal = person.journal_asked = person.reflect = False
                    person.tz = person.reflect_queued = None
                else:
                    await s.delete(person)
        report = ForgetReport(platform, user_id, rowcount(journal), rowcount(participation),
                              rowcount(messages), had_prefs, bool(rowcount(identity)), kept_optout,
                              tuple(MessageRef(platform, c, m) for c, m in shown), authored=authored,
                              installations=installed, digests=digests,
                              cleared=tuple((thing, n) for thing, n in (("pulse round", sent),
                                                                        ("queued or sent channel message", mentioned),
                                                                        (TYPED_TEXT, typed))
                                            if n))
        if self.on_forget is not None:
            self.on_forget(platform, user_id)
        if report.anything:
            await self.db.scrub((*FORGET_TABLES, *(TYPED_TABLES if typed else ())))
        return report

    async def people_named(self, user_id: str, platform: Platform | None = None) -> list[tuple[Platform, str]]:
        """Whom `steadybot forget <user_id>` means: that platform user id, and for Teams also the people whose
        alternative id (`Person.alt_id`, the Azure AD object id; the `aad_id` column) it is."""
        out: list[tuple[Platform, str]] = []
        for p in [platform] if platform else [Platform.SLACK, Platform.TEAMS]:
            ids = {user_id}
            if p == Platform.TEAMS:
                async with self.db.session() as s:
                    ids.update((await s.scalars(select(Identity.user_id).where(
                        Identity.platform == p.value, Identity.aad_id == user_id))).all())
            out.extend((p, uid) for uid in sorted(ids))
        return out

    # ---- thresholds, senders and shown rounds (what a team lead may see) ------------------------------
    async def set_round_sender(self, round_id: int, sender_id: str | None, invited: bool) -> None:
        """Who sent the round (their own answer does not count toward k) and whether they were asked."""
        async with self.db.session() as s:
            await s.execute(update(PulseRound).where(PulseRound.id == round_id).values(
                sender_id=sender_id[:200] if sender_id else None, sender_invited=invited if sender_id else None))

    async def announce_threshold(self, round_id: int, k: int) -> int:
        """The round's threshold becomes at least `k` (what its DMs announce); it never goes down. Returns it."""
        async with self.db.session() as s:
            await s.execute(update(PulseRound).where(
                PulseRound.id == round_id,
                PulseRound.min_respondents.is_(None) | (PulseRound.min_respondents < k)).values(min_respondents=k))
            return int(await s.scalar(select(PulseRound.min_respondents).where(PulseRound.id == round_id)) or k)

    async def mark_refusal_told(self, schedule_id: int) -> bool:
        """True once per schedule: whoever gets here first tells the owner that a run was refused."""
        async with self.db.session() as s:
            told = await s.execute(update(PulseSchedule).where(
                PulseSchedule.id == schedule_id, PulseSchedule.refusal_told.is_(False)).values(refusal_told=True))
            return rowcount(told) == 1

    async def sender_answered(self, round_ids: Sequence[int]) -> set[int]:
        """The rounds whose sender answered — or may have: a sender who was asked and whose participation row
        is gone (forgotten, withdrawn), or whose id was blanked (forget), counts as having answered, so the
        count never errs towards showing."""
        out: set[int] = set()
        ids = sorted(set(round_ids))
        if not ids:
            return out
        p = PulseParticipation
        async with self.db.session() as s:
            for start in range(0, len(ids), _CHUNK):
                out.update((await s.scalars(
                    select(PulseRound.id)
                    .outerjoin(p, (p.round_id == PulseRound.id) & (p.platform == PulseRound.platform)
                               & (p.user_id == PulseRound.sender_id))
                    .where(PulseRound.id.in_(ids[start:start + _CHUNK]), PulseRound.sender_invited.is_(True),
                           p.answered.is_(True) | p.user_id.is_(None))
                )).all())
        return out

    async def shown_decisions(self, round_ids: Sequence[int]) -> dict[int, ShownDecision]:
        ids = sorted(set(round_ids))
        out: dict[int, ShownDecision] = {}
        if not ids:
            return out
        async with self.db.session() as s:
            for start in range(0, len(ids), _CHUNK):
                for row in (await s.scalars(select(PulseRoundShown).where(
                        PulseRoundShown.round_id.in_(ids[start:start + _CHUNK])))).all():
                    out[row.round_id] = ShownDecision(row.round_id, row.shown, row.counted)
        return out

    async def decide_shown(self, round_id: int, k: int, counted: int) -> ShownDecision | None:
        """Decide once whether a sealed round that has enough answers is shown. It is kept hidden when its
        answered set differs by fewer than `k` people — or than the threshold the other round's DMs announced, if
        larger — from that of a round already shown (any channel, same platform) of the same days: its window
        overlaps this one's, or either started less than SAME_DAYS after the other (so a round closed early
        still counts as open that long): showing both would let anyone subtract one from the other. Decisions are
        taken one at a time (an advisory lock on PostgreSQL; SQLite transactions begin IMMEDIATE) and stored,
        so every later look — on any replica — gets the same answer. None: the round is not sealed."""
        now = self.clock.now()
        async with self.db.session() as s:
            if self.db.is_postgres:
                await s.execute(select(func.pg_advisory_xact_lock(_SHOWN_LOCK)))
            known = await s.get(PulseRoundShown, round_id)
            if known is not None:
                return ShownDecision(known.round_id, known.shown, known.counted)
            row = await s.get(PulseRound, round_id)
            if row is None or not row.sealed:
                return None
            start = func.coalesce(PulseRound.first_due_at, PulseRound.opened_at)
            mine_start = row.first_due_at or row.opened_at
            # each with the threshold its DMs announced: the difference must hold for both promises
            announced: dict[int, int] = {int(r): int(m or 0) for r, m in (await s.execute(
                select(PulseRound.id, PulseRound.min_respondents)
                .join(PulseRoundShown, PulseRoundShown.round_id == PulseRound.id)
                .where(PulseRoundShown.shown.is_(True), PulseRound.id != round_id,
                       PulseRound.platform == row.platform,
                       # the same days: each reaches as far as its window or SAME_DAYS from its start, whichever
                       # is later, and the two reaches overlap (or they start together: a round everyone answered
                       # at once closes the moment it starts). A channel's weekly rounds stay apart.
                       ((start < max(row.closes_at, mine_start + SAME_DAYS))
                        & ((PulseRound.closes_at > mine_start) | (start > mine_start - SAME_DAYS)))
                       | (start == mine_start))
            )).all()}
            others = list(announced)
            shown = True
            mine = aliased(PulseParticipation)
            theirs = aliased(PulseParticipation)
            size_of_mine = int(await s.scalar(select(func.count()).select_from(PulseParticipation).where(
                PulseParticipation.round_id == round_id, PulseParticipation.answered.is_(True))) or 0)
            # Answers whose person is gone from the answered set (`forget` deletes who answered, not the
            # anonymous answer): nothing says who they were, so the two rounds differ by at least the known
            # difference plus how many more are gone from one than from the other (the same people gone from
            # both), and at most by the known one plus all of them
            gone_mine = max(0, int(await s.scalar(select(func.count()).select_from(PulseAnswer).where(
                PulseAnswer.round_id == round_id)) or 0) - size_of_mine)
            for begin in range(0, len(others), _CHUNK):
                chunk = others[begin:begin + _CHUNK]
                sizes: dict[int, int] = {int(r): int(n) for r, n in (await s.execute(
                    select(PulseParticipation.round_id, func.count())
                    .where(PulseParticipation.round_id.in_(chunk), PulseParticipation.answered.is_(True))
                    .group_by(PulseParticipation.round_id))).all()}
                answers: dict[int, int] = {int(r): int(n) for r, n in (await s.execute(
                    select(PulseAnswer.round_id, func.count()).where(PulseAnswer.round_id.in_(chunk))
                    .group_by(PulseAnswer.round_id))).all()}
                common: dict[int, int] = {int(r): int(n) for r, n in (await s.execute(
                    select(theirs.round_id, func.count())
                    .select_from(mine)
                    .join(theirs, (theirs.platform == mine.platform) & (theirs.user_id == mine.user_id))
                    .where(mine.round_id == round_id, mine.answered.is_(True), theirs.round_id.in_(chunk),
                           theirs.answered.is_(True))
                    .group_by(theirs.round_id))).all()}
                # the people in one answered set and not the other: none (the same people) isolates nobody,
                # so a channel pulsed every weekday still sees each round; 1 to k-1 would be subtracted
                for other in chunk:
                    named = size_of_mine + sizes.get(other, 0) - 2 * common.get(other, 0)  # known by name
                    gone_theirs = max(0, answers.get(other, 0) - sizes.get(other, 0))
                    fewest, most = named + abs(gone_mine - gone_theirs), named + gone_mine + gone_theirs
                    if most > 0 and fewest < max(k, announced[other]):
                        shown = False
                        break
                if not shown:
                    break
            s.add(PulseRoundShown(round_id=round_id, shown=shown, counted=counted, decided_at=now))
            await s.flush()
            return ShownDecision(round_id, shown, counted)

    # ---- helpers -----------------------------------------------------------------------------------
    @staticmethod
    def _channel(model: Any, place: Place) -> tuple[Any, ...]:
        return (model.platform == place.platform.value, model.channel_id == place.channel_id)

    @staticmethod
    def _participant(round_id: int, platform: Platform, user_id: str) -> tuple[Any, ...]:
        return (PulseParticipation.round_id == round_id, PulseParticipation.platform == platform.value,
                PulseParticipation.user_id == user_id)

    async def _insert_all(self, s: AsyncSession, model: Any, rows: list[dict[str, Any]]) -> None:
        for start in range(0, len(rows), _CHUNK):
            await s.execute(self._insert()(model).values(rows[start:start + _CHUNK]))
