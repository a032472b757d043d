"""A slash command's answer travels in its acknowledgement's body when it is ready within the budget
(STEADYBOT_SLACK_ANSWER_IN_ACK_MS), and through response_url past it: exactly once, never both
(bot/slack/ack_answer.py)."""

from __future__ import annotations

import asyncio
import json

import pytest

from bot.config import Settings
from bot.inbound import LANE_WIDTH, AfterAck
from bot.slack.ack_answer import AckAnswer
from bot.slack.listeners.commands.slash_command import worth_waiting
from tests.support.harness import block_texts, running


async def test_a_fast_answer_is_the_ack_body_and_nothing_goes_to_response_url(db_url: str) -> None:
    async with running(db_url, teams=False, slack_answer_in_ack=2.0) as bot:
        response = await bot.slash("/steadybot", "help")
        assert response.status == 200 and response.content_type == "application/json"
        body = json.loads(await response.text())
        assert body["response_type"] == "ephemeral" and "what I can do" in block_texts(body)
        await bot.idle()
        assert [r["_via"] for r in bot.slack.responses] == ["ack"]  # recorded from the ack, nothing posted
        assert bot.slack.responses[0]["_key"] == "r1"


async def test_a_command_that_writes_answers_in_the_ack_once_and_a_retry_runs_nothing(db_url: str) -> None:
    async with running(db_url, teams=False, slack_answer_in_ack=2.0) as bot:
        bot.slack.add_channel("C1", creator="ULEAD", members=["ULEAD", "U1"])
        first = await bot.slash("/steadybot", "settings min 4", user="ULEAD", trigger_id="trig-once")
        assert "Saved" in block_texts(json.loads(await first.text()))
        again = await bot.slash("/steadybot", "settings min 4", user="ULEAD", trigger_id="trig-once",
                                response_key="retry")
        assert again.status == 200 and (await again.text()) == ""  # a redelivery: nothing run, nothing said
        await bot.idle()
        assert len(bot.slack.responses) == 1


async def test_an_answer_past_the_budget_goes_to_response_url_exactly_once(db_url: str) -> None:
    async with running(db_url, teams=False, slack_answer_in_ack=0.05) as bot:
        gate = asyncio.Event()
        for _ in range(LANE_WIDTH):  # every place in the after-ack lane taken: the command's work waits
            bot.runtime.lane.run(gate.wait(), name="test: busy lane")
        response = await bot.slash("/steadybot", "help")
        assert response.status == 200 and (await response.text()) == ""  # the budget ran out: a bare ack
        assert bot.slack.responses == []
        gate.set()
        answers = await bot.slack.wait_for_responses(1)
        await bot.idle()
        assert len(bot.slack.responses) == 1 and "_via" not in answers[0]  # posted to response_url, once
        assert answers[0]["_key"] == "r1" and "what I can do" in block_texts(answers[0])


async def test_the_budget_shuts_the_ack_even_when_the_answer_comes_right_after() -> None:
    slot = AckAnswer()
    never = asyncio.get_running_loop().create_future()
    assert await slot.wait(never, 0.01) is None
    assert not slot.offer({"text": "late"})  # the ack is gone: the replier posts it to response_url
    slot.acked()
    await asyncio.wait_for(slot.after_ack(), 1)
    never.cancel()


async def test_only_the_first_answer_rides_in_the_ack() -> None:
    slot = AckAnswer()
    work = asyncio.get_running_loop().create_future()
    assert slot.offer({"text": "first"})
    assert not slot.offer({"text": "second"})
    assert await slot.wait(work, 5) == {"text": "first"}  # offered already: no waiting for the rest
    work.cancel()


async def test_an_answer_too_late_for_slacks_ack_window_goes_to_response_url(monkeypatch: pytest.MonkeyPatch) -> None:
    """An ack that reaches Slack after 3 s is dropped with the answer in it: an answer offered that late
    (the loop was held up, whatever the budget said) is refused, and the replier posts it to response_url."""
    from bot.slack import ack_answer

    monkeypatch.setattr(ack_answer, "TOO_LATE_FOR_THE_ACK", 0.05)
    slot = AckAnswer()
    await asyncio.sleep(0.1)
    assert not slot.offer({"text": "late"})


@pytest.mark.parametrize("budget", [0.0, 2.0])
async def test_an_unreadable_command_is_answered_in_the_ack_either_way(sqlite_url: str, budget: float) -> None:
    async with running(sqlite_url, teams=False, slack_answer_in_ack=budget) as bot:
        response = await bot.post_slack("command=%2Fsteadybot&text=help")  # no user, channel, team
        assert response.status == 200 and "couldn't read" in json.loads(await response.text())["text"]


