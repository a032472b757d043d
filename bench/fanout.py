"""Pulse fan-out: `/pulse now` in a channel of N people, through `steadybot serve` (clock on a weekday
morning, see bench.serve), against the fake Slack Web API in its own process.

- Unlimited: the fake answers everything at once; the bot's own workspace pacing is off
  (STEADYBOT_SLACK_POSTS_PER_MINUTE=0). Figures: DMs/s while sending (first to last DM, as Slack saw them),
  DMs/s end to end (from the slash command to the last DM, members lookup included), the bot's peak RSS
  (the kernel's high-water mark), and the floor: a bare slack_sdk client posting the same number of DMs,
  each the size and shape of the bot's pulse DM (`pulse_message`), 64 at a time (the worker's concurrency
  when it does not pace itself) to the same fake, in the same run, in a process of its own at the bot's CPU
  priority.
- Paced: the fake enforces ~1 message/s per channel and 600/min per workspace (token buckets; 429 with
  Retry-After beyond them) and the bot runs with STEADYBOT_SLACK_POSTS_PER_MINUTE=600. The achieved share
  is (N − B) / (rate × span): the shortest span any sender could need for N messages with the fake's
  initial burst B, over the span it took. 100 % is perfect pacing. Lost = people without their DM;
  duplicates = people with more than one.
"""

from __future__ import annotations

import asyncio
import math
import time
from pathlib import Path
from typing import Any

import aiohttp
from slack_sdk.web.async_client import AsyncWebClient

from bench import load, proc
from bench.fakes import Limits
from bench.stats import ratios
from handlers.core.clock import SystemClock
from storage.db import Database
from storage.repos.outbox import OutboxRepo

CREATOR = "UFAN00000"
FLOOR_CONCURRENCY = 64  # as the worker when it does not pace itself (bot/runtime.py)


def _people(n: int, tag: str) -> list[str]:
    return [CREATOR] + [f"U{tag}{i:05d}" for i in range(1, n)]


async def _setup(session: aiohttp.ClientSession, control: str, channel: str, people: list[str],
                 limits: dict[str, Any] | None) -> None:
    await load.control(session, control, "/reset", {})
    await load.control(session, control, "/limits", limits or {})
    await load.control(session, control, "/setup", {"users": people, "channels": {
        channel: {"creator": CREATOR, "members": people}}})


async def _dm_times(session: aiohttp.ClientSession, control: str) -> list[float]:
    posts = await load.control(session, control, "/post-times")
    return sorted(t for t, channel in posts if channel.startswith(("U", "D")))


async def _outbox_counts(database_url: str) -> dict[str, int]:
    db = Database(database_url)
    try:
        return await OutboxRepo(db, SystemClock()).counts()
    finally:
        await db.dispose()


