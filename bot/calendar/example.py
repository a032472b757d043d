"""The bundled example calendar for `steadybot demo` (`:calendar`): a weekly standup (Mon/Wed/Fri 09:30
Berlin, across the daylight-saving changes), a Tuesday sprint planning whose description is its agenda,
and one cancelled standup. The file is Google-shaped (X-WR-TIMEZONE, VTIMEZONE); its one placeholder, the
cancelled standup, is filled with the second standup after the demo's start so the newcomer sees it
missing from the list."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from handlers.core.clock import Clock
from handlers.meetings.calendar_ports import CalendarFetcher, Fetched

EXAMPLE_URL = "https://calendar.example.com/steadybot/example.ics"
EXAMPLE_FILE = Path(__file__).with_name("example.ics")
BERLIN = ZoneInfo("Europe/Berlin")
STANDUP_DAYS = (0, 2, 4)  # Monday, Wednesday, Friday


def example_body(now: datetime) -> bytes:
    local = now.astimezone(BERLIN)
    standups: list[datetime] = []
    day = local.date()
    while len(standups) < 2:
        start = datetime.combine(day, time(9, 30), BERLIN)
        if day.weekday() in STANDUP_DAYS and start > local:
            standups.append(start)
        day += timedelta(days=1)
    cancelled = standups[1]
    text = EXAMPLE_FILE.read_text(encoding="utf-8")
    text = text.replace("{{CANCELLED}}", cancelled.strftime("%Y%m%dT%H%M%S"))
    text = text.replace("{{CANCELLED_END}}", (cancelled + timedelta(minutes=15)).strftime("%Y%m%dT%H%M%S"))
    return text.encode()


@dataclass
class ExampleFetcher:
    """The demo's fetcher: the example address from the bundled file, anything else from the real fetcher."""

    inner: CalendarFetcher
    clock: Clock

    @property
    def refresh_seconds(self) -> float:
        return self.inner.refresh_seconds

    def normalise(self, url: str) -> str:
        return self.inner.normalise(url)

    async def fetch(self, url: str, etag: str | None, last_modified: str | None) -> Fetched:
        if url == EXAMPLE_URL:
            return Fetched(example_body(self.clock.now()))
        return await self.inner.fetch(url, etag, last_modified)

    async def close(self) -> None:
        close = getattr(self.inner, "close", None)
        if close is not None:
            await close()
