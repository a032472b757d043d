"""pulse sealing: answers wait for their round's seal encrypted (pulse_pending), journal entries are encrypted
per person (pulse_journal.box), the secret's fingerprint is kept (steadybot_keys), the Teams journal cards a
person can delete are recorded (pulse_journal_messages), and every invited person has a pulse_people row

Revision ID: 0120_pulse_sealing
Revises: 0110_pulse_totals
Create Date: 2026-11-25

Existing data: answers already stored in plain text for a round that is still open stay where they are until
that round's seal, which rewrites them shuffled together with the encrypted ones (they were written before
this revision; encrypting them now would not take them out of earlier backups). Journal entries written
before this revision are encrypted by the bot at its first start with the secret (a migration has no key),
and their plain-text columns emptied; the scrub that follows removes the old bytes.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0120_pulse_sealing'
down_revision: str | Sequence[str] | None = '0110_pulse_totals'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'pulse_pending',
        sa.Column('id', sa.String(length=36), nullable=False),
        sa.Column('round_id', sa.BigInteger(), nullable=False),
        sa.Column('box', sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(['round_id'], ['pulse_rounds.id'],
                                name=op.f('fk_pulse_pending_round_id_pulse_rounds'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_pulse_pending')),
        sqlite_with_rowid=False,
    )
    with op.batch_alter_table('pulse_pending', schema=None) as batch_op:
        batch_op.create_index('ix_pulse_pending_round', ['round_id'], unique=False)
    op.create_table(
        'steadybot_keys',
        sa.Column('name', sa.String(length=64), nullable=False),
        sa.Column('fingerprint', sa.String(length=128), nullable=False),
        sa.PrimaryKeyConstraint('name', name=op.f('pk_steadybot_keys')),
    )
    op.create_table(
        'pulse_journal_messages',
        sa.Column('id', sa.String(length=36), nullable=False),
        sa.Column('platform', sa.String(length=16), nullable=False),
        sa.Column('user_id', sa.String(length=200), nullable=False),
        sa.Column('channel_id', sa.String(length=300), nullable=False),
        sa.Column('message_id', sa.String(length=300), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_pulse_journal_messages')),
    )
    with op.batch_alter_table('pulse_journal_messages', schema=None) as batch_op:
        batch_op.create_index('ix_pulse_journal_messages_person', ['platform', 'user_id'], unique=False)
    with op.batch_alter_table('pulse_journal', schema=None) as batch_op:
        batch_op.add_column(sa.Column('box', sa.LargeBinary(), nullable=True))
    # Everyone already invited gets the per-person row an invitation creates from now on.
    op.execute(
        "INSERT INTO pulse_people (platform, user_id, opted_out, journal, journal_asked, reflect) "
        "SELECT DISTINCT p.platform, p.user_id, false, false, false, false FROM pulse_participation p "
        "WHERE NOT EXISTS (SELECT 1 FROM pulse_people q WHERE q.platform = p.platform AND q.user_id = p.user_id)"
    )


def downgrade() -> None:
    with op.batch_alter_table('pulse_journal', schema=None) as batch_op:
        batch_op.drop_column('box')
    op.drop_table('pulse_journal_messages')
    op.drop_table('steadybot_keys')
    op.drop_table('pulse_pending')
