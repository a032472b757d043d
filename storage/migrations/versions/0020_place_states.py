"""place states: channels archived or deleted on their platform

Revision ID: 0020_place_states
Revises: 0010_outbox_claim_order
Create Date: 2026-11-27
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.models.base

revision: str = "0020_place_states"
down_revision: str | Sequence[str] | None = "0010_outbox_claim_order"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "place_states",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("channel_id", sa.String(length=300), nullable=False),
        sa.Column("team_id", sa.String(length=200), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column("event_at", storage.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("changed_at", storage.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_place_states")),
        sa.UniqueConstraint("platform", "channel_id", "team_id",
                            name=op.f("uq_place_states_platform_channel_id_team_id")),
    )


def downgrade() -> None:
    op.drop_table("place_states")
