"""The pipeline tells the de-duplication store when a request is alone in the after-ack lane, so its key can be
claimed without the flush task's hop (storage/repos/inbound.py); in a burst, keys are coalesced as before."""

from __future__ import annotations

import asyncio
from typing import Any, cast

from bot.inbound import AfterAck, Pipeline
from handlers.core.clock import FakeClock


class Keys:
    def __init__(self) -> None:
        self.calls: list[tuple[str, bool]] = []

    async def first_time(self, key: str, *, alone: bool = False) -> bool:
        self.calls.append((key, alone))
        await asyncio.sleep(0)
        return True


class Stores:
    def __init__(self) -> None:
        self.inbound = Keys()
        self.identities: Any = None


async def test_a_lone_request_claims_its_key_alone_and_a_burst_does_not() -> None:
    stores, lane = Stores(), AfterAck()
    pipeline = Pipeline(cast(Any, None), stores, FakeClock(), lane)
    assert await lane.run(pipeline.first_time("slack:cmd:lone")) is None
    assert stores.inbound.calls == [("slack:cmd:lone", True)]
    stores.inbound.calls.clear()
    await asyncio.gather(*(lane.run(pipeline.first_time(f"slack:cmd:b{n}")) for n in range(5)))
    assert [alone for _, alone in stores.inbound.calls] == [False] * 5
    assert await pipeline.first_time("") is True and len(stores.inbound.calls) == 5  # no key: no claim
