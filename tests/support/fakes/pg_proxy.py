"""A small asyncio TCP proxy between the bot and PostgreSQL that a test can cut and restore.

The machine's PostgreSQL keeps running for everyone else; only the connections through this proxy fail.
- `cut("reset")`: every open connection is aborted (RST) and new ones are reset at once — a database that
  restarted or a refused connection.
- `cut("hang")`: connections stay open but nothing goes through, new ones are accepted and ignored — a
  network partition, the nastiest case (timeouts instead of errors).
- `restore()`: new connections are forwarded again (connections from before a hang stay dead, as they
  would after a real partition).
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field
from typing import Literal

Mode = Literal["up", "reset", "hang"]


@dataclass(eq=False)
class _Link:
    client: asyncio.StreamWriter
    server: asyncio.StreamWriter | None = None
    tasks: list[asyncio.Task[None]] = field(default_factory=list)
    dead: bool = False

    def abort(self) -> None:
        self.dead = True
        for writer in (self.client, self.server):
            if writer is not None:
                with contextlib.suppress(Exception):
                    writer.transport.abort()
        for task in self.tasks:
            task.cancel()


class PgProxy:
    def __init__(self, target_host: str = "127.0.0.1", target_port: int = 5432) -> None:
        self.target_host = target_host
        self.target_port = target_port
        self.mode: Mode = "up"
        self.port = 0
        self.connections = 0  # accepted while up (to see that the bot reconnected)
        self._server: asyncio.base_events.Server | None = None
        self._links: set[_Link] = set()

    async def start(self) -> PgProxy:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    def url(self, database_url: str) -> str:
        """The same database URL, through the proxy."""
        from sqlalchemy.engine import make_url

        parsed = make_url(database_url)
        return parsed.set(host="127.0.0.1", port=self.port).render_as_string(hide_password=False)

    def cut(self, mode: Literal["reset", "hang"] = "reset") -> None:
        self.mode = mode
        for link in list(self._links):
            if mode == "reset":
                link.abort()
                self._links.discard(link)
            else:
                link.dead = True  # keep the sockets open, forward nothing

    def restore(self) -> None:
        self.mode = "up"

    async def close(self) -> None:
        for link in list(self._links):
            link.abort()
        self._links.clear()
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), 2)

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        link = _Link(writer)
        if self.mode == "reset":
            link.abort()
            return
        self._links.add(link)
        if self.mode == "hang":
            link.dead = True
            return
        self.connections += 1
        try:
            up_reader, up_writer = await asyncio.open_connection(self.target_host, self.target_port)
        except OSError:
            link.abort()
            self._links.discard(link)
            return
        link.server = up_writer
        link.tasks = [asyncio.ensure_future(self._pipe(link, reader, up_writer)),
                      asyncio.ensure_future(self._pipe(link, up_reader, writer))]

    async def _pipe(self, link: _Link, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while not reader.at_eof():
                data = await reader.read(65536)
                if not data:
                    break
                if link.dead:
                    continue  # partitioned: swallow everything
                writer.write(data)
                await writer.drain()
        except (ConnectionError, OSError, asyncio.CancelledError):
            pass
        finally:
            if not link.dead:
                link.abort()
                self._links.discard(link)
