"""timeboxes: an index for the reports' per-channel totals of finished timers

Revision ID: 0230_timebox_totals
Revises: 0220_time_off
Create Date: 2026-11-26

The timeboxes table belongs to the meetings branch (0200_meetings created it), so its index does too.
`TimeboxRepo.totals` sums a channel's timers that started in a window: (platform, channel_id, started_at)
is the range it reads, as `ix_meetings_channel_start` is for a channel's meetings.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0230_timebox_totals"
down_revision: str | Sequence[str] | None = "0220_time_off"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_timeboxes_channel_start", "timeboxes", ["platform", "channel_id", "started_at"],
                    unique=False)


def downgrade() -> None:
    op.drop_index("ix_timeboxes_channel_start", table_name="timeboxes")
