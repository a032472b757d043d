"""meetings

Revision ID: 0200_meetings
Revises:
Create Date: 2026-11-22
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import storage.models.base

revision: str = "0200_meetings"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ("meetings",)
depends_on: str | Sequence[str] | None = "0001_foundation"


def upgrade() -> None:
    op.create_table(
        "meeting_series",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("channel_id", sa.String(length=300), nullable=False),
        sa.Column("team_id", sa.String(length=200), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("organiser_id", sa.String(length=200), nullable=False),
        sa.Column("organiser_name", sa.String(length=200), nullable=False),
        sa.Column("tz", sa.String(length=64), nullable=False),
        sa.Column(
            "rule",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("duration_minutes", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("materialized_until", storage.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", storage.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meeting_series")),
    )
    with op.batch_alter_table("meeting_series", schema=None) as batch_op:
        batch_op.create_index("ix_meeting_series_due", ["active", "materialized_until"], unique=False)

    op.create_table(
        "timeboxes",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("channel_id", sa.String(length=300), nullable=False),
        sa.Column("team_id", sa.String(length=200), nullable=False),
        sa.Column("thread_id", sa.String(length=300), nullable=True),
        sa.Column("active_key", sa.String(length=700), nullable=True),
        sa.Column("topic", sa.String(length=300), nullable=False),
        sa.Column("started_by", sa.String(length=200), nullable=False),
        sa.Column("started_at", storage.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("planned_seconds", sa.Integer(), nullable=False),
        sa.Column("ends_at", storage.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("generation", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("finished_at", storage.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("meeting_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_timeboxes")),
    )
    with op.batch_alter_table("timeboxes", schema=None) as batch_op:
        batch_op.create_index("ix_timeboxes_active", ["active_key"], unique=True)
        batch_op.create_index("ix_timeboxes_meeting", ["meeting_id"], unique=False)

    op.create_table(
        "meetings",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("channel_id", sa.String(length=300), nullable=False),
        sa.Column("team_id", sa.String(length=200), nullable=False),
        sa.Column("series_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("organiser_id", sa.String(length=200), nullable=False),
        sa.Column("organiser_name", sa.String(length=200), nullable=False),
        sa.Column("tz", sa.String(length=64), nullable=False),
        sa.Column("starts_at", storage.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("duration_minutes", sa.Integer(), nullable=False),
        sa.Column("ends_at", storage.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("open_minutes", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", storage.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("started_at", storage.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("ended_at", storage.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("cancelled_at", storage.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("actual_minutes", sa.Float(), nullable=True),
        sa.Column("had_agenda", sa.Boolean(), nullable=True),
        sa.Column("attendees", sa.Integer(), nullable=True),
        sa.Column("questions_total", sa.Integer(), nullable=True),
        sa.Column("questions_answered", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["series_id"],
            ["meeting_series.id"],
            name=op.f("fk_meetings_series_id_meeting_series"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meetings")),
        sa.UniqueConstraint("series_id", "starts_at", name=op.f("uq_meetings_series_id_starts_at")),
    )
    with op.batch_alter_table("meetings", schema=None) as batch_op:
        batch_op.create_index(
            "ix_meetings_channel_start", ["platform", "channel_id", "starts_at"], unique=False
        )

    op.create_table(
        "agenda_items",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("meeting_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("text", sa.String(length=300), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=True),
        sa.Column("added_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", storage.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["meetings.id"],
            name=op.f("fk_agenda_items_meeting_id_meetings"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agenda_items")),
    )
    with op.batch_alter_table("agenda_items", schema=None) as batch_op:
        batch_op.create_index("ix_agenda_items_meeting", ["meeting_id", "position"], unique=False)

    op.create_table(
        "preread_questions",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("meeting_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("text", sa.String(length=400), nullable=False),
        sa.Column("asked_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", storage.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["meetings.id"],
            name=op.f("fk_preread_questions_meeting_id_meetings"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_preread_questions")),
    )
    with op.batch_alter_table("preread_questions", schema=None) as batch_op:
        batch_op.create_index("ix_preread_questions_meeting", ["meeting_id", "position"], unique=False)

    op.create_table(
        "preread_answers",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("question_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("answered_by", sa.String(length=200), nullable=False),
        sa.Column("answered_by_name", sa.String(length=200), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", storage.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", storage.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["question_id"],
            ["preread_questions.id"],
            name=op.f("fk_preread_answers_question_id_preread_questions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_preread_answers")),
        sa.UniqueConstraint(
            "question_id", "answered_by", name=op.f("uq_preread_answers_question_id_answered_by")
        ),
    )


def downgrade() -> None:
    op.drop_table("preread_answers")
    with op.batch_alter_table("preread_questions", schema=None) as batch_op:
        batch_op.drop_index("ix_preread_questions_meeting")

    op.drop_table("preread_questions")
    with op.batch_alter_table("agenda_items", schema=None) as batch_op:
        batch_op.drop_index("ix_agenda_items_meeting")

    op.drop_table("agenda_items")
    with op.batch_alter_table("meetings", schema=None) as batch_op:
        batch_op.drop_index("ix_meetings_channel_start")

    op.drop_table("meetings")
    with op.batch_alter_table("timeboxes", schema=None) as batch_op:
        batch_op.drop_index("ix_timeboxes_meeting")
        batch_op.drop_index("ix_timeboxes_active")

    op.drop_table("timeboxes")
    with op.batch_alter_table("meeting_series", schema=None) as batch_op:
        batch_op.drop_index("ix_meeting_series_due")

    op.drop_table("meeting_series")
