"""`python -m bench.fakes`: the fake Slack Web API and the fake Bot Framework connector of the tests, in a
process of their own, plus a small control API for the benchmarks:

- GET  /stats            counts: calls per method, response_url answers, posts, DMs, Teams sends, 429s
- GET  /counts           the cheap part of /stats (polled while waiting for follow-up work)
- GET  /slack-texts?start= what the bot said on Slack (response_url and chat.postMessage, in arrival order);
  /teams-texts?start= what the connector received
- GET  /teams-replies?start= the connector's replies: [id of the activity answered, monotonic time received]
- GET  /slack-replies?start= what reached Slack (response_url or chat.postMessage): [text, monotonic time received],
                         in the order of /slack-texts
- GET  /post-times       accepted chat.postMessage calls: [monotonic time, channel] (CLOCK_MONOTONIC is
                         system-wide on Linux, so the benchmark can compare it with its own clock)
- POST /setup            {"users": [...], "channels": {"C1": {"creator": "U1", "members": [...]}},
                         "teams_members": [[id, name, aad], ...]}
- POST /limits           {"workspace_per_minute": 600, "channel_per_second": 1, ...} or {} for none
- POST /reset            forget calls, answers and messages (users and channels stay)

Prints one JSON line with its URLs when it is ready. With limits, chat.postMessage is refused with 429 and
a Retry-After like Slack's (about one message per second per channel with a short burst, and a
workspace-wide budget) — a token bucket per channel and one for the workspace, refilled continuously.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from bench import proc
from support.bf_connector import FakeConnector
from support.slack_api import FakeSlackApi


@dataclass(slots=True)
class Bucket:
    rate: float  # tokens per second
    burst: float
    tokens: float
    updated: float

    def wait(self, now: float) -> float:
        """Seconds until a token is free (0: free now). Takes nothing."""
        self.tokens = min(self.burst, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        return 0.0 if self.tokens >= 1.0 else (1.0 - self.tokens) / self.rate


@dataclass
class Limits:
    """Slack's chat.postMessage limits as seen by one workspace (the fake serves one)."""

    workspace_per_minute: float
    channel_per_second: float = 1.0
    channel_burst: float = 3.0
    workspace_burst: float = 10.0  # one second's worth at 600/min
    _channels: dict[str, Bucket] = field(default_factory=dict)
    _workspace: Bucket | None = None
    rejected: int = 0

    def check(self, channel: str) -> float:
        """0 when the post may go now (and it is counted), else the Retry-After in seconds."""
        now = time.monotonic()
        if self._workspace is None:
            rate = self.workspace_per_minute / 60.0
            self._workspace = Bucket(rate, self.workspace_burst, self.workspace_burst, now)
        bucket = self._channels.get(channel)
        if bucket is None:
            bucket = self._channels[channel] = Bucket(self.channel_per_second, self.channel_burst,
                                                      self.channel_burst, now)
        wait = max(bucket.wait(now), self._workspace.wait(now))
        if wait > 0:
            self.rejected += 1
            return wait
        bucket.tokens -= 1.0
        self._workspace.tokens -= 1.0
        return 0.0


