"""`python -m bench.schedfake CHANNELS MEMBERS LATENCY`: the tests' fake Slack Web API in a process of its own,
holding CHANNELS channels of MEMBERS people each (people in four timezones), every call answered after
LATENCY seconds (calls stay in flight, as against Slack). For bench/schedules.py.

Control API: GET /calls (calls per method since the last reset), POST /reset. Prints one JSON line with its
URLs when it is ready.
"""

from __future__ import annotations

import asyncio
import sys
from collections import Counter

from aiohttp import web

from bench import proc
from support.slack_api import FakeSlackApi

ZONES = ("Europe/Berlin", "America/New_York", "Asia/Tokyo", "UTC")


def channel_id(c: int) -> str:
    return f"CS{c:04d}"


def members_of(c: int, members: int) -> list[str]:
    return [f"US{c:04d}{m:02d}" for m in range(members)]


async def main(channels: int, members: int, latency: float) -> None:
    slack = await FakeSlackApi(latency=latency).start()
    for c in range(channels):
        people = members_of(c, members)
        for i, user in enumerate(people):
            slack.add_user(user, f"Person {user}", tz=ZONES[(c + i) % len(ZONES)])
        slack.add_channel(channel_id(c), people[0], people)

    async def calls(_: web.Request) -> web.Response:
        return web.json_response(dict(Counter(call.method for call in slack.calls)))

    async def reset(_: web.Request) -> web.Response:
        slack.calls.clear()
        slack.messages.clear()
        return web.json_response({"ok": True})

    control = web.Application()
    control.router.add_get("/calls", calls)
    control.router.add_post("/reset", reset)
    await proc.serve_control(control, {"slack": slack.url})
    await slack.close()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])))
