"""Fetching iCalendar feeds over HTTP, safely.

- Conditional requests (If-None-Match / If-Modified-Since → 304), timeouts, a size cap on the bytes read
  (after decompression), at most MAX_REDIRECTS redirects followed by hand.
- Server-side request forgery: only http(s); every address a host name resolves to is checked by the
  connector's resolver before a connection is made (so the address checked is the address connected to,
  at every fetch and every redirect), and an IP literal in the URL is checked before the request.
  Link-local addresses (169.254.0.0/16 — cloud metadata —, fe80::/10) are always refused; loopback,
  private and other non-public addresses unless STEADYBOT_CALENDAR_ALLOW_PRIVATE=1.
- The URL is a secret (a Google "secret address"): it is never logged.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import socket
from dataclasses import dataclass
from typing import Any

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult
from yarl import URL

from handlers.meetings.calendar_ports import FeedError, Fetched

log = logging.getLogger("steadybot.calendar")

MAX_BYTES = 10 * 1024 * 1024
MAX_REDIRECTS = 5
USER_AGENT = "steadybot-calendar/1 (+https://github.com/steadybot)"
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def _size(n: int) -> str:
    return f"{n // (1024 * 1024)} MB" if n >= 1024 * 1024 else f"{max(n // 1024, 1)} KB"


class RefusedAddress(OSError):
    """The host resolves only to addresses steadybot must not connect to."""

    def __init__(self, why: str) -> None:
        super().__init__(why)
        self.why = why


def refusal(ip: Address, allow_private: bool) -> str | None:
    """Why steadybot won't connect to `ip`, or None when it may."""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.is_link_local:
        return "a link-local address (cloud metadata services live there)"
    if ip.is_multicast or ip.is_unspecified:
        return "a reserved address"
    if ip.is_global:
        return None
    if allow_private:
        return None
    if ip.is_loopback:
        return "this server itself (a loopback address)"
    return "a private network address"


def _literal(host: str) -> Address | None:
    try:
        return ipaddress.ip_address(host.strip("[]").split("%", 1)[0])
    except ValueError:
        return None


class GuardedResolver(AbstractResolver):
    """Resolves like aiohttp's threaded resolver, then drops every address steadybot must not connect to."""

    def __init__(self, allow_private: bool, inner: AbstractResolver | None = None) -> None:
        self.allow_private = allow_private
        self.inner = inner or aiohttp.ThreadedResolver()

    async def resolve(self, host: str, port: int = 0,
                      family: socket.AddressFamily = socket.AF_INET) -> list[ResolveResult]:
        results = await self.inner.resolve(host, port, family)
        allowed: list[ResolveResult] = []
        why = ""
        for result in results:
            ip = _literal(str(result["host"]))
            reason = "an unreadable address" if ip is None else refusal(ip, self.allow_private)
            if reason is None:
                allowed.append(result)
            else:
                why = reason
        if not allowed:
            raise RefusedAddress(why or "no address")
        return allowed

    async def close(self) -> None:
        await self.inner.close()


