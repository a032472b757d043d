"""The moments the meeting-length tests read texts at, in Berlin, and how they show a meeting's start."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)  # Saturday 28 November 2026, 10:00 in Berlin
# Europe/Berlin leaves summer time on Sunday 25 October 2026 (03:00 CEST -> 02:00 CET)
BERLIN_EVE = datetime(2026, 10, 24, 8, 0, tzinfo=UTC)  # Saturday 10:00 CEST


def local(moment: datetime | None) -> str:
    """`moment` on Berlin's wall clock, as "Sun 29 Nov 15:00"."""
    assert moment is not None
    return f"{moment.astimezone(BERLIN):%a %d %b %H:%M}"
