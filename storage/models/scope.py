"""Scope creep: trade-off prompts with their decisions, the channel lists, and what dismissals taught."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, Float, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, BigId, UTCDateTime


class ScopePrompt(Base):
    """A "what do we drop?" prompt. `thread_root` is set only for the watcher's prompts: the unique key
    (platform, channel, thread root) is what makes "one reply per thread, ever" hold across replicas.
    The asker is not stored: only what was asked and what the team decided."""

    __tablename__ = "scope_prompts"
    __table_args__ = (
        UniqueConstraint("platform", "channel_id", "thread_root"),
        Index("ix_scope_prompts_channel", "platform", "channel_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    channel_id: Mapped[str] = mapped_column(String(300))
    team_id: Mapped[str] = mapped_column(String(200), default="")
    thread_id: Mapped[str | None] = mapped_column(String(300))  # where the prompt was posted
    thread_root: Mapped[str | None] = mapped_column(String(300))  # the watcher's claim on the thread
    source: Mapped[str] = mapped_column(String(16))  # watch | command
    request: Mapped[str] = mapped_column(Text)
    quote: Mapped[str] = mapped_column(String(300))
    score: Mapped[float | None] = mapped_column(Float)
    outcome: Mapped[str | None] = mapped_column(String(16))  # drop | extend | park | dismiss
    added: Mapped[str | None] = mapped_column(String(300))  # the name the work got on a list
    dropped: Mapped[str | None] = mapped_column(String(300))
    extension: Mapped[str | None] = mapped_column(String(40))
    meeting_title: Mapped[str | None] = mapped_column(String(300))
    false_alarm: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ScopeItem(Base):
    """A channel's commitments and its parking lot. Closed items stay (status, closed_at) for the record."""

    __tablename__ = "scope_items"
    __table_args__ = (Index("ix_scope_items_list", "platform", "channel_id", "kind", "status"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    channel_id: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(16))  # commitment | parked
    text: Mapped[str] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(16), default="open")  # open | done | dropped | unparked
    prompt_id: Mapped[int | None] = mapped_column(BigInteger)
    meeting_id: Mapped[int | None] = mapped_column(BigInteger)
    meeting_title: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ScopeChannel(Base):
    """What "not scope creep" dismissals taught about a channel: an offset added to its threshold."""

    __tablename__ = "scope_channels"
    __table_args__ = (UniqueConstraint("platform", "channel_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    channel_id: Mapped[str] = mapped_column(String(300))
    threshold_offset: Mapped[float] = mapped_column(Float, default=0.0)
    dismissals: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
