"""Slack work after the ack on a graceful stop, and answers that cannot be delivered.

A stop lets acknowledged requests finish (their answers are what people wait for), bounded: what is left
after the grace period is cancelled and said in the log, as on every platform (bot/inbound.py, the
after-ack lane). An answer the network refuses is a warning in the log, never a stack trace."""

from __future__ import annotations

import asyncio
import logging

import pytest

from support import wire
from tests.support.harness import Harness, running

WAIT = 10.0


def _team(bot: Harness) -> None:
    people = [f"U{i}" for i in range(1, 7)]  # five besides U1, who sends: a pulse may go out (k = 5)
    for user in people:
        bot.slack.add_user(user, user.lower())
    bot.slack.add_channel("C1", "U1", people)


async def test_a_graceful_stop_waits_for_acknowledged_slack_work(bot: Harness) -> None:
    _team(bot)
    bot.slack.latency = 0.3  # every Web API call of the work takes a while
    response = await bot.slash("/pulse", "now")
    assert response.status == 200  # acknowledged at once
    assert bot.slack.posted("C1") == []
    closing = asyncio.create_task(bot.runtime.close())
    done, _ = await asyncio.wait({closing}, timeout=0.1)
    assert not done, "the runtime closed with Slack work in flight"
    async with asyncio.timeout(WAIT):
        await closing
    assert any("on its way" in (m.get("text") or "") for m in bot.slack.posted("C1"))  # the channel's answer
    assert bot.runtime.lane.in_flight == 0


async def test_a_stop_does_not_wait_forever_for_slack_work(bot: Harness, caplog: pytest.LogCaptureFixture) -> None:
    _team(bot)
    bot.slack.latency = 3.0
    assert (await bot.slash("/pulse", "now")).status == 200
    lane = bot.runtime.lane
    assert lane.in_flight == 1  # counted from the request's arrival
    with caplog.at_level(logging.WARNING, logger="steadybot.inbound"):
        async with asyncio.timeout(2.0):
            await lane.close(grace=0.2)
    assert lane.in_flight == 0  # what was left is cancelled, not left running behind a closed database
    assert any("unfinished" in r.getMessage() and "cancelled" in r.getMessage() for r in caplog.records)
    assert not any("on its way" in (m.get("text") or "") for m in bot.slack.posted("C1"))


async def test_an_answer_the_network_refuses_is_a_warning_not_a_stack_trace(
        sqlite_url: str, caplog: pytest.LogCaptureFixture) -> None:
    # no answer in the ack's body (bot/slack/ack_answer.py): the answer must take the response_url
    async with running(sqlite_url, teams=False, slack_answer_in_ack=0.0) as bot:
        bot.slack.dropped.add("nowhere")
        body = wire.slash_body("/steadybot", "help", response_url=bot.slack.response_url("nowhere"))
        with caplog.at_level(logging.WARNING):
            assert (await bot.post_slack(body)).status == 200
            assert await bot.runtime.lane.settle(WAIT)
    failed = [r for r in caplog.records if "slack reply failed" in r.getMessage()]
    assert len(failed) == 1 and failed[0].levelno == logging.WARNING and failed[0].exc_info is None
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
