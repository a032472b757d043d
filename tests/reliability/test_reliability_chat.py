"""Ordinary channel chat: the pipeline writes no de-duplication key and remembers nobody for it
(bot/inbound.py), so a plain team message writes nothing at all, and exactly-once rests on the watcher's own
claim (`Registry.watch`): a redelivered scope-creep message (Slack retries arriving at the same moment, the
same event at two replicas, a Teams resend) still gets one thread reply. Real signed requests through real
Bolt and botbuilder, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import json
from contextlib import AsyncExitStack

from sqlalchemy import func, select

from handlers.core.clock import FakeClock
from storage.models import Identity, every_table
from support import bf_connector
from tests.support.harness import START, Harness, running
from tests.support.scope_helpers import (
    ORDINARY,
    SCOPE_CREEP,
    card_actions,
    message,
    prompts_in,
    slack_buttons,
    teams_channel_message,
)

RETRIES = (("1", "http_timeout"), ("2", "http_error"), ("3", "http_timeout"))


async def _rows(bot: Harness) -> dict[str, int]:
    """Rows per table, every table of the schema."""
    counts: dict[str, int] = {}
    async with bot.runtime.db.session() as s:
        for table in every_table().sorted_tables:
            counts[table.name] = int(await s.scalar(select(func.count()).select_from(table)) or 0)
    return counts


async def _remembered(bot: Harness, user_id: str) -> bool:
    async with bot.runtime.db.session() as s:
        return bool(await s.scalar(select(func.count()).select_from(Identity).where(Identity.user_id == user_id)))


async def _delivered_four_times_at_once(bot: Harness, event: dict, event_id: str) -> None:
    responses = await asyncio.gather(bot.event(event, event_id=event_id), *(
        bot.event(event, event_id=event_id, headers={"X-Slack-Retry-Num": n, "X-Slack-Retry-Reason": reason})
        for n, reason in RETRIES))
    assert [r.status for r in responses] == [200, 200, 200, 200]
    await bot.idle()


async def test_an_ordinary_channel_message_writes_no_row_at_all(db_url: str) -> None:
    async with running(db_url) as bot:
        await bot.slash_reply("/steadybot", "help")  # the bot has been used: its own rows exist before
        before = await _rows(bot)
        for i, text in enumerate((ORDINARY, "can we also grab coffee after standup?", "👍")):
            await _delivered_four_times_at_once(bot, message(text, f"200.00000{i}", user="U7"), f"EvChat{i}")
        assert await _rows(bot) == before
        assert not await _remembered(bot, "U7")
        assert prompts_in(bot) == []


async def test_a_redelivered_scope_creep_message_gets_one_thread_reply(db_url: str) -> None:
    async with running(db_url) as bot:
        before = await _rows(bot)
        await _delivered_four_times_at_once(bot, message(SCOPE_CREEP, "300.000001", user="U7"), "EvAsk")
        [prompt] = prompts_in(bot)
        assert prompt["thread_ts"] == "300.000001"
        after = await _rows(bot)
        assert after["scope_prompts"] == before["scope_prompts"] + 1  # the claim, and nothing of the pipeline's
        assert (after["inbound_keys"], after["identities"]) == (before["inbound_keys"], before["identities"])
        # A retry that comes later, after the reply went out, gets nothing either.
        again = await bot.event(message(SCOPE_CREEP, "300.000001", user="U7"), event_id="EvAsk",
                                headers={"X-Slack-Retry-Num": "3", "X-Slack-Retry-Reason": "http_timeout"})
        assert again.status == 200
        await bot.idle()
        assert len(prompts_in(bot)) == 1
        # The author wrote chat only and is not remembered; whoever presses the prompt's button is, the
        # normal way (a button press goes through dedupe and remember).
        assert not await _remembered(bot, "U7")
        action_id, value = slack_buttons(prompt)["Not scope creep"]
        assert (await bot.press(action_id, value, user="U2", message_ts="300.000002")).status == 200
        await bot.idle()
        assert await _remembered(bot, "U2")


async def test_the_same_message_at_two_replicas_gets_one_thread_reply(pg_url: str) -> None:
    clock = FakeClock(START)
    async with AsyncExitStack() as stack:
        bots = [await stack.enter_async_context(running(pg_url, clock=clock)) for _ in range(2)]
        event = message(SCOPE_CREEP, "400.000001")
        responses = await asyncio.gather(*(
            bot.event(event, event_id="EvTwice", headers={"X-Slack-Retry-Num": n} if n else None)
            for bot, n in ((bots[0], ""), (bots[1], "1"), (bots[0], "2"), (bots[1], "3"))))
        assert [r.status for r in responses] == [200, 200, 200, 200]
        await asyncio.gather(*(bot.idle() for bot in bots))
        assert sum(len(prompts_in(bot)) for bot in bots) == 1
        assert (await _rows(bots[0]))["inbound_keys"] == 0


async def test_a_resent_teams_channel_message_gets_one_reply_and_no_key(db_url: str) -> None:
    async with running(db_url) as bot:
        activity = teams_channel_message(bot, SCOPE_CREEP, "m-500")
        responses = await asyncio.gather(*(bot.teams(json.loads(json.dumps(activity))) for _ in range(3)))
        assert all(r.status in (200, 201) for r in responses)
        await bot.teams_settled()
        prompts = [s for s in bot.connector.sent if "Drop something" in card_actions(s.card)]
        assert len(prompts) == 1
        assert prompts[0].conversation_id == f"{bf_connector.CHANNEL_ID};messageid=m-500"
        assert (await _rows(bot))["inbound_keys"] == 0