async def test_by_default_an_answer_held_up_by_a_burst_still_rides_in_the_ack(sqlite_url: str) -> None:
    """A burst queues a command's work behind others in the after-ack lane: with the default budget the ack
    waits for an answer that comes tens of milliseconds late, rather than going empty and leaving the answer
    to an extra POST (docs/benchmarks.md#ack-wait-under-a-burst-slack)."""
    budget = Settings.from_env({}).slack_answer_in_ack
    async with running(sqlite_url, teams=False, slack_answer_in_ack=budget) as bot:
        gate = asyncio.Event()
        for _ in range(LANE_WIDTH):  # every place in the lane taken, as by the requests ahead in a burst
            bot.runtime.lane.run(gate.wait(), name="test: busy lane")
        asyncio.get_running_loop().call_later(0.02, gate.set)  # the command's work starts 20 ms late
        response = await bot.slash("/steadybot", "help")
        assert response.status == 200 and "what I can do" in block_texts(json.loads(await response.text()))
        await bot.idle()
        assert [r["_via"] for r in bot.slack.responses] == ["ack"]  # nothing posted to response_url


def test_the_default_wait_stays_far_inside_slacks_three_seconds() -> None:
    assert 0 < Settings.from_env({}).slack_answer_in_ack <= 0.1
    assert Settings.from_env({"STEADYBOT_SLACK_ANSWER_IN_ACK_MS": "8"}).slack_answer_in_ack == 0.008


async def _queue(lane: AfterAck, queued: int, every: float) -> tuple[list[asyncio.Event], asyncio.Task[None]]:
    """The lane full and `queued` requests waiting behind it, one finishing every `every` seconds (from a
    releaser task), after a few have finished so the lane knows its pace."""
    gates = [asyncio.Event() for _ in range(lane.width + queued)]
    for gate in gates:
        lane.run(gate.wait(), name="test: burst")

    async def release() -> None:
        for gate in gates:
            gate.set()
            await asyncio.sleep(every)

    releaser = asyncio.create_task(release())
    await asyncio.sleep(every * 4.5)
    return gates, releaser


async def test_the_lane_estimates_the_wait_of_a_request_queued_behind_a_burst() -> None:
    lane = AfterAck(width=2)
    assert lane.expected_wait() == 0.0 and lane.queued_ahead == 0  # a free place: no wait
    gates, releaser = await _queue(lane, 20, 0.02)
    left = lane.in_flight
    assert 10 < left < 20 and lane.queued_ahead == left + 1 - 2
    assert lane.expected_wait() == pytest.approx((left + 1 - 2) * 0.02, rel=0.5)
    await releaser
    assert await lane.settle(2)
    assert lane.expected_wait() == 0.0  # idle again: a free place


async def test_deep_in_a_burst_the_ack_goes_empty_at_once_and_the_answer_follows(db_url: str) -> None:
    """The lane's queue says the command's work waits longer than the budget: waiting could not bring its
    answer, so the ack goes empty at once (not after the budget) and the answer follows through response_url."""
    async with running(db_url, teams=False, slack_answer_in_ack=0.5) as bot:
        gates, releaser = await _queue(bot.runtime.lane, 80, 0.01)  # ~0.75 s of queue ahead: past the budget
        started = asyncio.get_running_loop().time()
        response = await bot.slash("/steadybot", "help")
        assert response.status == 200 and (await response.text()) == ""
        assert asyncio.get_running_loop().time() - started < 0.25  # it did not wait the 0.5 s budget
        await releaser
        answers = await bot.slack.wait_for_responses(1)
        await bot.idle()
        assert len(bot.slack.responses) == 1 and "_via" not in answers[0]  # posted to response_url, once
        assert "what I can do" in block_texts(answers[0])


async def test_the_ack_does_not_wait_for_work_queued_more_than_a_lane_deep() -> None:
    lane = AfterAck(width=2)
    gate = asyncio.Event()
    for _ in range(2):
        lane.run(gate.wait())
    assert worth_waiting(lane, 0.06)  # next in line, the lane's pace not known yet
    for _ in range(3):
        lane.run(gate.wait())
    assert not worth_waiting(lane, 10.0)  # 4 ahead, more than a lane's width, whatever the budget
    gate.set()
    assert await lane.settle(1)
    assert worth_waiting(lane, 0.06)
