"""A slash command's answer in its acknowledgement's body, when it is ready within a small budget.

Slack shows a message in the body of a slash command's 200 to the person who ran it (ephemeral unless
`response_type` says `in_channel`); the 200 must arrive within 3 seconds, and after it the command's
`response_url` takes further messages (docs/benchmarks.md#answer-in-the-acknowledgement-slack). The
listener (bot/slack/listeners/commands/slash_command.py) starts the command's work in the after-ack lane at
once and holds its ack open for `budget` seconds at most: the command's first ephemeral answer offered
meanwhile (`SlackReplier`) goes in the ack's body; once the ack is built the slot is shut, and every answer
after that — including the first one when the work took longer — goes through `response_url`. Everything
runs on one event loop, so an answer is either taken by the ack or sent to `response_url`, never both and
never neither.
"""

from __future__ import annotations

import asyncio
from typing import Any

#: Slack drops a slash command's acknowledgement that arrives after 3 seconds, and the answer in its body with
#: it. An answer offered later than this after the command arrived (a loop held up, a slow first use) goes
#: through response_url instead, which takes messages for 30 minutes.
TOO_LATE_FOR_THE_ACK = 2.5


class AckAnswer:
    """One command's acknowledgement, open for one answer until it is built."""

    __slots__ = ("_message", "_open", "_ready", "_acked", "_loop", "_since")

    def __init__(self) -> None:
        self._message: dict[str, Any] | None = None
        self._open = True
        self._loop = asyncio.get_running_loop()
        self._since = self._loop.time()
        self._ready: asyncio.Future[None] = self._loop.create_future()
        self._acked = asyncio.Event()

    def offer(self, message: dict[str, Any]) -> bool:
        """The ack takes `message` (True) if it is still open and holds no answer yet; False: send it yourself."""
        if not self._open or self._loop.time() - self._since > TOO_LATE_FOR_THE_ACK:
            return False
        self._message = message
        self._open = False
        self._wake()
        return True

    async def wait(self, work: asyncio.Future[Any], budget: float) -> dict[str, Any] | None:
        """Until an answer is offered, `work` is done or `budget` seconds passed; then shut the slot and return
        the answer for the ack's body (None: an empty ack)."""
        if self._open and not work.done():
            work.add_done_callback(lambda _: self._wake())
            try:
                async with asyncio.timeout(budget):
                    await self._ready
            except TimeoutError:
                pass
        self._open = False
        return self._message

    def acked(self) -> None:
        """The ack is built (with or without the answer): later answers may follow it."""
        self._open = False
        self._acked.set()

    async def after_ack(self) -> None:
        """Wait until the ack is built, so that an answer sent through response_url never overtakes it."""
        await self._acked.wait()

    def _wake(self) -> None:
        if not self._ready.done():
            self._ready.set_result(None)
