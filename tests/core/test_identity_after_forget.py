"""A forgotten person who comes back is stored again (storage/repos/identities.py). `IdentityRepo.remember`
skips the write for a person it saw unchanged; without care, a forget — in this process, by `steadybot
forget` or on another replica — left that entry behind, and the person was never stored again until a
restart: no name, no timezone, no workspace for their direct line. This process's forget drops the entry at
once; another process's is trusted for at most `SEEN_FOR` (by the injected clock). On SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from handlers.core.clock import FakeClock
from handlers.core.types import Person, Platform
from handlers.pulse.forgetting import forget_everywhere, forget_person
from storage.db import Database
from storage.migrate import upgrade
from storage.repos.identities import SEEN_FOR
from storage.store import Store

ANA = Person(Platform.SLACK, "U1", "Ana", "Europe/Berlin")


@pytest.fixture
async def stores(db_url: str) -> AsyncIterator[tuple[Store, Store, FakeClock]]:
    """This process's store and another process's (the CLI, a replica) on the same database and clock."""
    await upgrade(db_url)
    clock = FakeClock()
    here, there = Database(db_url), Database(db_url)
    try:
        yield Store(here, clock), Store(there, clock), clock
    finally:
        await here.dispose()
        await there.dispose()


async def _stored(store: Store) -> bool:
    line = await store.identities.direct_line(Platform.SLACK, ANA.id)
    return await store.identities.get(Platform.SLACK, ANA.id) is not None and line is not None and line.team_id == "T1"


async def test_forgotten_here_then_back_is_stored_again(stores: tuple[Store, Store, FakeClock]) -> None:
    here, _, _ = stores
    await here.identities.remember(ANA, "T1")
    assert await _stored(here)
    report = await forget_person(here, None, Platform.SLACK, ANA.id)
    assert report.identity and not await _stored(here)
    await here.identities.remember(ANA, "T1")  # their next interaction, at once
    assert await _stored(here)


async def test_forgotten_by_another_process_is_stored_again_within_the_bound(
        stores: tuple[Store, Store, FakeClock]) -> None:
    here, there, clock = stores
    await here.identities.remember(ANA, "T1")
    await here.identities.remember_many([(Person(Platform.SLACK, "U2", "Ben", "UTC"), "T1")])
    (report,) = await forget_everywhere(there, None, ANA.id, Platform.SLACK)  # `steadybot forget U1`
    assert report.identity
    await there.pulse.forget(Platform.SLACK, "U2")
    assert not await _stored(here)
    clock.advance(SEEN_FOR)
    await here.identities.remember(ANA, "T1")
    assert await _stored(here)
    assert await here.identities.remember_many([(Person(Platform.SLACK, "U2", "Ben", "UTC"), "T1")]) == 1
    assert await here.identities.get(Platform.SLACK, "U2") is not None


async def test_an_unchanged_person_within_the_bound_costs_no_write(stores: tuple[Store, Store, FakeClock]) -> None:
    here, _, clock = stores
    await here.identities.remember(ANA, "T1")
    clock.advance(SEEN_FOR / 2)
    assert await here.identities.remember_many([(ANA, "T1")]) == 0