async def bot_run(work: Path, fakes: proc.Process, database_url: str, members: int, *, paced: bool,
                  window: float, niceness: int = 0, invite_timeout: float = 600.0) -> dict[str, Any]:
    """One `/pulse now` to `members` people; watches the DMs for `window` seconds after the first one (or
    until everyone has theirs)."""
    control, api = fakes.info["control"], fakes.info["slack"]
    channel = "CPACE" if paced else "CFAN"
    people = _people(members, "P" if paced else "F")
    limits = {"workspace_per_minute": 600.0} if paced else None
    async with aiohttp.ClientSession() as session:
        await _setup(session, control, channel, people, limits)
        bot, url = await proc.start_bot(work, database_url, api, name=f"fanout-{channel.lower()}", weekday_clock=True,
                                        STEADYBOT_SLACK_POSTS_PER_MINUTE="600" if paced else "0")
        bot.lower_priority(niceness)
        idle_rss = proc.rss_mb(bot.pid)
        cpu_before = proc.cpu_seconds(bot.pid)
        try:
            request = load.slash("/pulse", "now", channel=channel, user=CREATOR,
                                 response_url=f"{api.rsplit('/api/', 1)[0]}/response/fanout")
            t0 = time.monotonic()
            async with session.post(url + request.path, data=request.body, headers=request.headers) as response:
                if response.status != 200:
                    raise RuntimeError(f"/pulse now answered {response.status}")
            deadline = t0 + invite_timeout
            first_dm: float | None = None
            rss_invite = rss_send = 0.0
            while time.monotonic() < deadline:
                counts = await load.control(session, control, "/counts")
                rss = proc.rss_mb(bot.pid)
                if first_dm is None:
                    rss_invite = max(rss_invite, rss)
                else:
                    rss_send = max(rss_send, rss)
                if counts["dm_posts"] >= members:
                    break
                if counts["dm_posts"] and first_dm is None:
                    first_dm = time.monotonic()
                    deadline = first_dm + window
                await asyncio.sleep(0.05)
            await asyncio.sleep(0.5 if not paced else 2.0)  # anything still in flight (a double) shows up
            stats = await load.control(session, control, "/stats")
            times = await _dm_times(session, control)
            texts = await load.control(session, control, "/slack-texts")
            peak = proc.peak_rss_mb(bot.pid)
            cpu = proc.cpu_seconds(bot.pid) - cpu_before
        finally:
            await bot.stop()
    announced = any("pulse check-in is on its way" in t for t in texts)
    result: dict[str, Any] = {
        "members": members, "dms": len(times), "people": stats["dm_people"], "duplicates": stats["dm_duplicates"],
        "lost": members - stats["dm_people"], "rejected_429": stats["rejected"], "announced": announced,
        "idle_rss_mb": idle_rss, "peak_rss_mb": peak, "bot_cpu_s": cpu,
        "rss_invite_mb": rss_invite, "rss_send_mb": rss_send,
        "outbox": await _outbox_counts(database_url),
    }
    if len(times) >= 2:
        span = times[-1] - times[0]
        result["send_span_s"] = span
        result["send_rate"] = (len(times) - 1) / span if span > 0 else float("nan")
        result["end_to_end_s"] = times[-1] - t0
        result["end_to_end_rate"] = len(times) / (times[-1] - t0)
        result["first_dm_after_s"] = times[0] - t0
        if paced:
            fake = Limits(600.0)
            rate = fake.workspace_per_minute / 60.0
            result["allowed_rate"] = rate
            result["share"] = (len(times) - fake.workspace_burst) / (rate * span) if span > 0 else float("nan")
    return result


