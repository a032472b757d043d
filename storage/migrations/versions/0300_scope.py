"""scope

Revision ID: 0300_scope
Revises:
Create Date: 2026-11-22
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.models.base

revision: str = '0300_scope'
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ('scope',)
depends_on: str | Sequence[str] | None = '0001_foundation'


def upgrade() -> None:
    op.create_table('scope_channels',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('platform', sa.String(length=16), nullable=False),
    sa.Column('channel_id', sa.String(length=300), nullable=False),
    sa.Column('threshold_offset', sa.Float(), nullable=False),
    sa.Column('dismissals', sa.Integer(), nullable=False),
    sa.Column('updated_at', storage.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_scope_channels')),
    sa.UniqueConstraint('platform', 'channel_id', name=op.f('uq_scope_channels_platform_channel_id'))
    )
    op.create_table('scope_items',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('platform', sa.String(length=16), nullable=False),
    sa.Column('channel_id', sa.String(length=300), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('text', sa.String(length=300), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('prompt_id', sa.BigInteger(), nullable=True),
    sa.Column('meeting_id', sa.BigInteger(), nullable=True),
    sa.Column('meeting_title', sa.String(length=300), nullable=True),
    sa.Column('created_at', storage.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('closed_at', storage.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_scope_items'))
    )
    with op.batch_alter_table('scope_items', schema=None) as batch_op:
        batch_op.create_index('ix_scope_items_list', ['platform', 'channel_id', 'kind', 'status'], unique=False)

    op.create_table('scope_prompts',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('platform', sa.String(length=16), nullable=False),
    sa.Column('channel_id', sa.String(length=300), nullable=False),
    sa.Column('team_id', sa.String(length=200), nullable=False),
    sa.Column('thread_id', sa.String(length=300), nullable=True),
    sa.Column('thread_root', sa.String(length=300), nullable=True),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('request', sa.Text(), nullable=False),
    sa.Column('quote', sa.String(length=300), nullable=False),
    sa.Column('score', sa.Float(), nullable=True),
    sa.Column('outcome', sa.String(length=16), nullable=True),
    sa.Column('added', sa.String(length=300), nullable=True),
    sa.Column('dropped', sa.String(length=300), nullable=True),
    sa.Column('extension', sa.String(length=40), nullable=True),
    sa.Column('meeting_title', sa.String(length=300), nullable=True),
    sa.Column('false_alarm', sa.Boolean(), nullable=False),
    sa.Column('created_at', storage.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('decided_at', storage.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_scope_prompts')),
    sa.UniqueConstraint('platform', 'channel_id', 'thread_root', name=op.f('uq_scope_prompts_platform_channel_id_thread_root'))
    )
    with op.batch_alter_table('scope_prompts', schema=None) as batch_op:
        batch_op.create_index('ix_scope_prompts_channel', ['platform', 'channel_id', 'created_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('scope_prompts', schema=None) as batch_op:
        batch_op.drop_index('ix_scope_prompts_channel')

    op.drop_table('scope_prompts')
    with op.batch_alter_table('scope_items', schema=None) as batch_op:
        batch_op.drop_index('ix_scope_items_list')

    op.drop_table('scope_items')
    op.drop_table('scope_channels')
