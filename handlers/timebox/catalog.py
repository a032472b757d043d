"""What the registry names for `/timebox` before any of its handlers runs: its outbox kinds (a restart loads
this, not the feature)."""

from __future__ import annotations

WARN, ITEM, CLOSE = "timebox.warn", "timebox.item", "timebox.close"
