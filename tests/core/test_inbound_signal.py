"""`bot.inbound.signalled`: how after-ack work waits for the adapter's "acknowledgement written" signal. It must
start the work once the signal is set (or after the grace period without it), and never cancel the signal:
several pieces of work of one request may wait for the same one."""

from __future__ import annotations

import asyncio

import pytest

from bot.inbound import AfterAck, signalled


@pytest.mark.asyncio
async def test_waits_until_the_signal_is_set() -> None:
    signal: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    waiting = asyncio.ensure_future(signalled(signal, 5.0))
    for _ in range(5):
        await asyncio.sleep(0)
    assert not waiting.done()
    signal.set_result(None)
    await asyncio.wait_for(waiting, 1.0)


@pytest.mark.asyncio
async def test_the_grace_period_ends_the_wait_without_touching_the_signal() -> None:
    signal: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    await asyncio.wait_for(signalled(signal, 0.02), 1.0)
    assert not signal.done()


@pytest.mark.asyncio
async def test_cancelling_one_waiter_leaves_the_signal_and_the_others_alone() -> None:
    signal: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    first = asyncio.ensure_future(signalled(signal, 5.0))
    second = asyncio.ensure_future(signalled(signal, 5.0))
    await asyncio.sleep(0)
    first.cancel()
    with pytest.raises(asyncio.CancelledError):
        await first
    assert not signal.done() and not second.done()
    signal.set_result(None)
    await asyncio.wait_for(second, 1.0)


@pytest.mark.asyncio
async def test_a_signal_already_set_and_a_cancelled_one_both_let_the_work_start() -> None:
    loop = asyncio.get_running_loop()
    done: asyncio.Future[None] = loop.create_future()
    done.set_result(None)
    await asyncio.wait_for(signalled(done, 5.0), 1.0)
    dropped: asyncio.Future[None] = loop.create_future()
    waiting = asyncio.ensure_future(signalled(dropped, 5.0))
    await asyncio.sleep(0)
    dropped.cancel()  # an adapter that gave up on its request: the work is not left waiting for the grace period
    await asyncio.wait_for(waiting, 1.0)


@pytest.mark.asyncio
async def test_any_other_awaitable_is_waited_for_too() -> None:
    async def written() -> None:
        await asyncio.sleep(0.01)

    await asyncio.wait_for(signalled(written(), 5.0), 1.0)


@pytest.mark.asyncio
async def test_the_lane_starts_the_work_two_loop_turns_after_the_signal() -> None:
    """The point of the done-callback: the work begins within two turns of the loop once the ack is written
    (`wait_for(shield(…))` took three)."""
    signal: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    started = asyncio.Event()

    async def work() -> None:
        started.set()

    lane = AfterAck()
    lane.run(work(), after=signal)
    for _ in range(3):
        await asyncio.sleep(0)
    assert not started.is_set()
    signal.set_result(None)
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    assert started.is_set()
    assert await lane.settle(1.0)
