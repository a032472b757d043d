"""A client in a thread of its own for tests that time an acknowledgement while the server's loop is held.

Slack and Teams read the bot's 200 on other machines, as soon as its bytes are on the wire. A test client on
the server's own event loop (aiohttp's `TestClient`) can read them only once the loop is free, so a test that
holds the loop in the work after the ack (as a SQLite unit on the loop's own connection does) would time the
work, not the ack. `read_in_a_thread` sends the harness's requests with plain `http.client` from a worker thread
and records when each answer had been read there (`ThreadAnswer.read_at`)."""

from __future__ import annotations

import asyncio
import contextlib
import http.client
import time
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest

from tests.support.harness import Harness


@dataclass
class ThreadAnswer:
    """What the thread's client read, in the shape the harness reads an aiohttp response in."""

    status: int
    content_type: str
    body: bytes
    read_at: float  # time.monotonic() when the whole answer had been read, in the client's thread

    async def read(self) -> bytes:
        return self.body

    async def text(self) -> str:
        return self.body.decode(errors="replace")


class ThreadClient:
    """Posts from a thread of its own (plain `http.client`) and records when each answer was fully read."""

    def __init__(self, base_url: str) -> None:
        self.base = urlsplit(base_url)
        self.answers: list[ThreadAnswer] = []

    def _post(self, path: str, data: bytes, headers: dict[str, str]) -> ThreadAnswer:
        conn = http.client.HTTPConnection(self.base.hostname or "127.0.0.1", self.base.port, timeout=10)
        try:
            conn.request("POST", path, body=data, headers=headers)
            response = conn.getresponse()
            body = response.read()
            read_at = time.monotonic()
            content_type = (response.getheader("Content-Type") or "").split(";")[0].strip()
            return ThreadAnswer(response.status, content_type, body, read_at)
        finally:
            conn.close()

    async def post(self, path: str, *, data: bytes | str, headers: dict[str, str]) -> ThreadAnswer:
        raw = data.encode() if isinstance(data, str) else data
        answer = await asyncio.to_thread(self._post, path, raw, headers)
        self.answers.append(answer)
        return answer


@contextlib.contextmanager
def read_in_a_thread(bot: Harness, monkeypatch: pytest.MonkeyPatch) -> Iterator[ThreadClient]:
    """The harness's Slack requests go through a `ThreadClient` while the block runs."""
    client = ThreadClient(str(bot.client.make_url("/")))
    with monkeypatch.context() as patch:
        patch.setattr(bot.client, "post", client.post)
        yield client
