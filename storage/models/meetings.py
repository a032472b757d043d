"""Tables of the meetings feature: meetings, recurring series, agenda items, pre-read questions and answers."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, BigId, Json, UTCDateTime


class MeetingSeriesRow(Base):
    """A recurring meeting; its occurrences are rows in `meetings`, created ahead of time."""

    __tablename__ = "meeting_series"
    __table_args__ = (Index("ix_meeting_series_due", "active", "materialized_until"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    channel_id: Mapped[str] = mapped_column(String(300))
    team_id: Mapped[str] = mapped_column(String(200), default="")
    title: Mapped[str] = mapped_column(String(200))
    organiser_id: Mapped[str] = mapped_column(String(200))
    organiser_name: Mapped[str] = mapped_column(String(200), default="")
    tz: Mapped[str] = mapped_column(String(64))
    rule: Mapped[dict[str, Any]] = mapped_column(Json)
    duration_minutes: Mapped[int] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    materialized_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class MeetingRow(Base):
    """One meeting (or one occurrence of a series) and, once it ran, its hygiene record."""

    __tablename__ = "meetings"
    __table_args__ = (
        UniqueConstraint("series_id", "starts_at"),
        Index("ix_meetings_channel_start", "platform", "channel_id", "starts_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    channel_id: Mapped[str] = mapped_column(String(300))
    team_id: Mapped[str] = mapped_column(String(200), default="")
    series_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("meeting_series.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(200))
    organiser_id: Mapped[str] = mapped_column(String(200))
    organiser_name: Mapped[str] = mapped_column(String(200), default="")
    tz: Mapped[str] = mapped_column(String(64))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    duration_minutes: Mapped[int] = mapped_column(Integer)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    open_minutes: Mapped[int] = mapped_column(Integer, default=5)
    status: Mapped[str] = mapped_column(String(16), default="scheduled")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    actual_minutes: Mapped[float | None] = mapped_column(Float)
    had_agenda: Mapped[bool | None] = mapped_column(Boolean)
    attendees: Mapped[int | None] = mapped_column(Integer)
    questions_total: Mapped[int | None] = mapped_column(Integer)
    questions_answered: Mapped[int | None] = mapped_column(Integer)


class AgendaItemRow(Base):
    __tablename__ = "agenda_items"
    __table_args__ = (Index("ix_agenda_items_meeting", "meeting_id", "position"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    meeting_id: Mapped[int] = mapped_column(BigId, ForeignKey("meetings.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(String(300))
    minutes: Mapped[int | None] = mapped_column(Integer)
    added_by: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class PrereadQuestionRow(Base):
    __tablename__ = "preread_questions"
    __table_args__ = (Index("ix_preread_questions_meeting", "meeting_id", "position"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    meeting_id: Mapped[int] = mapped_column(BigId, ForeignKey("meetings.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(String(400))
    asked_by: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class PrereadAnswerRow(Base):
    """A written answer to a pre-read question (not anonymous: it is shown, with a name, at the start)."""

    __tablename__ = "preread_answers"
    __table_args__ = (UniqueConstraint("question_id", "answered_by"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    question_id: Mapped[int] = mapped_column(BigId, ForeignKey("preread_questions.id", ondelete="CASCADE"))
    answered_by: Mapped[str] = mapped_column(String(200))
    answered_by_name: Mapped[str] = mapped_column(String(200), default="")
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