class BenchSlackApi(FakeSlackApi):
    """The tests' fake, counting what the benchmarks need and (optionally) enforcing Slack's limits."""

    def __init__(self) -> None:
        super().__init__()
        self.post_times: list[tuple[float, str]] = []  # accepted chat.postMessage: (monotonic time, channel)
        self.dm_posts = 0
        self.out_texts: list[str] = []  # what the bot said, through response_url or chat.postMessage, in order
        self.out_times: list[float] = []  # when each of out_texts arrived (time.monotonic())
        self.limits: Limits | None = None
        self.faults.append(self._limit)

    def _limit(self, method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any], dict[str, str]] | None:
        if self.limits is None or method != "chat.postMessage":
            return None
        wait = self.limits.check(str(params.get("channel", "")))
        if wait <= 0:
            return None
        return 429, {"ok": False, "error": "ratelimited"}, {"Retry-After": str(max(1, math.ceil(wait)))}

    def answer(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        if method == "chat.postMessage":
            channel = str(params.get("channel", ""))
            self.post_times.append((time.monotonic(), channel))
            self.dm_posts += channel.startswith(("U", "D"))
            self.out_texts.append(str(params.get("text") or ""))
            self.out_times.append(time.monotonic())
        return super().answer(method, params)

    async def _response(self, request: web.Request) -> web.Response:
        answer = await super()._response(request)
        self.out_texts.append(str(self.responses[-1].get("text") or ""))
        self.out_times.append(time.monotonic())
        return answer

    def reset(self) -> None:
        self.calls.clear()
        self.responses.clear()
        self.messages.clear()
        self.post_times.clear()
        self.dm_posts = 0
        self.out_texts.clear()
        self.out_times.clear()
        if self.limits is not None:
            self.limits = Limits(self.limits.workspace_per_minute, self.limits.channel_per_second,
                                 self.limits.channel_burst, self.limits.workspace_burst)

    def stats(self) -> dict[str, Any]:
        dms = {channel: len(posted) for channel, posted in self.messages.items() if channel.startswith("D")}
        return {
            "calls": dict(Counter(call.method for call in self.calls)),
            "responses": len(self.responses),
            "posts": len(self.post_times),
            "dm_people": len(dms),
            "dm_duplicates": sum(n - 1 for n in dms.values() if n > 1),
            "thread_replies": sum(1 for posted in self.messages.values() for m in posted if m.get("thread_ts")),
            "rejected": self.limits.rejected if self.limits else 0,
        }


async def main() -> None:
    slack = await BenchSlackApi().start()
    connector = await FakeConnector().start()

    async def stats(_: web.Request) -> web.Response:
        body = slack.stats()
        body["teams_sent"] = len(connector.sent)
        return web.json_response(body)

    async def counts(_: web.Request) -> web.Response:
        return web.json_response({"responses": len(slack.responses), "posts": len(slack.post_times),
                                  "dm_posts": slack.dm_posts, "slack_out": len(slack.out_texts), "teams_sent": len(connector.sent)})

    async def slack_texts(request: web.Request) -> web.Response:
        start = int(request.query.get("start", "0"))
        return web.json_response(slack.out_texts[start:])

    async def teams_texts(request: web.Request) -> web.Response:
        start = int(request.query.get("start", "0"))
        return web.json_response([s.text for s in connector.sent[start:]])

    async def teams_replies(request: web.Request) -> web.Response:
        start = int(request.query.get("start", "0"))
        return web.json_response([[s.reply_to, s.at] for s in connector.sent[start:]])

    async def slack_replies(request: web.Request) -> web.Response:
        start = int(request.query.get("start", "0"))
        return web.json_response([[text, at] for text, at in zip(slack.out_texts[start:], slack.out_times[start:],
                                                                  strict=True)])

    async def post_times(_: web.Request) -> web.Response:
        return web.json_response(slack.post_times)

    async def setup(request: web.Request) -> web.Response:
        body = await request.json()
        for user in body.get("users", []):
            slack.add_user(user, tz=body.get("tz", "UTC"))
        for channel, spec in (body.get("channels") or {}).items():
            slack.add_channel(channel, spec["creator"], spec.get("members", []))
        for user_id, name, aad in body.get("teams_members", []):
            connector.add_member(user_id, name, aad)
        return web.json_response({"ok": True})

    async def limits(request: web.Request) -> web.Response:
        body = await request.json()
        slack.limits = Limits(**body) if body else None
        return web.json_response({"ok": True})

    async def reset(_: web.Request) -> web.Response:
        slack.reset()
        connector.sent.clear()
        connector.created.clear()
        return web.json_response({"ok": True})

    control = web.Application()
    control.router.add_get("/stats", stats)
    control.router.add_get("/counts", counts)
    control.router.add_get("/slack-texts", slack_texts)
    control.router.add_get("/teams-texts", teams_texts)
    control.router.add_get("/teams-replies", teams_replies)
    control.router.add_get("/slack-replies", slack_replies)
    control.router.add_get("/post-times", post_times)
    control.router.add_post("/setup", setup)
    control.router.add_post("/limits", limits)
    control.router.add_post("/reset", reset)
    await proc.serve_control(control, {"slack": slack.url, "connector": connector.url})
    await slack.close()
    await connector.close()


if __name__ == "__main__":
    asyncio.run(main())
