"""pulse round totals: a sealed round's counts per level, one row per round, for results over long histories

Revision ID: 0110_pulse_totals
Revises: 0100_pulse
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0110_pulse_totals'
down_revision: str | Sequence[str] | None = '0100_pulse'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DIMENSIONS = ("exhaustion", "cynicism", "efficacy", "workload", "burnout")  # as in this revision's schema
COLUMNS = tuple(f"{d}_{level}" for d in DIMENSIONS for level in range(1, 6))


def upgrade() -> None:
    op.create_table(
        'pulse_round_totals',
        sa.Column('round_id', sa.BigInteger(), nullable=False),
        sa.Column('answers', sa.Integer(), nullable=False),
        *(sa.Column(name, sa.Integer(), nullable=False) for name in COLUMNS),
        sa.ForeignKeyConstraint(['round_id'], ['pulse_rounds.id'],
                                name=op.f('fk_pulse_round_totals_round_id_pulse_rounds'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('round_id', name=op.f('pk_pulse_round_totals')),
    )
    # Rounds sealed before this revision get their totals now, computed by the database.
    rounds = sa.table('pulse_rounds', sa.column('id'), sa.column('sealed'))
    answers = sa.table('pulse_answers', sa.column('round_id'), *(sa.column(d) for d in DIMENSIONS))
    totals = sa.table('pulse_round_totals', sa.column('round_id'), sa.column('answers'),
                      *(sa.column(name) for name in COLUMNS))
    query = (
        sa.select(rounds.c.id, sa.func.count(answers.c.round_id),
                  *(sa.func.coalesce(sa.func.sum(sa.case((answers.c[d] == level, 1), else_=0)), 0)
                    for d in DIMENSIONS for level in range(1, 6)))
        .select_from(rounds.outerjoin(answers, answers.c.round_id == rounds.c.id))
        .where(rounds.c.sealed == sa.true())
        .group_by(rounds.c.id)
    )
    op.execute(totals.insert().from_select(['round_id', 'answers', *COLUMNS], query))


def downgrade() -> None:
    op.drop_table('pulse_round_totals')
