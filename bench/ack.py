"""Ack latency: Slack slash commands and events, and Teams activities, through `steadybot serve` (the real
aiohttp server, real Bolt, real botbuilder, a database) and through the bare framework floor
(`bench.baseline`), in the same run.

Method. For each scenario and each concurrency N (1, 10, 100), bursts of N requests are sent at once, to
the baseline and to the bot in turn (ABBA order, so drift hits both alike). After each burst to the bot,
the benchmark waits until the bot's follow-up work for that burst is done (the response_url answers, the
thread replies, the connector replies) so the next burst starts from an idle bot — while the work of the
burst itself runs concurrently with its acks, as it does in production. Latency is measured by the client,
from writing the request to having read the whole response. The time to the reply is measured from the
burst's start to each answer arriving at the fake platform (Slack: the response_url POST or the
chat.postMessage, or the ack itself when a slash command's answer is in its body — the moment the client has
read it; Teams: the connector's reply), for the floor (which answers "ok") and the bot alike. Every round yields p50 and p99 per side and
their ratios; the report gives the median over rounds and the range.

What "real work" means here: `/steadybot help` (de-duplication insert, help text, response_url),
`/agenda add Item 5m` in a channel with a registered meeting (an agenda row written, the agenda read back,
response_url), and a scope-creep message (channel settings, learned offset, thread claim row, thread reply
through chat.postMessage). The bot's answers are checked, so a failing command cannot look fast.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bench import load
from bench.load import Client, Prepared
from bench.stats import Figure, percentile, ratios
from support import wire

SLACK_USER = "UBENCH1"
TEAMS_USER = "29:bench-user-1"
TEAMS_AAD = "aad-bench-1"
MEETING = "Bench review tomorrow 3pm for 60m"
#: Every burst, to either side, is followed by this much idle time. Without it the floor's bursts came back
#: to back while the bot's came after an idle gap (its follow-up work, then a pause), and a process woken
#: from idle answers its first request slower: at 1 at once that alone was 0.34 vs 1.1 ms (docs/benchmarks.md).
IDLE_GAP = 0.02
#: After a burst's acks, the client first asks the fakes whether its replies arrived after this long, then every
#: 5 ms: a question asked at once would be answered by the fakes while the replies are still on their way.
FIRST_LOOK = 0.005
MAX_AGENDA_PER_MEETING = 20  # the bot allows 25 items per meeting; stay below


@dataclass
class Env:
    client: Client
    control: str  # the fakes' control API
    slack_api: str
    connector: str
    bot: str
    baseline: str
    channels: int = 100

    async def counts(self) -> dict[str, int]:
        return await load.control(self.client.session, self.control, "/counts")


@dataclass
class Scenario:
    platform: str  # "slack" | "teams"
    name: str
    build: Callable[[int], Prepared]  # request number -> request
    follow_up: str  # the counter that grows by one per request when the bot's work is done
    expect: str  # every answer of the bot contains this
    texts: str  # control path listing the answers


@dataclass
class Series:
    """Latencies of one scenario at one concurrency: per round, per side."""

    baseline: list[list[float]] = field(default_factory=list)
    candidate: list[list[float]] = field(default_factory=list)
    # from the burst's start to each reply arriving at the fake platform (what the person waits for)
    reply_baseline: list[list[float]] = field(default_factory=list)
    reply_candidate: list[list[float]] = field(default_factory=list)

    def figures(self, q: float, replies: bool = False) -> tuple[Figure, Figure, Figure]:
        rounds = (self.reply_baseline, self.reply_candidate) if replies else (self.baseline, self.candidate)
        base = [percentile(r, q) for r in rounds[0]]
        cand = [percentile(r, q) for r in rounds[1]]
        return Figure.of(base), Figure.of(cand), Figure.of(ratios(cand, base))


def slack_scenarios(env: Env) -> list[Scenario]:
    counter = itertools.count()

    def response_url() -> str:
        return f"{env.slack_api.rsplit('/api/', 1)[0]}/response/bench{next(counter)}"

    def channel(i: int) -> str:
        return f"CBENCH{i % env.channels}"

    return [
        Scenario("slack", "/steadybot help",
                 lambda i: load.slash("/steadybot", "help", channel=channel(i), user=SLACK_USER,
                                      response_url=response_url()),
                 "slack_out", "Here is what I can do", "/slack-texts"),
        Scenario("slack", "/agenda add",
                 lambda i: load.slash("/agenda", f"add Bench item {i} 5m", channel=channel(i), user=SLACK_USER,
                                      response_url=response_url()),
                 "slack_out", "Added to", "/slack-texts"),
        Scenario("slack", "scope-creep message",
                 lambda i: load.message_event(channel(i), SLACK_USER),
                 "slack_out", "what do we drop", "/slack-texts"),
    ]


def teams_activity(env: Env, text: str, *, channel: int | None, mention: bool = False) -> Prepared:
    n = load.unique()
    if channel is None:
        activity = wire.teams_activity(text, service_url=env.connector, user=TEAMS_USER, aad=TEAMS_AAD,
                                       activity_id=f"bench-in-{n}")
    else:
        conversation = f"19:bench-{channel % env.channels}@thread.tacv2;messageid=17700000{n:08d}"
        activity = wire.teams_activity(text, service_url=env.connector, user=TEAMS_USER, aad=TEAMS_AAD,
                                       conversation=conversation, conversation_type="channel", mention=mention,
                                       activity_id=f"bench-in-{n}")
    return load.teams(activity)


def teams_scenarios(env: Env) -> list[Scenario]:
    return [
        Scenario("teams", "help (1:1 chat)", lambda i: teams_activity(env, "help", channel=None),
                 "teams_sent", "Here is what I can do", "/teams-texts"),
        Scenario("teams", "@steadybot agenda add",
                 lambda i: teams_activity(env, f"agenda add Bench item {i} 5m", channel=i, mention=True),
                 "teams_sent", "Added to", "/teams-texts"),
        Scenario("teams", "scope-creep message",
                 lambda i: teams_activity(env, load.SCOPE_MESSAGE, channel=i),
                 "teams_sent", "what do we drop", "/teams-texts"),
    ]


async def setup(env: Env, platform: str) -> None:
    """People, channels and one registered meeting per channel (so `agenda add` has real work to do)."""
    session = env.client.session
    if platform == "slack":
        channels = {f"CBENCH{k}": {"creator": SLACK_USER, "members": [SLACK_USER]} for k in range(env.channels)}
        await load.control(session, env.control, "/setup", {"users": [SLACK_USER], "channels": channels})
        requests = [load.slash("/meeting", MEETING, channel=f"CBENCH{k}", user=SLACK_USER,
                               response_url=f"{env.slack_api.rsplit('/api/', 1)[0]}/response/setup{k}")
                    for k in range(env.channels)]
        follow, texts = "slack_out", "/slack-texts"
    else:
        await load.control(session, env.control, "/setup", {"teams_members": [[TEAMS_USER, "Bench", TEAMS_AAD]]})
        requests = [teams_activity(env, f"meeting {MEETING}", channel=k, mention=True) for k in range(env.channels)]
        follow, texts = "teams_sent", "/teams-texts"
    before = (await env.counts())[follow]
    in_ack: list[tuple[str, float]] = []  # answers a slash command's ack carried (load.Client.one)
    for start in range(0, len(requests), 10):
        await env.client.burst(env.bot, requests[start:start + 10], in_ack)
    if not await load.wait_until(lambda: _reached(env, follow, before + len(requests) - len(in_ack)), 60):
        raise RuntimeError(f"{platform}: meetings were not registered in time")
    answers = await load.control(session, env.control, f"{texts}?start={before}") + [t for t, _ in in_ack]
    failed = [a for a in answers if "Bench review" not in a]
    if failed:
        raise RuntimeError(f"{platform}: registering a meeting failed: {failed[0][:300]}")


async def _reached(env: Env, counter: str, target: int) -> bool:
    return (await env.counts())[counter] >= target


async def _replies(env: Env, platform: str, start: int, since: float, n: int) -> list[float]:
    """Milliseconds from `since` (the burst's start) to each of the last burst's `n` replies at the fake
    connector (Teams) or the fake Slack API (Slack: response_url or chat.postMessage)."""
    path = "/teams-replies" if platform == "teams" else "/slack-replies"
    got = await load.control(env.client.session, env.control, f"{path}?start={start}")
    if len(got) != n:
        raise RuntimeError(f"expected {n} {platform} replies, the fake has {len(got)}")
    return [(at - since) * 1000.0 for _, at in got]


async def _burst(env: Env, scenario: Scenario, side: str, n: int, numbers: itertools.count,
                 replies: list[float] | None = None) -> list[float]:
    """One burst; returns its ack latencies (ms). The reply times (burst start → each answer at the fake
    platform, or in the ack's body when the client read it) go to `replies` if given. Every request is
    answered exactly once: in its ack or at the fake (a second answer would be counted in the next burst,
    which then fails)."""
    requests = [scenario.build(next(numbers)) for _ in range(n)]
    baseline = side == "baseline"
    before = (await env.counts())[scenario.follow_up]
    since = time.monotonic()
    in_ack: list[tuple[str, float]] = []
    latencies = await env.client.burst(env.baseline if baseline else env.bot, requests, in_ack)
    at_fake = n - len(in_ack)
    # The first look at the fakes only after FIRST_LOOK: a look is a request the fakes answer, and one made while a
    # reply is on its way to them would delay it (docs/benchmarks.md, "Method notes").
    if not await load.wait_until(lambda: _reached(env, scenario.follow_up, before + at_fake), 10 if baseline else 30,
                                 first=FIRST_LOOK):
        raise RuntimeError("the baseline did not reply" if baseline else
                           f"{scenario.platform} {scenario.name}: the bot's follow-up work did not finish")
    if replies is not None:
        replies.extend(await _replies(env, scenario.platform, before, since, at_fake))
        replies.extend((at - since) * 1000.0 for _, at in in_ack)
    if baseline:
        await asyncio.sleep(IDLE_GAP)  # the same idle gap as after the bot's bursts: both start alike
        return latencies
    if scenario.texts:
        answers = await load.control(env.client.session, env.control, f"{scenario.texts}?start={before}")
        answers += [text for text, _ in in_ack]
        wrong = [a for a in answers if scenario.expect not in a]
        if wrong:
            raise RuntimeError(f"{scenario.platform} {scenario.name}: unexpected answer: {wrong[0][:300]}")
    await asyncio.sleep(IDLE_GAP)  # the next burst starts from a quiet bot
    return latencies


@dataclass(frozen=True, slots=True)
class Plan:
    rounds: int
    levels: tuple[tuple[int, int], ...]  # (concurrency, bursts per side per round)


FULL = Plan(4, ((1, 16), (10, 4), (100, 2)))
FULL_TEAMS = Plan(3, ((1, 12), (10, 3), (100, 1)))  # a Teams burst of 100 takes seconds: fewer rounds
QUICK = Plan(1, ((1, 2), (10, 1), (30, 1)))  # a smoke test: smaller bursts


async def run(env: Env, scenarios: list[Scenario], plan: Plan,
              progress: Callable[[str], None]) -> dict[tuple[str, int], Series]:
    series: dict[tuple[str, int], Series] = {(s.name, c): Series() for s in scenarios for c, _ in plan.levels}
    numbers = itertools.count()
    # Warm both servers (connections, Bolt's auth.test, first imports, caches) outside the measurement.
    for scenario in scenarios:
        for side in ("baseline", "candidate"):
            await _burst(env, scenario, side, 10, numbers)
    for rnd in range(plan.rounds):
        for scenario in scenarios:
            for concurrency, bursts in plan.levels:
                got: dict[str, list[float]] = {"baseline": [], "candidate": []}
                replied: dict[str, list[float]] = {"baseline": [], "candidate": []}
                for b in range(bursts):
                    order = ("baseline", "candidate") if (b + rnd) % 2 == 0 else ("candidate", "baseline")
                    for side in order:
                        got[side].extend(await _burst(env, scenario, side, concurrency, numbers, replied[side]))
                entry = series[(scenario.name, concurrency)]
                entry.baseline.append(got["baseline"])
                entry.candidate.append(got["candidate"])
                if replied["candidate"]:
                    entry.reply_baseline.append(replied["baseline"])
                    entry.reply_candidate.append(replied["candidate"])
        progress(f"ack {scenarios[0].platform}: round {rnd + 1}/{plan.rounds} done")
    if env.client.errors:
        raise RuntimeError(f"requests failed: {env.client.errors[:5]}")
    return series


def table(platform: str, scenarios: list[Scenario], plan: Plan, series: dict[tuple[str, int], Series]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for scenario in scenarios:
        for concurrency, _ in plan.levels:
            entry = series[(scenario.name, concurrency)]
            b50, c50, r50 = entry.figures(50)
            b99, c99, r99 = entry.figures(99)
            row = {"platform": platform, "scenario": scenario.name, "concurrency": concurrency,
                   "samples": sum(len(r) for r in entry.candidate),
                   "base_p50": b50, "bot_p50": c50, "ratio_p50": r50,
                   "base_p99": b99, "bot_p99": c99, "ratio_p99": r99}
            if entry.reply_candidate:
                for q in (50, 99):
                    base, bot, ratio = entry.figures(q, replies=True)
                    row.update({f"reply_base_p{q}": base, f"reply_bot_p{q}": bot, f"reply_ratio_p{q}": ratio})
            rows.append(row)
    return rows
