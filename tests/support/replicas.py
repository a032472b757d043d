"""Replicas of the bot on one database and one injected clock, as a scaled install runs them: each its own
`build_runtime` (pool, scheduler, outbox worker), the same fake Slack workspace."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from bot.config import Settings
from bot.runtime import Runtime, build_runtime
from handlers.core.clock import FakeClock
from storage.store import Store
from support.slack_api import FakeSlackApi
from tests.support.harness import BOT_TOKEN, SIGNING_SECRET, TEST_SECRET


@contextlib.asynccontextmanager
async def slack_replicas(database_url: str, slack: FakeSlackApi, clock: FakeClock,
                         count: int = 2) -> AsyncIterator[list[Runtime]]:
    """`count` runtimes on `database_url`, Slack only and unpaced; the outbox sends only when a test drains it
    (`on_due_now` off). Closed, with `slack`, on the way out."""
    settings = Settings(database_url=database_url, slack_bot_token=BOT_TOKEN, slack_signing_secret=SIGNING_SECRET,
                        slack_api_url=slack.url, secret=TEST_SECRET, slack_posts_per_minute=0.0)
    replicas: list[Runtime] = []
    try:
        for _ in range(count):
            runtime = await build_runtime(settings, clock=clock)
            runtime.outbox.on_due_now = None
            replicas.append(runtime)
        yield replicas
    finally:
        for runtime in replicas:
            await runtime.close()
        await slack.close()


@contextlib.asynccontextmanager
async def two_stores(database_url: str, clock: FakeClock) -> AsyncIterator[tuple[Store, Store]]:
    """Two stores on one (migrated) database, each with its own engine: two replicas' storage, no runtime."""
    from storage.db import Database
    from storage.migrate import upgrade
    from storage.store import Store as _Store

    await upgrade(database_url)
    first, second = Database(database_url), Database(database_url)
    try:
        yield _Store(first, clock), _Store(second, clock)
    finally:
        await first.dispose()
        await second.dispose()
