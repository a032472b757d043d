"""Attacker's tests: the scope-creep caps under two replicas on one database (SQLite and PostgreSQL).

The caps a channel is promised (docs/scope.md):
- **one prompt per thread, ever** — the watcher's only cap on prompts. Many scope-creep messages in one thread,
  and redeliveries of the thread's first message, handled at once by two replicas (each its own runtime,
  pool and core), must bring exactly one prompt;
- **at most 50 open commitments and 100 parked ideas** — a list's cap. Adds handled at once by two
  replicas (two stores, each its own engine) on a list one short of its cap must add exactly one item.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from handlers.core.clock import FakeClock
from handlers.core.types import ChatMessage, Person, Place, Platform, Reply
from handlers.scope.ports import COMMITMENT, PARKED, Decided, Decision, ItemKind, Learning, Outcome
from handlers.scope.watch import watch_message
from storage.migrate import upgrade
from storage.store import Store
from support.slack_api import FakeSlackApi
from tests.support.harness import START
from tests.support.replicas import slack_replicas, two_stores

CHANNEL = Place(Platform.SLACK, "C1", "T1")
ASKS = ("while we're at it, can we also add a CSV export to the release?",
        "one more thing: could we also include SSO in the same release?",
        "quick addition: can we also extend it to the admin page? shouldn't take long",
        "the client asked if we could include dark mode in this release too")
AT_ONCE = 12
LEARN = Learning(step=0.25, cap=1.0, relax=0.1)


def _ask(n: int, thread: str | None, message_id: str) -> ChatMessage:
    return ChatMessage(who=Person(Platform.SLACK, f"U{n % 3}"), where=CHANNEL.in_thread(thread),
                       text=ASKS[n % len(ASKS)], message_id=message_id, event_id=f"Ev{n}")


async def test_one_prompt_per_thread_when_two_replicas_see_its_asks_at_once(db_url: str) -> None:
    """The thread's first ask (twice: Slack's retry lands on the other replica) and the asks replied in its
    thread, all at once, alternating between two replicas: one prompt, in that thread."""
    await upgrade(db_url)
    slack = await FakeSlackApi().start()
    async with slack_replicas(db_url, slack, FakeClock(START)) as replicas:
        root = "1700000000.000100"
        messages = [_ask(0, None, root), _ask(0, None, root)]  # the first ask and its redelivery
        messages += [_ask(n, root, f"1700000000.{n:06d}") for n in range(1, AT_ONCE)]
        replies = await asyncio.gather(*(watch_message(m, replicas[n % 2].services)
                                         for n, m in enumerate(messages)))
        prompts = [r for r in replies if isinstance(r, Reply)]
        assert len(prompts) == 1, f"{len(prompts)} prompts in one thread"
        stored = await replicas[1].store.scope.counts(CHANNEL, START.replace(year=START.year - 1))
        assert (stored.prompts, stored.watch_prompts) == (1, 1)


@pytest.fixture
async def stores(db_url: str) -> AsyncIterator[tuple[Store, Store]]:
    """Two stores on one database, each with its own engine: two replicas."""
    async with two_stores(db_url, FakeClock(START)) as pair:
        yield pair


@pytest.mark.parametrize("kind", [COMMITMENT, PARKED])
async def test_a_list_one_short_of_its_cap_takes_one_more_item_when_replicas_add_at_once(
        stores: tuple[Store, Store], kind: ItemKind) -> None:
    cap = 5
    a, b = stores
    # every connection the adds will use is open already, so they really run at once
    await asyncio.gather(*((a, b)[n % 2].scope.items(CHANNEL, kind) for n in range(AT_ONCE)))
    for attempt in range(5):  # a race is a race: a fresh list each time, a few chances to show
        channel = Place(Platform.SLACK, f"C{attempt}", "T1")
        for n in range(cap - 1):
            assert await a.scope.add_item(channel, kind, f"item {n}", cap) is not None
        added = await asyncio.gather(*((a, b)[n % 2].scope.add_item(channel, kind, f"late {n}", cap)
                                       for n in range(AT_ONCE)))
        listed = await b.scope.items(channel, kind)
        assert len(listed) == cap, f"{len(listed)} open items on a list capped at {cap}"
        assert len([i for i in added if i is not None]) == 1
        assert await a.scope.add_item(channel, kind, "one too many", cap) is None


async def test_decisions_and_adds_at_once_keep_the_cap_when_the_decision_counts_the_room(
        stores: tuple[Store, Store]) -> None:
    """`decide(..., room=cap)` counts the list in the decision's own transaction: park decisions and parks
    on two replicas at once, on a parking lot one short of its cap, add one idea; the decisions that found it
    full recorded nothing (their prompts stay open, to be decided once there is room)."""
    cap = 5
    a, b = stores
    await asyncio.gather(*((a, b)[n % 2].scope.items(CHANNEL, PARKED) for n in range(AT_ONCE)))
    for attempt in range(3):
        channel = Place(Platform.SLACK, f"D{attempt}", "T1")
        for n in range(cap - 1):
            assert await a.scope.add_item(channel, PARKED, f"idea {n}", cap) is not None
        prompts = [p for n in range(AT_ONCE // 2)
                   if (p := await a.scope.claim_thread(channel, f"9.{n}", "r", f"ask {n}", 3.0)) is not None]
        decisions = [(a, b)[n % 2].scope.decide(p.id, channel, Decision(Outcome.PARK, added=p.quote), LEARN,
                                                room=cap) for n, p in enumerate(prompts)]
        adds = [(b, a)[n % 2].scope.add_item(channel, PARKED, f"late {n}", cap) for n in range(AT_ONCE // 2)]
        results = await asyncio.gather(*decisions, *adds)
        assert len(await b.scope.items(channel, PARKED)) == cap
        decided = [d for d in results if isinstance(d, Decided)]
        added = [i for i in results[len(prompts):] if i is not None]
        assert len(decided) == len(prompts)
        assert sum(d.status == "decided" for d in decided) + len(added) == 1
        for d in decided:
            assert d.status in ("decided", "full")
            assert d.prompt is not None and d.prompt.is_open == (d.status == "full")
    # dropping a listed commitment makes its own room, even on a full list
    channel = Place(Platform.SLACK, "D9", "T1")
    listed = [await a.scope.add_item(channel, COMMITMENT, f"c{n}", 2) for n in range(2)]
    prompt = await a.scope.claim_thread(channel, "9.9", "r", "new work", 3.0)
    assert prompt is not None and listed[0] is not None
    full = await b.scope.decide(prompt.id, channel, Decision(Outcome.EXTEND, added="new work"), LEARN, room=2)
    assert full.status == "full" and full.prompt is not None and full.prompt.is_open
    done = await b.scope.decide(prompt.id, channel, Decision(Outcome.DROP, added="new work",
                                                             drop_item_id=listed[0].id), LEARN, room=2)
    assert done.status == "decided"
    assert [i.text for i in await a.scope.items(channel, COMMITMENT)] == ["c1", "new work"]


@pytest.mark.parametrize("outcome, words", [(Outcome.PARK, "parking lot is full"),
                                            (Outcome.EXTEND, "open commitments"),
                                            (Outcome.DROP, "open commitments")])
async def test_a_decision_the_store_finds_full_gets_the_same_friendly_refusal(outcome: Outcome, words: str) -> None:
    """The list filled up on another replica between the quick check and the decision: the store answers
    "full" (nothing recorded, the prompt still open) and the person reads the cap, not the prompt as decided."""
    from datetime import UTC, datetime

    from handlers.core.errors import UserError
    from handlers.scope.actions import answer, room_for
    from handlers.scope.ports import Prompt, Source

    prompt = Prompt(1, CHANNEL, Source.WATCH, "also add CSV export", "CSV export", 0.9, datetime(2026, 3, 2, tzinfo=UTC))
    decision = Decision(outcome, added="CSV export")
    assert room_for(decision) is not None
    with pytest.raises(UserError, match=words):
        await answer(None, None, Decided("full", prompt), decision)  # type: ignore[arg-type]