@dataclass
class FeedFetcher:
    """The CalendarFetcher port (handlers/meetings/calendar_ports.py) over aiohttp."""

    refresh_seconds: float = 600.0
    allow_private: bool = False
    max_bytes: int = MAX_BYTES
    timeout: float = 20.0
    _session: aiohttp.ClientSession | None = None

    def normalise(self, url: str) -> str:
        # The address as the person typed it: the Slack adapter already decoded Slack's `<url|label>` and
        # `&amp;` (bot/slack/markup.py), so nothing is unescaped here: a `%26` or `&amp;` typed on purpose
        # stays. Angle brackets around an address (`<https://…>`, as some people write one) are dropped.
        text = url.strip().strip("<>").strip()
        if text.lower().startswith("webcal://"):  # iCloud and Outlook hand out webcal:// addresses
            text = "https://" + text[len("webcal://"):]
        try:
            parsed = URL(text)
        except (ValueError, TypeError) as exc:
            raise FeedError("isn't a web address") from exc
        if parsed.scheme not in ("http", "https") or not parsed.host:
            raise FeedError("isn't an http(s) address (a calendar's address starts with https://)")
        if parsed.user or parsed.password:
            raise FeedError("has a user name or password in it; use the calendar's secret address instead")
        return str(parsed)

    def label(self, url: str) -> str:
        return URL(url).host or "calendar"

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(resolver=GuardedResolver(self.allow_private), use_dns_cache=False,
                                             limit=8, force_close=True)
            self._session = aiohttp.ClientSession(
                connector=connector, trust_env=False,
                timeout=aiohttp.ClientTimeout(total=self.timeout, sock_connect=min(10.0, self.timeout)),
                headers={"User-Agent": USER_AGENT, "Accept": "text/calendar, text/plain;q=0.5, */*;q=0.1"},
            )
        return self._session

    def _check_literal(self, url: URL) -> None:
        if url.scheme not in ("http", "https") or not url.host:
            raise FeedError("redirects to an address that isn't http(s)")
        ip = _literal(url.host)
        if ip is not None and (why := refusal(ip, self.allow_private)):
            raise FeedError(f"points to {why}, which I don't fetch")

    async def fetch(self, url: str, etag: str | None, last_modified: str | None) -> Fetched:
        headers: dict[str, str] = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        current = URL(self.normalise(url))
        try:
            async with asyncio.timeout(self.timeout):
                for _ in range(MAX_REDIRECTS + 1):
                    self._check_literal(current)
                    async with self._client().get(current, headers=headers, allow_redirects=False) as response:
                        if response.status in (301, 302, 303, 307, 308):
                            location = response.headers.get("Location", "")
                            if not location:
                                raise FeedError(f"answered a redirect (HTTP {response.status}) without a target")
                            current = current.join(URL(location))
                            continue
                        return await self._answer(response)
                raise FeedError("redirects too many times")
        except FeedError:
            raise
        except aiohttp.ClientConnectorDNSError as exc:
            cause = exc.__cause__ or getattr(exc, "os_error", None)
            if isinstance(cause, RefusedAddress):
                raise FeedError(f"points to {cause.why}, which I don't fetch") from None
            raise FeedError("has a host name that doesn't resolve", transient=True) from None
        except RefusedAddress as exc:
            raise FeedError(f"points to {exc.why}, which I don't fetch") from None
        except TimeoutError:
            raise FeedError("took too long to answer", transient=True) from None
        except (aiohttp.ClientError, OSError) as exc:
            log.info("calendar fetch failed: %s", type(exc).__name__)
            raise FeedError("couldn't be reached", transient=True) from None

    async def _answer(self, response: aiohttp.ClientResponse) -> Fetched:
        etag = response.headers.get("ETag")
        modified = response.headers.get("Last-Modified")
        if response.status == 304:
            return Fetched(None, etag, modified)
        if response.status in (401, 403):
            raise FeedError(f"refused access (HTTP {response.status}): use the calendar's secret or public "
                            "address")
        if response.status in (404, 410):
            raise FeedError(f"wasn't found (HTTP {response.status}) — the address may have been reset")
        if response.status == 429 or response.status >= 500:
            raise FeedError(f"had a problem on its side (HTTP {response.status})", transient=True)
        if response.status != 200:
            raise FeedError(f"answered HTTP {response.status} instead of a calendar")
        length = response.headers.get("Content-Length", "")
        if length.isdigit() and int(length) > self.max_bytes:
            raise FeedError(f"is larger than {_size(self.max_bytes)}")
        chunks: list[bytes] = []
        size = 0
        async for chunk in response.content.iter_chunked(64 * 1024):
            size += len(chunk)
            if size > self.max_bytes:
                raise FeedError(f"is larger than {_size(self.max_bytes)}")
            chunks.append(chunk)
        return Fetched(b"".join(chunks), etag, modified)

    async def close(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()

    def __repr__(self) -> str:  # never print a session or anything fetched
        return f"FeedFetcher(refresh={self.refresh_seconds}, allow_private={self.allow_private})"

    def __hash__(self) -> int:
        return id(self)

    def __eq__(self, other: Any) -> bool:
        return self is other
