"""Acknowledge before the listener runs, so the empty 200 leaves at once.

With `process_before_response=False`, Bolt starts the listener as a task and then polls for its `ack()`
every 10 ms (slack_bolt/listener/asyncio_runner.py): every slash command, button press and modal
submission would wait at least 10 ms for an empty 200, and longer when other requests' work is queued on
the loop. Our listeners always acknowledge with an empty `ack()` first, so this listener middleware does it
before the runner starts: the runner finds the ack already there and returns without sleeping. The
listener's own `ack()` call then only sets the same empty response again.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from slack_bolt.async_app import AsyncAck


async def ack_first(ack: AsyncAck, next_: Callable[[], Awaitable[None]]) -> None:
    await ack()
    await next_()
