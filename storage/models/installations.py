"""Slack OAuth v2 installations (many workspaces, Enterprise Grid org-wide installs) and OAuth states.

One row per installation key: (enterprise id or "", team id or "" for an org-wide install, installer or
"" for the latest). The tokens are never stored in clear: `sealed` is the installation (slack_sdk's
`Installation.to_dict()`) as JSON, encrypted with AES-GCM under a key derived from the server secret
(purpose "slack-installations"); the other columns are ids only, for lookups.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Index, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, BigId, UTCDateTime


class SlackInstallationRow(Base):
    __tablename__ = "slack_installations"
    __table_args__ = (UniqueConstraint("enterprise_id", "team_id", "user_id"),
                      Index("ix_slack_installations_team", "team_id"))

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    enterprise_id: Mapped[str] = mapped_column(String(32), default="")
    team_id: Mapped[str] = mapped_column(String(32), default="")  # "" for an org-wide install
    user_id: Mapped[str] = mapped_column(String(32), default="")  # "" = the workspace's latest installation
    is_enterprise_install: Mapped[bool] = mapped_column(Boolean, default=False)
    has_bot: Mapped[bool] = mapped_column(Boolean, default=True)
    sealed: Mapped[bytes] = mapped_column(LargeBinary)
    installed_at: Mapped[datetime] = mapped_column(UTCDateTime)


class SlackTeamRow(Base):
    """Which Enterprise Grid organisation a workspace belongs to (learned from its requests), so that a
    send to a workspace of an org-wide install finds the org's token."""

    __tablename__ = "slack_teams"

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    enterprise_id: Mapped[str] = mapped_column(String(32))


class SlackOAuthStateRow(Base):
    __tablename__ = "slack_oauth_states"

    state: Mapped[str] = mapped_column(String(200), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
