"""The ways the database can be unavailable that callers tell apart, importable without the engine
(storage/db.py raises them; the outbox worker catches them from its start, before any engine exists)."""

from __future__ import annotations

from handlers.core.errors import StorageUnavailable


class DatabaseDown(StorageUnavailable):
    """Failing fast: the database failed a moment ago and the breaker has not let a new try through yet."""


class BusyPool(StorageUnavailable):
    """Every connection stayed busy for a long time: load, not an outage (the breaker stays closed)."""
