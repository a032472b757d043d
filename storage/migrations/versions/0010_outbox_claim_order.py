"""outbox: the claim's indexes end with its ORDER BY's tie-breaker (id)

Revision ID: 0010_outbox_claim_order
Revises: 0001_foundation
Create Date: 2026-11-26

The claim takes due rows in (due_at, id) order and rows with a lapsed lease in (lease_until, id) order.
With `id` in the index, PostgreSQL reads the first rows of the index range and stops (a plain index scan,
no sort); without it, it could pick a bitmap scan and sort, and a bitmap scan walks every dead index
entry left by earlier claims until the next VACUUM (docs/benchmarks.md#outbox-claim).
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0010_outbox_claim_order"
down_revision: str | Sequence[str] | None = "0001_foundation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index("ix_outbox_due", table_name="outbox")
    op.create_index("ix_outbox_due", "outbox", ["status", "due_at", "id"], unique=False)
    op.drop_index("ix_outbox_lease", table_name="outbox")
    op.create_index("ix_outbox_lease", "outbox", ["status", "lease_until", "id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_outbox_lease", table_name="outbox")
    op.create_index("ix_outbox_lease", "outbox", ["status", "lease_until"], unique=False)
    op.drop_index("ix_outbox_due", table_name="outbox")
    op.create_index("ix_outbox_due", "outbox", ["status", "due_at"], unique=False)
