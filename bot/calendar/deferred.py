"""The calendar feeds' port (`services.ports["calendar"]`) as a start builds it: the fetcher itself
(bot/calendar/fetch.py, which imports the meetings feature's calendar types) is built by the first feed
read, not when the process starts (docs/benchmarks.md, "Cold start")."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.calendar.fetch import FeedFetcher
    from handlers.meetings.calendar_ports import Fetched


class DeferredFetcher:
    """A CalendarFetcher (handlers/meetings/calendar_ports.py) that builds its FeedFetcher on first use."""

    def __init__(self, refresh_seconds: float, allow_private: bool) -> None:
        self.refresh_seconds = refresh_seconds
        self.allow_private = allow_private
        self._fetcher: FeedFetcher | None = None

    def built(self) -> FeedFetcher:
        if self._fetcher is None:
            from bot.calendar.fetch import FeedFetcher

            self._fetcher = FeedFetcher(self.refresh_seconds, self.allow_private)
        return self._fetcher

    def normalise(self, url: str) -> str:
        return self.built().normalise(url)

    async def fetch(self, url: str, etag: str | None, last_modified: str | None) -> Fetched:
        return await self.built().fetch(url, etag, last_modified)

    async def close(self) -> None:
        if self._fetcher is not None:
            await self._fetcher.close()
