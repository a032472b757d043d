"""Attack on "one prompt per thread, ever" through the real Slack wire: a thread that already shows a
"what do we drop?" prompt opened on purpose (`@steadybot tradeoff …` typed in the thread) must not get a
second, unasked-for prompt from the watcher when the discussion there says "can we also…".

`ScopeStore.open_prompt` (storage/repos/scope.py) stored a `/tradeoff` prompt with no thread claim
(`thread_root` NULL), so the watcher's `claim_watched` found the thread free; a prompt asked for in a thread
now claims it. And asked for in a thread that has its watcher prompt already, it is still answered."""

from __future__ import annotations

from tests.support.harness import Harness
from tests.support.scope_helpers import ORDINARY, SCOPE_CREEP, post_message, prompts_in


async def test_a_thread_with_a_tradeoff_prompt_gets_no_second_prompt_from_the_watcher(bot: Harness) -> None:
    await post_message(bot, ORDINARY, "100.000001")
    await bot.event({"type": "app_mention", "user": "U1", "channel": "C1", "ts": "100.000002",
                     "thread_ts": "100.000001", "text": "<@UBOT> tradeoff add SSO to the MVP"})
    await bot.idle()
    asked = [p for p in prompts_in(bot) if p.get("thread_ts") == "100.000001"]
    assert len(asked) == 1  # the prompt asked for, in the thread
    await post_message(bot, SCOPE_CREEP, "100.000003", thread_ts="100.000001", user="U2")
    in_thread = [p for p in prompts_in(bot) if p.get("thread_ts") == "100.000001"]
    assert len(in_thread) == 1, [p.get("text") for p in in_thread]


async def test_a_tradeoff_asked_in_a_thread_that_had_its_prompt_is_still_answered(bot: Harness) -> None:
    await post_message(bot, SCOPE_CREEP, "200.000001")
    assert len([p for p in prompts_in(bot) if p.get("thread_ts") == "200.000001"]) == 1  # the watcher's
    await bot.event({"type": "app_mention", "user": "U1", "channel": "C1", "ts": "200.000002",
                     "thread_ts": "200.000001", "text": "<@UBOT> tradeoff add SSO to the MVP"})
    await bot.idle()
    assert len([p for p in prompts_in(bot) if p.get("thread_ts") == "200.000001"]) == 2  # and the one asked for
