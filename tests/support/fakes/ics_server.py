"""A local HTTP server that serves calendar feeds the way real ones behave: ETag / Last-Modified with 304
on conditional requests, redirects, 404s, slow answers, huge bodies, HTML instead of iCalendar."""

from __future__ import annotations

import asyncio
import hashlib
from dataclasses import dataclass, field

from aiohttp import web

from support.fake_server import FakeServer


@dataclass
class Served:
    body: bytes
    status: int = 200
    delay: float = 0.0
    redirect: str | None = None
    content_type: str = "text/calendar"
    conditional: bool = True  # answers 304 to a matching If-None-Match / If-Modified-Since
    last_modified: str = "Mon, 02 Mar 2026 08:00:00 GMT"
    chunked: bool = False  # no Content-Length (the size cap must count what it reads)

    @property
    def etag(self) -> str:
        return '"' + hashlib.sha256(self.body).hexdigest()[:16] + '"'


@dataclass
class FeedServer(FakeServer):
    feeds: dict[str, Served] = field(default_factory=dict)
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    answered_304: list[str] = field(default_factory=list)

    def url(self, name: str, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}/{name}"

    def hits(self, name: str) -> int:
        return sum(1 for path, _ in self.requests if path == name)

    def not_modified(self, name: str) -> int:
        return sum(1 for path in self.answered_304 if path == name)

    async def handle(self, request: web.Request) -> web.StreamResponse:
        name = request.match_info["name"]
        self.requests.append((name, dict(request.headers)))
        served = self.feeds.get(name)
        if served is None:
            return web.Response(status=404, text="Not Found")
        if served.delay:
            await asyncio.sleep(served.delay)
        if served.redirect is not None:
            raise web.HTTPFound(served.redirect)
        if served.status != 200:
            return web.Response(status=served.status, text="error")
        headers = {"ETag": served.etag, "Last-Modified": served.last_modified}
        tag = request.headers.get("If-None-Match")  # RFC 9110 13.2.2: it takes precedence over the date
        fresh = tag == served.etag if tag is not None else \
            request.headers.get("If-Modified-Since") == served.last_modified
        if served.conditional and fresh:
            self.answered_304.append(name)
            return web.Response(status=304, headers=headers)
        if served.chunked:
            response = web.StreamResponse(headers={**headers, "Content-Type": served.content_type})
            response.enable_chunked_encoding()
            await response.prepare(request)
            for start in range(0, len(served.body), 65536):
                await response.write(served.body[start:start + 65536])
            await response.write_eof()
            return response
        return web.Response(body=served.body, headers={**headers, "Content-Type": served.content_type})

    def routes(self) -> list[web.RouteDef]:
        return [web.get("/{name:.+}", self.handle)]