def median_round(floors: list[dict[str, Any]], bots: list[dict[str, Any]]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The floor and the bot of the round whose ratio (bot ÷ floor) is the median of the interleaved rounds (the
    lower middle one of an even number), so that the figures shown beside the ratio belong to one real round;
    with what no round may hide folded in from every round (`_worst_of`)."""
    if not floors or len(floors) != len(bots):
        raise ValueError("one floor per bot run")
    middle = _middle(ratios([b.get("send_rate", math.nan) for b in bots], [f["send_rate"] for f in floors]))
    return floors[middle], _worst_of(bots, middle)


def median_run(bots: list[dict[str, Any]]) -> dict[str, Any]:
    """The bot run whose rate is the median of its rounds (an absolute target: PostgreSQL's DMs/s), with what no
    round may hide folded in from every round (`_worst_of`)."""
    if not bots:
        raise ValueError("no run")
    return _worst_of(bots, _middle([b.get("send_rate", math.nan) for b in bots]))


def _middle(values: list[float]) -> int:
    """The index of the median value (the lower middle one of an even number); a NaN (nothing sent, no floor)
    sorts last."""
    order = sorted(range(len(values)), key=lambda i: (math.isnan(values[i]), 0.0 if math.isnan(values[i])
                                                      else values[i]))
    return order[(len(order) - 1) // 2]


def _worst_of(bots: list[dict[str, Any]], shown: int) -> dict[str, Any]:
    """Run `shown`, with every round's worst folded in: the fewest people reached, the most lost, every double
    and 429, the highest peak RSS."""
    return {**bots[shown],
            "people": min(b["people"] for b in bots), "lost": max(b["lost"] for b in bots),
            "duplicates": sum(b["duplicates"] for b in bots), "peak_rss_mb": max(b["peak_rss_mb"] for b in bots),
            "rejected_429": sum(b["rejected_429"] for b in bots)}


async def floor_run(work: Path, fakes: proc.Process, members: int, concurrency: int = FLOOR_CONCURRENCY, *,
                    niceness: int = 0) -> dict[str, Any]:
    """The floor: a bare slack_sdk client posting `members` DMs, `concurrency` at a time, to the same fake. It
    runs in a process of its own at the bot's CPU priority (`niceness`): in the benchmark's own process it
    ran at the priority of the load generator, so on a busy machine the other work there took CPU from the
    niced bot and not from its floor (docs/benchmarks.md#pulse-fan-out-target-3)."""
    control, api = fakes.info["control"], fakes.info["slack"]
    people = _people(members, "B")
    async with aiohttp.ClientSession() as session:
        await _setup(session, control, "CFLOOR", people, None)
        client = proc.Process("fanout-floor", proc.python_module("bench.fanout", api, str(members), str(concurrency),
                                                                  str(niceness)), {}, work / "fanout-floor.log")
        await client.spawn(announce=False)
        assert client.proc is not None
        try:
            await asyncio.wait_for(client.proc.wait(), 600)
        finally:
            await client.stop()
        if client.proc.returncode != 0:
            raise RuntimeError(f"the fan-out floor failed:\n{client.tail()}")
        times = await _dm_times(session, control)
    span = times[-1] - times[0] if len(times) >= 2 else float("nan")
    return {"dms": len(times), "send_rate": (len(times) - 1) / span if span > 0 else float("nan")}


_ABOUT = ("\u2014 5 quick questions, about 30 seconds.\nIt's anonymous: your answers are stored without your name, "
          "and the team only sees totals once at least 5 people besides the sender have answered. Open until Fri "
          "6 Mar 10:00 UTC.")


def pulse_message(person: str, n: int) -> dict[str, Any]:
    """What the floor posts: the shape and size of the bot's pulse DM (its text, Block Kit with one sealed button
    value, the outbox metadata and the post options of bot/slack/sender.py), so that the floor's client encodes,
    and the fake parses, a body as large as the bot's (docs/benchmarks.md#pulse-fan-out-target-3)."""
    sealed = "WyJmb3JtLm9wZW4iLCJ7XCJmXCI6XCJwdWxzZS5hbnN3ZXJcIixcImNcIjpcIjFcIn0iXQ.0." + f"{n:043d}"
    return {
        "channel": person,
        "text": f"Pulse check-in for #team {_ABOUT}",
        "blocks": [{"text": {"text": f"*Pulse check-in for #team* {_ABOUT}",
                             "type": "mrkdwn", "verbatim": True}, "type": "section"},
                   {"elements": [{"action_id": "form.open#0", "style": "primary", "type": "button", "value": sealed,
                                  "text": {"emoji": True, "text": "Answer (30 seconds)", "type": "plain_text"}}],
                    "type": "actions"}],
        "metadata": {"event_type": "steadybot_outbox", "event_payload": {"outbox_id": str(n), "part": 0}},
        "unfurl_links": False, "unfurl_media": False, "link_names": False, "parse": "none",
    }


async def _post_all(api: str, members: int, concurrency: int) -> None:
    """The floor's own work (in its process): `members` DMs through a bare slack_sdk client."""
    people = _people(members, "B")
    async with aiohttp.ClientSession() as session:
        client = AsyncWebClient(token=proc.BOT_TOKEN, base_url=api, session=session, retry_handlers=[])
        queue: asyncio.Queue[tuple[int, str]] = asyncio.Queue()
        for n, person in enumerate(people, 1):
            queue.put_nowait((n, person))

        async def worker() -> None:
            while not queue.empty():
                n, person = queue.get_nowait()
                await client.chat_postMessage(**pulse_message(person, n))

        await asyncio.gather(*(worker() for _ in range(concurrency)))


if __name__ == "__main__":  # the floor's process: python -m bench.fanout API MEMBERS CONCURRENCY NICENESS
    import os
    import sys

    api_url, count, at_once, nice = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    os.nice(nice)
    asyncio.run(_post_all(api_url, count, at_once))
