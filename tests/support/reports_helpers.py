"""Team history for the report tests, written through bot/demo/history.py (the same past `steadybot demo
--history` makes): a pulse round a week (sealed), meetings with hygiene records, scope-creep decisions."""

from __future__ import annotations

from bot.demo import history
from handlers.core.types import Place, Platform
from tests.support.harness import Harness

CHANNEL = Place(Platform.SLACK, "C1", "T1", name="team")
PEOPLE = [f"U{i}" for i in range(1, 8)]
scores = history.scores


async def pulse_round(bot: Harness, place: Place, key: str, answers: list[tuple[int, ...]], comments: list[str],
                      invited: list[str] | None = None) -> None:
    await history.pulse_round(bot.runtime.store, bot.clock, place, key, invited or PEOPLE, answers, comments)


async def seed_history(bot: Harness, place: Place = CHANNEL, *, heavy_weeks: tuple[int, ...] = (2, 5),
                       below_k_week: int | None = 3, weeks: int = 8) -> None:
    await history.write_history(bot.runtime.store, bot.clock, place, PEOPLE, weeks=weeks, heavy_weeks=heavy_weeks,
                                below_k_week=below_k_week)
