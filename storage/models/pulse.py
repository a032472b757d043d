"""Pulse tables. Anonymity is a property of the schema, not of the code that reads it:

- `pulse_answers` and `pulse_comments` have no user column, no key to anything person-related, no time
  column, and random (uuid4) text primary keys; on SQLite they are WITHOUT ROWID tables, so not even the
  hidden rowid records the order in which answers arrived. Comments are a separate table, so a comment that
  gives its author away does not carry their scores with it.
- `pulse_participation` says only that a person was invited to a round and whether they answered. Its rows
  are created when the round's invitations are created; answering flips `answered` (no time, no new row).
- `pulse_journal` is a person's own copy, opt-in, with a coarse day and no key into the anonymous rows.
- `pulse_round_totals` holds a sealed round's counts per level and nothing else: what results show.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Table,
    Text,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, BigId, Json, UTCDateTime

SCORE_COLUMNS = ("exhaustion", "cynicism", "efficacy", "workload", "burnout")


def _score_checks() -> tuple[CheckConstraint, ...]:
    return tuple(CheckConstraint(f"{c} BETWEEN 1 AND 5", name=f"{c}_range") for c in SCORE_COLUMNS)


class PulseSchedule(Base):
    __tablename__ = "pulse_schedules"
    __table_args__ = (Index("ix_pulse_schedules_channel", "platform", "channel_id", "active"),
                      Index("ix_pulse_schedules_active", "active"))

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    channel_id: Mapped[str] = mapped_column(String(300))
    team_id: Mapped[str] = mapped_column(String(200), default="")
    channel_name: Mapped[str] = mapped_column(String(200), default="")
    phrase: Mapped[str] = mapped_column(String(200))
    recurrence: Mapped[dict[str, Any]] = mapped_column(Json)
    next_occurrence: Mapped[str] = mapped_column(String(16))  # naive local "YYYY-MM-DDTHH:MM"
    window_hours: Mapped[int] = mapped_column(Integer, default=72)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # a scheduled run was refused (too few people besides the owner) and the owner was told: only once
    refusal_told: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class PulseRound(Base):
    __tablename__ = "pulse_rounds"
    __table_args__ = (
        Index("ix_pulse_rounds_key", "key", unique=True),
        Index("ix_pulse_rounds_channel", "platform", "channel_id", "opened_at"),
        Index("ix_pulse_rounds_seal", "sealed", "closes_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    key: Mapped[str] = mapped_column(String(200))  # one round per schedule occurrence, across replicas
    platform: Mapped[str] = mapped_column(String(16))
    channel_id: Mapped[str] = mapped_column(String(300))
    team_id: Mapped[str] = mapped_column(String(200), default="")
    channel_name: Mapped[str] = mapped_column(String(200), default="")
    schedule_id: Mapped[int | None] = mapped_column(BigInteger)
    occurrence: Mapped[str | None] = mapped_column(String(16))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    first_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime)
    window_hours: Mapped[int] = mapped_column(Integer, default=72)
    invited: Mapped[int | None] = mapped_column(Integer)  # None while invitations are being created
    sealed: Mapped[bool] = mapped_column(Boolean, default=False)
    # The threshold its DMs announced (the highest, if the setting rose while they went out): results show
    # the round only at max(today's setting, this), so lowering `min` later never reveals it.
    min_respondents: Mapped[int | None] = mapped_column(Integer)
    # Who ran `/pulse now` or set the schedule: their own answer does not count toward the threshold.
    sender_id: Mapped[str | None] = mapped_column(String(200))
    sender_invited: Mapped[bool | None] = mapped_column(Boolean)


class PulseParticipation(Base):
    """Person X was invited to round R, and whether they answered. Never when."""

    __tablename__ = "pulse_participation"
    __table_args__ = (Index("ix_pulse_participation_person", "platform", "user_id"),)

    round_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("pulse_rounds.id", ondelete="CASCADE"),
                                          primary_key=True)
    platform: Mapped[str] = mapped_column(String(16), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    answered: Mapped[bool] = mapped_column(Boolean, default=False)


class PulseAnswer(Base):
    """One anonymous answer: the round and five scores. Nothing else."""

    __tablename__ = "pulse_answers"
    __table_args__ = (
        # Covering index: results aggregate a round's scores from the index alone (GROUP BY round_id).
        Index("ix_pulse_answers_round", "round_id", *SCORE_COLUMNS),
        *_score_checks(),
        {"sqlite_with_rowid": False},
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # uuid4: random, encodes no order
    round_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("pulse_rounds.id", ondelete="CASCADE"))
    exhaustion: Mapped[int] = mapped_column(SmallInteger)
    cynicism: Mapped[int] = mapped_column(SmallInteger)
    efficacy: Mapped[int] = mapped_column(SmallInteger)
    workload: Mapped[int] = mapped_column(SmallInteger)
    burnout: Mapped[int] = mapped_column(SmallInteger)


#: Columns of `pulse_round_totals`: how many answers chose each level, per dimension ("exhaustion_1" …).
TOTAL_COLUMNS = tuple(f"{c}_{level}" for c in SCORE_COLUMNS for level in range(1, 6))


#: A sealed round's aggregate, written once in SQL when the round is sealed (its answers never change after
#: that): results over a long history read one row per round instead of every answer. Only counts per
#: level, exactly what results show; the answers themselves stay in `pulse_answers`.
pulse_round_totals = Table(
    "pulse_round_totals",
    Base.metadata,
    Column("round_id", BigInteger, ForeignKey("pulse_rounds.id", ondelete="CASCADE"), primary_key=True),
    Column("answers", Integer, nullable=False),
    *(Column(name, Integer, nullable=False) for name in TOTAL_COLUMNS),
)


class PulseRoundShown(Base):
    """The durable decision to show a sealed round or to keep it hidden because its answered set differs by
    fewer than k people from a round of overlapping window that was shown first (complementary
    suppression). Written once, under a lock, the first time the round could be shown; `counted` is its
    answers from people other than the sender, frozen then."""

    __tablename__ = "pulse_round_shown"

    round_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("pulse_rounds.id", ondelete="CASCADE"),
                                          primary_key=True)
    shown: Mapped[bool] = mapped_column(Boolean)
    counted: Mapped[int] = mapped_column(Integer)
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime)


class PulseComment(Base):
    """One anonymous free-text comment, apart from the scores it came with."""

    __tablename__ = "pulse_comments"
    __table_args__ = (Index("ix_pulse_comments_round", "round_id"), {"sqlite_with_rowid": False})

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    round_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("pulse_rounds.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(Text)


class PulsePerson(Base):
    """A person's pulse preferences: opted out, journal, weekly reflection."""

    __tablename__ = "pulse_people"

    platform: Mapped[str] = mapped_column(String(16), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    opted_out: Mapped[bool] = mapped_column(Boolean, default=False)
    journal: Mapped[bool] = mapped_column(Boolean, default=False)
    journal_asked: Mapped[bool] = mapped_column(Boolean, default=False)
    reflect: Mapped[bool] = mapped_column(Boolean, default=False)
    tz: Mapped[str | None] = mapped_column(String(64))
    reflect_queued: Mapped[str | None] = mapped_column(String(10))


class PulseJournalEntry(Base):
    """The person's own answers (opt-in), keyed by person, with a coarse day and no round or answer key."""

    __tablename__ = "pulse_journal"
    __table_args__ = (Index("ix_pulse_journal_person", "platform", "user_id", "day"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    user_id: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))  # "pulse" | "reflection"
    day: Mapped[date] = mapped_column(Date)
    channel_name: Mapped[str] = mapped_column(String(200), default="")
    exhaustion: Mapped[int | None] = mapped_column(SmallInteger)
    cynicism: Mapped[int | None] = mapped_column(SmallInteger)
    efficacy: Mapped[int | None] = mapped_column(SmallInteger)
    workload: Mapped[int | None] = mapped_column(SmallInteger)
    burnout: Mapped[int | None] = mapped_column(SmallInteger)
    comment: Mapped[str | None] = mapped_column(Text)
    gave: Mapped[str | None] = mapped_column(Text)
    drained: Mapped[str | None] = mapped_column(Text)
