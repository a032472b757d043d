"""The feed fetcher against a real local HTTP server: conditional requests, redirects, errors, time and
size limits, and the address checks against server-side request forgery (at every fetch and redirect)."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp.abc import AbstractResolver, ResolveResult

from bot.calendar.fetch import FeedFetcher, GuardedResolver, refusal
from handlers.meetings.calendar_ports import FeedError
from tests.support.fakes.ics_server import FeedServer, Served

DATA = Path(__file__).resolve().parents[1] / "data" / "calendars"
GOOGLE = (DATA / "google_team.ics").read_bytes()


@pytest.fixture
async def server() -> AsyncIterator[FeedServer]:
    feeds = await FeedServer().start()
    try:
        yield feeds
    finally:
        await feeds.close()


@pytest.fixture
async def fetcher() -> AsyncIterator[FeedFetcher]:
    f = FeedFetcher(allow_private=True, timeout=2.0, max_bytes=256 * 1024)
    try:
        yield f
    finally:
        await f.close()


async def test_conditional_requests_get_304_with_etag_and_last_modified(server: FeedServer,
                                                                        fetcher: FeedFetcher) -> None:
    server.feeds["team.ics"] = Served(GOOGLE)
    first = await fetcher.fetch(server.url("team.ics"), None, None)
    assert first.body == GOOGLE and first.etag and first.last_modified
    again = await fetcher.fetch(server.url("team.ics"), first.etag, None)
    assert again.not_modified
    assert server.requests[-1][1]["If-None-Match"] == first.etag
    by_date = await fetcher.fetch(server.url("team.ics"), None, first.last_modified)
    assert by_date.not_modified
    server.feeds["team.ics"] = Served(GOOGLE.replace(b"Weekly standup", b"Daily standup"),
                                      last_modified="Tue, 03 Mar 2026 08:00:00 GMT")
    changed = await fetcher.fetch(server.url("team.ics"), first.etag, first.last_modified)
    assert changed.body is not None and b"Daily standup" in changed.body and changed.etag != first.etag


async def test_redirects_are_followed_and_checked(server: FeedServer, fetcher: FeedFetcher) -> None:
    server.feeds["team.ics"] = Served(GOOGLE)
    server.feeds["old.ics"] = Served(b"", redirect="/team.ics")
    assert (await fetcher.fetch(server.url("old.ics"), None, None)).body == GOOGLE
    server.feeds["loop.ics"] = Served(b"", redirect="/loop.ics")
    with pytest.raises(FeedError, match="redirects too many times"):
        await fetcher.fetch(server.url("loop.ics"), None, None)
    server.feeds["metadata.ics"] = Served(b"", redirect="http://169.254.169.254/latest/meta-data/")
    with pytest.raises(FeedError, match="link-local"):
        await fetcher.fetch(server.url("metadata.ics"), None, None)
    assert not any(path.startswith("latest") for path, _ in server.requests)
    server.feeds["file.ics"] = Served(b"", redirect="file:///etc/passwd")
    with pytest.raises(FeedError, match="isn't http"):
        await fetcher.fetch(server.url("file.ics"), None, None)


async def test_errors_have_reasons(server: FeedServer, fetcher: FeedFetcher) -> None:
    with pytest.raises(FeedError, match="wasn't found \\(HTTP 404\\)") as gone:
        await fetcher.fetch(server.url("missing.ics"), None, None)
    assert not gone.value.transient
    server.feeds["down.ics"] = Served(b"", status=503)
    with pytest.raises(FeedError, match="HTTP 503") as down:
        await fetcher.fetch(server.url("down.ics"), None, None)
    assert down.value.transient
    server.feeds["private.ics"] = Served(b"", status=403)
    with pytest.raises(FeedError, match="refused access"):
        await fetcher.fetch(server.url("private.ics"), None, None)


async def test_slow_and_huge_feeds_are_cut_off(server: FeedServer, fetcher: FeedFetcher) -> None:
    server.feeds["slow.ics"] = Served(GOOGLE, delay=5.0)
    with pytest.raises(FeedError, match="took too long") as slow:
        await fetcher.fetch(server.url("slow.ics"), None, None)
    assert slow.value.transient
    huge = GOOGLE + b" " * (512 * 1024)
    server.feeds["huge.ics"] = Served(huge)
    with pytest.raises(FeedError, match="larger than 256 KB"):
        await fetcher.fetch(server.url("huge.ics"), None, None)
    server.feeds["stream.ics"] = Served(huge, chunked=True)  # no Content-Length: counted while reading
    with pytest.raises(FeedError, match="larger than 256 KB"):
        await fetcher.fetch(server.url("stream.ics"), None, None)


async def test_only_http_and_webcal_addresses(fetcher: FeedFetcher) -> None:
    assert fetcher.normalise("webcal://p12-caldav.icloud.com/published/2/abc") == \
        "https://p12-caldav.icloud.com/published/2/abc"
    assert fetcher.normalise("<https://calendar.google.com/calendar/ical/x/basic.ics>") == \
        "https://calendar.google.com/calendar/ical/x/basic.ics"
    for bad in ("ftp://example.com/cal.ics", "file:///etc/passwd", "calendar.google.com/x.ics", "gopher://x",
                "https://user:pw@example.com/cal.ics"):
        with pytest.raises(FeedError):
            fetcher.normalise(bad)


async def test_private_addresses_are_refused_unless_allowed(server: FeedServer) -> None:
    server.feeds["team.ics"] = Served(GOOGLE)
    strict = FeedFetcher(allow_private=False, timeout=2.0)
    try:
        with pytest.raises(FeedError, match="loopback"):
            await strict.fetch(server.url("team.ics"), None, None)  # an IP literal
        with pytest.raises(FeedError, match="loopback|private"):
            await strict.fetch(server.url("team.ics", host="localhost"), None, None)  # a name, resolved
        with pytest.raises(FeedError, match="link-local"):
            await strict.fetch("http://169.254.169.254/latest/meta-data/", None, None)
        with pytest.raises(FeedError, match="link-local"):
            await strict.fetch("http://[fe80::1]/cal.ics", None, None)
    finally:
        await strict.close()
    assert server.requests == []


class _Fixed(AbstractResolver):
    """A DNS answer chosen by the test (a public name that resolves to a metadata address)."""

    def __init__(self, address: str) -> None:
        self.address = address

    async def resolve(self, host: str, port: int = 0,
                      family: socket.AddressFamily = socket.AF_INET) -> list[ResolveResult]:
        return [{"hostname": host, "host": self.address, "port": port, "family": socket.AF_INET, "proto": 0,
                 "flags": socket.AI_NUMERICHOST}]

    async def close(self) -> None:
        return None


async def test_the_resolved_address_is_checked_even_when_private_is_allowed() -> None:
    guarded = GuardedResolver(allow_private=True, inner=_Fixed("169.254.169.254"))
    with pytest.raises(OSError, match="link-local"):
        await guarded.resolve("calendar.example.com", 80)
    assert await GuardedResolver(allow_private=True, inner=_Fixed("10.1.2.3")).resolve("intranet", 80)
    with pytest.raises(OSError, match="private"):
        await GuardedResolver(allow_private=False, inner=_Fixed("10.1.2.3")).resolve("intranet", 80)


def test_address_rules() -> None:
    def why(text: str, allow: bool = False) -> str | None:
        return refusal(ipaddress.ip_address(text), allow)

    assert why("8.8.8.8") is None and why("2606:4700::1111") is None
    assert why("127.0.0.1") and why("127.0.0.1", True) is None
    assert why("192.168.1.10") and why("10.0.0.1") and why("172.16.0.1") and why("100.64.0.1")
    assert why("::1") and why("fd00::1")
    for metadata in ("169.254.169.254", "fe80::1", "::ffff:169.254.169.254"):
        assert why(metadata, True) is not None
    assert why("0.0.0.0", True) is not None
