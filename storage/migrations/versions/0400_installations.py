"""Slack OAuth v2 installations (many workspaces), the workspace → organisation map, and OAuth states

Revision ID: 0400_installations
Revises:
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.models.base

revision: str = "0400_installations"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ("installations",)
depends_on: str | Sequence[str] | None = "0001_foundation"


def upgrade() -> None:
    op.create_table(
        "slack_installations",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("enterprise_id", sa.String(length=32), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("is_enterprise_install", sa.Boolean(), nullable=False),
        sa.Column("has_bot", sa.Boolean(), nullable=False),
        sa.Column("sealed", sa.LargeBinary(), nullable=False),
        sa.Column("installed_at", storage.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_slack_installations")),
        sa.UniqueConstraint("enterprise_id", "team_id", "user_id",
                            name=op.f("uq_slack_installations_enterprise_id_team_id_user_id")),
    )
    op.create_index("ix_slack_installations_team", "slack_installations", ["team_id"], unique=False)
    op.create_table(
        "slack_teams",
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("enterprise_id", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("team_id", name=op.f("pk_slack_teams")),
    )
    op.create_table(
        "slack_oauth_states",
        sa.Column("state", sa.String(length=200), nullable=False),
        sa.Column("expires_at", storage.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("state", name=op.f("pk_slack_oauth_states")),
    )


def downgrade() -> None:
    op.drop_table("slack_oauth_states")
    op.drop_table("slack_teams")
    op.drop_index("ix_slack_installations_team", table_name="slack_installations")
    op.drop_table("slack_installations")
