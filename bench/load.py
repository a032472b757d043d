"""The load generator: signed Slack requests and Bot Framework activities, fired in bursts over loopback.

A burst of N sends N requests at once (all prepared and signed beforehand) and records each one's latency
from just before it is written to the moment its whole response has been read. It runs in the benchmark
process, apart from the servers it measures.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import aiohttp

from bench.proc import SIGNING_SECRET
from support import wire

_unique = itertools.count(1)
SCOPE_MESSAGE = "While we're at it, can we also add a CSV export to the release?"


@dataclass(frozen=True, slots=True)
class Prepared:
    path: str
    body: bytes
    headers: dict[str, str]


def slack(body: str, content_type: str = "application/x-www-form-urlencoded") -> Prepared:
    return Prepared("/slack/events", body.encode(), wire.slack_headers(SIGNING_SECRET, body, None, content_type))


def slash(command: str, text: str, *, channel: str, user: str, response_url: str) -> Prepared:
    return slack(wire.slash_body(command, text, user=user, channel=channel, response_url=response_url))


def message_event(channel: str, user: str, text: str = SCOPE_MESSAGE) -> Prepared:
    n = next(_unique)
    event = {"type": "message", "channel": channel, "user": user, "text": text, "ts": f"1770000000.{n:06d}",
             "channel_type": "channel", "event_ts": f"1770000000.{n:06d}"}
    return slack(wire.event_body(event, event_id=f"EvBench{n}"), "application/json")


def teams(activity: dict[str, Any]) -> Prepared:
    return Prepared("/api/messages", json.dumps(activity).encode(), {"Content-Type": "application/json"})


def unique() -> int:
    return next(_unique)




class Client:
    """One keep-alive session; connections are reused across bursts like a busy platform's would be."""

    def __init__(self) -> None:
        self.session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0, force_close=False),
                                             timeout=aiohttp.ClientTimeout(total=30))
        self.errors: list[str] = []

    async def close(self) -> None:
        await self.session.close()

    async def one(self, base: str, request: Prepared, answers: list[tuple[str, float]] | None = None) -> float:
        """One request; its latency in milliseconds. A message in the acknowledgement's body (a slash command
        answered in its ack, which Slack shows to the person) goes to `answers` as (text, time.monotonic() when
        the ack was read): that is when the answer reached the platform."""
        start = time.perf_counter()
        async with self.session.post(base + request.path, data=request.body, headers=request.headers) as response:
            body = await response.read()
            elapsed = time.perf_counter() - start
            read_at = time.monotonic()
            if response.status >= 300:
                self.errors.append(f"{request.path} answered {response.status}")
            elif answers is not None and body and response.content_type == "application/json":
                message = json.loads(body)
                if isinstance(message, dict) and (message.get("text") or message.get("blocks")):
                    answers.append((str(message.get("text") or ""), read_at))
        return elapsed * 1000.0

    async def burst(self, base: str, requests: list[Prepared],
                    answers: list[tuple[str, float]] | None = None) -> list[float]:
        """All at once; returns each request's latency in milliseconds (answers in ack bodies: `one`)."""
        return list(await asyncio.gather(*(self.one(base, r, answers) for r in requests)))


async def control(session: aiohttp.ClientSession, url: str, path: str, body: Any = None) -> Any:
    if body is None:
        async with session.get(url + path) as response:
            return await response.json()
    async with session.post(url + path, json=body) as response:
        return await response.json()


async def wait_until(check: Callable[[], Any], timeout: float, interval: float = 0.005, *,
                     first: float = 0.0) -> bool:
    """Poll an async predicate until it holds (True) or the time is up (False), the first time after `first`
    seconds. Bounded."""
    deadline = time.monotonic() + timeout
    if first:
        await asyncio.sleep(first)
    while time.monotonic() < deadline:
        if await check():
            return True
        await asyncio.sleep(interval)
    return False
