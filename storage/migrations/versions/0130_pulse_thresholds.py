"""pulse thresholds: the threshold a round announced, who sent it, and which rounds were shown first

Revision ID: 0130_pulse_thresholds
Revises: 0110_pulse_totals
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.models.base

revision: str = '0130_pulse_thresholds'
down_revision: str | Sequence[str] | None = '0110_pulse_totals'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FLOOR = 3  # ChannelSettings.MIN_RESPONDENTS_FLOOR
DEFAULT = 5  # ChannelSettings.min_respondents


def upgrade() -> None:
    with op.batch_alter_table('pulse_rounds') as batch:
        batch.add_column(sa.Column('min_respondents', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('sender_id', sa.String(length=200), nullable=True))
        batch.add_column(sa.Column('sender_invited', sa.Boolean(), nullable=True))
    with op.batch_alter_table('pulse_schedules') as batch:
        batch.add_column(sa.Column('refusal_told', sa.Boolean(), nullable=False, server_default=sa.false()))
    op.create_table(
        'pulse_round_shown',
        sa.Column('round_id', sa.BigInteger(), nullable=False),
        sa.Column('shown', sa.Boolean(), nullable=False),
        sa.Column('counted', sa.Integer(), nullable=False),
        sa.Column('decided_at', storage.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['round_id'], ['pulse_rounds.id'],
                                name=op.f('fk_pulse_round_shown_round_id_pulse_rounds'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('round_id', name=op.f('pk_pulse_round_shown')),
    )
    # Rounds from before this revision announced the channel's setting of the time; the best record of it is
    # today's setting (what results used until now), never below the floor. Frozen here, so lowering `min`
    # later cannot show an older round below what it announced.
    rounds = sa.table('pulse_rounds', sa.column('platform'), sa.column('channel_id'),
                      sa.column('min_respondents', sa.Integer()))
    settings = sa.table('channel_settings', sa.column('platform'), sa.column('channel_id'),
                        sa.column('min_respondents', sa.Integer()))
    current = (sa.select(settings.c.min_respondents)
               .where(settings.c.platform == rounds.c.platform, settings.c.channel_id == rounds.c.channel_id)
               .scalar_subquery())
    value = sa.func.coalesce(current, DEFAULT)
    op.execute(rounds.update().values(min_respondents=sa.case((value < FLOOR, FLOOR), else_=value)))


def downgrade() -> None:
    op.drop_table('pulse_round_shown')
    with op.batch_alter_table('pulse_schedules') as batch:
        batch.drop_column('refusal_told')
    with op.batch_alter_table('pulse_rounds') as batch:
        batch.drop_column('sender_invited')
        batch.drop_column('sender_id')
        batch.drop_column('min_respondents')
