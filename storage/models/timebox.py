"""The timebox table. `active_key` is set while a box runs and cleared when it ends, and is unique, so
only one box can run per channel or thread, even with several replicas starting one at the same moment."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, BigId, UTCDateTime


class TimeboxRow(Base):
    __tablename__ = "timeboxes"
    __table_args__ = (
        Index("ix_timeboxes_active", "active_key", unique=True),
        Index("ix_timeboxes_meeting", "meeting_id"),
        Index("ix_timeboxes_channel_start", "platform", "channel_id", "started_at"),  # the reports' totals
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    channel_id: Mapped[str] = mapped_column(String(300))
    team_id: Mapped[str] = mapped_column(String(200), default="")
    thread_id: Mapped[str | None] = mapped_column(String(300))
    active_key: Mapped[str | None] = mapped_column(String(700))
    topic: Mapped[str] = mapped_column(String(300), default="")
    started_by: Mapped[str] = mapped_column(String(200), default="")
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    planned_seconds: Mapped[int] = mapped_column(Integer)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    generation: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(16), default="running")
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    meeting_id: Mapped[int | None] = mapped_column(BigId)
