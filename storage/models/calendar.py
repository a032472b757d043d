"""Tables of calendar feeds: a channel's feeds (fetch state and lease) and which meeting each feed
occurrence (UID, RECURRENCE-ID) became."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, BigId, UTCDateTime


class CalendarFeedRow(Base):
    """One calendar a channel follows: an iCalendar address, or a Microsoft 365 group (Graph)."""

    __tablename__ = "calendar_feeds"
    __table_args__ = (
        UniqueConstraint("platform", "channel_id", "url_hash"),
        Index("ix_calendar_feeds_due", "next_fetch_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    channel_id: Mapped[str] = mapped_column(String(300))
    team_id: Mapped[str] = mapped_column(String(200), default="")
    kind: Mapped[str] = mapped_column(String(16), default="ics")
    url: Mapped[str] = mapped_column(Text)  # a secret address: never logged, never shown in full
    url_hash: Mapped[str] = mapped_column(String(64))
    label: Mapped[str] = mapped_column(String(200), default="")
    added_by: Mapped[str] = mapped_column(String(200))
    added_by_name: Mapped[str] = mapped_column(String(200), default="")
    tz: Mapped[str] = mapped_column(String(64), default="UTC")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    etag: Mapped[str | None] = mapped_column(String(400))
    last_modified: Mapped[str | None] = mapped_column(String(100))
    last_sync_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # the last good fetch (or 304)
    parsed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # the last full read (a 200)
    next_fetch_at: Mapped[datetime] = mapped_column(UTCDateTime)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(400))
    error_reported: Mapped[bool] = mapped_column(Boolean, default=False)
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)


class CalendarEventRow(Base):
    """A feed occurrence and its meeting. `gone`: the sync cancelled the meeting (the occurrence was
    cancelled or vanished from the feed); a meeting cancelled by a person stays cancelled."""

    __tablename__ = "calendar_events"
    __table_args__ = (
        UniqueConstraint("feed_id", "uid", "recurrence_id"),
        Index("ix_calendar_events_meeting", "meeting_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    feed_id: Mapped[int] = mapped_column(BigId, ForeignKey("calendar_feeds.id", ondelete="CASCADE"))
    uid: Mapped[str] = mapped_column(String(400))
    recurrence_id: Mapped[str] = mapped_column(String(40), default="")
    meeting_id: Mapped[int] = mapped_column(BigId, ForeignKey("meetings.id", ondelete="CASCADE"))
    fingerprint: Mapped[str] = mapped_column(String(64))
    gone: Mapped[bool] = mapped_column(Boolean, default=False)
    join_thread: Mapped[str] = mapped_column(String(300), default="")  # a Teams meeting's chat thread, if any


class LiveMeetingRow(Base):
    """A Teams meeting the bot saw start (meetingStart) in its meeting chat, matched to a steadybot meeting
    when it is the same event; `ended_at` once meetingEnd came."""

    __tablename__ = "live_meetings"
    __table_args__ = (Index("ix_live_meetings_external", "platform", "external_id", "started_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    chat_id: Mapped[str] = mapped_column(String(300))
    external_id: Mapped[str] = mapped_column(String(400))
    title: Mapped[str] = mapped_column(String(200), default="")
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    meeting_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("meetings.id", ondelete="SET NULL"))
