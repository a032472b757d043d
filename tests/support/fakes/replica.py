"""The real `steadybot` command line with one more periodic task in its registry (a test registry):
`python -m tests.support.fakes.replica serve`.

The task runs every quarter second on every replica and enqueues "round N" (one per two-second period) for
channel CROUNDS with the unique key `test.rounds:N` — the mechanism every recurring schedule relies on to
create each round exactly once, whichever replica gets there first.
Its outbox worker claims BATCH rows at a time (the bot's default is 500): one replica sends a 900-row fan-out
to the fake Slack API faster than the others' one-second ticks come round, so with whole batches the test's
"the work really was shared" would depend on which replica ticks first.
"""

from __future__ import annotations

import sys
from typing import Any

import bot.runtime
from bot.cli import main
from handlers import build_registry as real_build_registry
from handlers.core.registry import Registry
from handlers.core.services import Services
from handlers.core.types import OutboxItem, Platform, Reply, Target

ROUND_SECONDS = 2
BATCH = 100
ROUNDS_CHANNEL = "CROUNDS"


def round_of(timestamp: float) -> int:
    return int(timestamp // ROUND_SECONDS)


async def create_round(svc: Services) -> None:
    now = svc.clock.now()
    number = round_of(now.timestamp())
    await svc.outbox.enqueue([OutboxItem(Target(Platform.SLACK, "channel", ROUNDS_CHANNEL, None, "T1"), now,
                                         reply=Reply(f"round {number}"), dedupe_key=f"test.rounds:{number}")])


def build_registry() -> Registry:
    registry = real_build_registry()
    registry.every("test.rounds", 0.25, create_round)
    return registry


real_build_runtime = bot.runtime.build_runtime


async def build_runtime(settings: Any, **kwargs: Any) -> Any:
    kwargs["worker_options"] = {"batch": BATCH, **(kwargs.get("worker_options") or {})}
    return await real_build_runtime(settings, **kwargs)


if __name__ == "__main__":
    bot.runtime.build_registry = build_registry
    bot.runtime.build_runtime = build_runtime
    raise SystemExit(main(sys.argv[1:]))
