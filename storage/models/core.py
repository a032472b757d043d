"""Tables the foundation owns: identities, conversations, channel settings, the outbox, inbound dedupe."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, Float, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, BigId, Json, UTCDateTime


class Identity(Base):
    """A person the bot can reach: name, timezone, and how to open their 1:1 chat."""

    __tablename__ = "identities"
    __table_args__ = (UniqueConstraint("platform", "user_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    user_id: Mapped[str] = mapped_column(String(200))
    aad_id: Mapped[str | None] = mapped_column(String(64))  # Person.alt_id; the column keeps its name (no migration)
    team_id: Mapped[str] = mapped_column(String(200), default="")
    name: Mapped[str] = mapped_column(String(200), default="")
    tz: Mapped[str | None] = mapped_column(String(64))
    is_bot: Mapped[bool] = mapped_column(Boolean, default=False)
    dm_channel: Mapped[str | None] = mapped_column(String(300))  # Slack D… id / Teams 1:1 conversation id
    dm_reference: Mapped[dict[str, Any] | None] = mapped_column(Json)  # Teams conversation reference
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Conversation(Base):
    """A channel the bot is in, with the Teams conversation reference needed to post to it later."""

    __tablename__ = "conversations"
    __table_args__ = (UniqueConstraint("platform", "channel_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    channel_id: Mapped[str] = mapped_column(String(300))
    team_id: Mapped[str] = mapped_column(String(200), default="")
    name: Mapped[str] = mapped_column(String(200), default="")
    reference: Mapped[dict[str, Any] | None] = mapped_column(Json)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ChannelSettingsRow(Base):
    __tablename__ = "channel_settings"
    __table_args__ = (UniqueConstraint("platform", "channel_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    channel_id: Mapped[str] = mapped_column(String(300))
    scope_watch: Mapped[bool] = mapped_column(Boolean, default=True)
    scope_sensitivity: Mapped[str] = mapped_column(String(16), default="normal")
    agenda_enforcement: Mapped[bool] = mapped_column(Boolean, default=True)
    quiet_start: Mapped[str] = mapped_column(String(5), default="20:00")
    quiet_end: Mapped[str] = mapped_column(String(5), default="08:00")
    min_respondents: Mapped[int] = mapped_column(Integer, default=5)
    extra: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    updated_by: Mapped[str] = mapped_column(String(200), default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class OutboxRow(Base):
    """Everything sent later. Claimed with a lease, so a crashed sender's rows are picked up again."""

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_due", "status", "due_at", "id"),  # the claim reads them in order (migration 0010)
        Index("ix_outbox_lease", "status", "lease_until", "id"),
        Index("ix_outbox_dedupe", "dedupe_key", unique=True),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    target: Mapped[dict[str, Any]] = mapped_column(Json)
    target_key: Mapped[str] = mapped_column(String(400))
    kind: Mapped[str] = mapped_column(String(64), default="message")
    payload: Mapped[dict[str, Any] | None] = mapped_column(Json)
    data: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    dedupe_key: Mapped[str | None] = mapped_column(String(300))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    skip_if_late_by: Mapped[float | None] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    result: Mapped[dict[str, Any] | None] = mapped_column(Json)


class InboundKey(Base):
    """Ids of incoming events already handled (Slack event ids, Teams activity ids, trigger ids)."""

    __tablename__ = "inbound_keys"

    key: Mapped[str] = mapped_column(String(300), primary_key=True)
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class PlaceState(Base):
    """A channel its platform archived or deleted (`active` false), or brought back (true): an inactive
    place's pulse schedules, meeting series and calendar feeds are not run, and what was queued for it is
    parked (storage/repos/places.py; docs/operations.md, "Archived and deleted channels"). Keyed by the
    workspace or team too: an event only ever changes the place of the workspace or team it came from."""

    __tablename__ = "place_states"
    __table_args__ = (UniqueConstraint("platform", "channel_id", "team_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    channel_id: Mapped[str] = mapped_column(String(300))
    team_id: Mapped[str] = mapped_column(String(200), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=False)
    reason: Mapped[str] = mapped_column(String(32), default="")  # archived, deleted, unarchived, restored
    event_at: Mapped[datetime] = mapped_column(UTCDateTime)  # the platform's time of the event (order guard)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime)
