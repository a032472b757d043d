"""Retention: tables that only grow (outbox, inbound keys, scope prompts, closed list items) stay flat.

A simulated stretch of days with the same traffic every day, the runtime's own hourly housekeeping run once
a day on a fake clock: after the retention periods each table's row count stops growing. Both databases.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select

from bot.config import Settings
from bot.runtime import build_runtime
from handlers.core.clock import FakeClock
from handlers.core.types import OutboxItem, Place, Platform, Reply, Target
from handlers.scope.ports import ItemKind, ItemStatus
from storage.models.core import InboundKey, OutboxRow
from storage.models.scope import ScopeItem, ScopePrompt
from tests.support.harness import TEST_SECRET

START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
PLACE = Place(Platform.SLACK, "C1", team_id="T1")


async def _count(runtime, model) -> int:  # type: ignore[no-untyped-def]
    async with runtime.db.session() as s:
        return int((await s.execute(select(func.count()).select_from(model))).scalar_one())


async def test_a_simulated_stretch_keeps_every_growing_table_flat(db_url: str) -> None:
    clock = FakeClock(START)
    settings = Settings(database_url=db_url, secret=TEST_SECRET, outbox_retention_days=7,
                        history_retention_days=91)
    runtime = await build_runtime(settings, clock=clock)
    store = runtime.store
    sizes: list[dict[str, int]] = []
    try:
        for day in range(130):
            target = Target(Platform.SLACK, "user", f"U{day % 7}", team_id="T1")
            items = [OutboxItem(target, clock.now(), reply=Reply(text="hi"), dedupe_key=f"d{day}-{i}")
                     for i in range(5)]
            await store.outbox.enqueue(items)
            for row in await store.outbox.claim("w1", limit=10):
                await store.outbox.mark_sent(row.id, worker="w1")
            for i in range(20):
                await store.inbound.first_time(f"slack:{day}:{i}")
            prompt = await store.scope.open_prompt(PLACE, "can we also add a CSV export?", "can we also")
            assert prompt is not None
            item = await store.scope.add_item(PLACE, ItemKind.PARKED, f"idea {day}", max_open=500)
            assert item is not None
            if day % 2:
                await store.scope.close_item(PLACE, ItemKind.PARKED, item.id, ItemStatus.UNPARKED)
            await runtime.scheduler.run_all_once()
            sizes.append({name: await _count(runtime, model) for name, model in
                          (("outbox", OutboxRow), ("inbound", InboundKey), ("prompts", ScopePrompt),
                           ("items", ScopeItem))})
            clock.advance(days=1)
        week_ago, last = sizes[-8], sizes[-1]
        assert last["outbox"] == week_ago["outbox"] <= 5 * 8
        assert last["inbound"] == week_ago["inbound"] <= 20 * 3
        assert last["prompts"] == week_ago["prompts"] <= 92
        # open parked ideas stay (the team's own list); closed ones go after the retention period
        open_items = (130 + 1) // 2
        assert open_items <= last["items"] <= open_items + 46
        new_open = sum(1 for day in range(130 - 7, 130) if day % 2 == 0)
        assert last["items"] - week_ago["items"] == new_open  # only the new open ideas grow the list
    finally:
        await runtime.close()
