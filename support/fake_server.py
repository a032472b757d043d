"""The start and stop every local fake shares: an aiohttp app on a free port of 127.0.0.1."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Self

from aiohttp import web
from aiohttp.test_utils import TestServer


class FakeServer:
    """A fake service: `routes()` names what it answers; `start()` serves them, `close()` stops."""

    _server: TestServer | None = None

    def routes(self) -> Sequence[web.RouteDef]:
        """What this fake answers (each fake lists its own)."""
        return ()

    async def start(self) -> Self:
        app = web.Application()
        app.add_routes(self.routes())
        self._server = TestServer(app, host="127.0.0.1")
        await self._server.start_server()
        return self

    async def close(self) -> None:
        if self._server is not None:
            await self._server.close()

    def address(self, path: str = "/") -> str:
        """The absolute URL of `path` on this fake (started)."""
        assert self._server is not None, "start() the fake first"
        return str(self._server.make_url(path))

    @property
    def port(self) -> int:
        assert self._server is not None and self._server.port is not None, "start() the fake first"
        return self._server.port
