"""A row queued for a channel after its platform archived or deleted it (a pulse round that was open closes and
queues its results; a meeting's nudge) goes in parked, like the rows queued before the archive: never claimed,
status `skipped` with the reason PARKED, and back to pending with them when the channel returns (storage/repos/
places.py; docs/operations.md, "Archived and deleted channels"). Rows to people are not the channel's. On SQLite
and PostgreSQL, through the store's place-state API as the channel events reach it."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from handlers.core.clock import FakeClock
from handlers.core.types import OutboxItem, Person, Place, Platform, Reply, Target
from storage.models.core import OutboxRow
from storage.repos.places import PARKED
from storage.store import Store

SLACK_CHANNEL = Place(Platform.SLACK, "C1", "T1")
TEAMS_CHANNEL = Place(Platform.TEAMS, "19:general@thread.tacv2", "19:team@thread.tacv2")
OTHER_TEAMS_CHANNEL = Place(Platform.TEAMS, "19:general@thread.tacv2", "19:other@thread.tacv2")


async def _states(store: Store) -> dict[str, tuple[str, str | None]]:
    async with store.db.session() as s:
        rows = (await s.execute(select(OutboxRow.dedupe_key, OutboxRow.status, OutboxRow.last_error))).all()
    return {key or "": (status, error) for key, status, error in rows}


async def _claimed(store: Store) -> list[str]:
    """The rows due now, claimed and marked sent."""
    rows = await store.outbox.claim("w", 100)
    for row in rows:
        await store.outbox.mark_sent(row.id)
    return sorted(row.dedupe_key or "" for row in rows)


async def test_a_row_queued_for_an_archived_channel_is_parked_and_comes_back_with_it(store: Store) -> None:
    clock: FakeClock = store.outbox.clock  # type: ignore[assignment]
    await store.places.set_active(SLACK_CHANNEL, False, "archived", clock.now())
    now = clock.now()
    person = Target.user(Person(Platform.SLACK, "U1"), "T1")  # a member of the archived channel
    assert await store.outbox.enqueue([
        OutboxItem(Target.channel(SLACK_CHANNEL), now, reply=Reply("results"), dedupe_key="results"),
        OutboxItem(Target.channel(Place(Platform.SLACK, "C1", "T1", "171.2")), now + timedelta(hours=2),
                   reply=Reply("in the thread"), dedupe_key="thread"),
        OutboxItem(person, now, reply=Reply("your DM"), dedupe_key="dm"),
        OutboxItem(Target.channel(Place(Platform.SLACK, "C2", "T1")), now, reply=Reply("elsewhere"),
                   dedupe_key="other"),
    ]) == 4
    states = await _states(store)
    assert states["results"] == ("skipped", PARKED), states
    assert states["thread"] == ("skipped", PARKED), states
    assert states["dm"] == ("pending", None) and states["other"] == ("pending", None), states
    assert await _claimed(store) == ["dm", "other"]

    clock.advance(minutes=30)
    changed = await store.places.set_active(SLACK_CHANNEL, True, "unarchived", clock.now())
    assert changed.applied and changed.outbox_rows == 1  # the thread's row, still ahead; the results' time passed
    states = await _states(store)
    assert states["thread"] == ("pending", None) and states["results"] == ("skipped", PARKED), states
    clock.advance(hours=2)
    assert await _claimed(store) == ["thread"]


async def test_a_row_queued_for_a_channel_of_an_archived_team_is_parked_and_the_team_brings_it_back(
        store: Store) -> None:
    clock: FakeClock = store.outbox.clock  # type: ignore[assignment]
    await store.places.set_team_active(Platform.TEAMS, TEAMS_CHANNEL.team_id, False, "team archived", clock.now())
    later = clock.now() + timedelta(hours=1)
    await store.outbox.enqueue([
        OutboxItem(Target.channel(TEAMS_CHANNEL), later, reply=Reply("nudge"), dedupe_key="nudge"),
        OutboxItem(Target.channel(OTHER_TEAMS_CHANNEL), later, reply=Reply("other team"), dedupe_key="other"),
        OutboxItem(Target.user(Person(Platform.TEAMS, "29:ana"), TEAMS_CHANNEL.team_id), later,
                   reply=Reply("DM"), dedupe_key="dm"),
    ])
    states = await _states(store)
    assert states == {"nudge": ("skipped", PARKED), "other": ("pending", None), "dm": ("pending", None)}, states

    clock.advance(minutes=10)
    changed = await store.places.set_team_active(Platform.TEAMS, TEAMS_CHANNEL.team_id, True, "team unarchived",
                                                 clock.now())
    assert changed.applied and changed.outbox_rows == 1
    clock.advance(hours=1)
    assert await _claimed(store) == ["dm", "nudge", "other"]


async def test_a_teams_channel_deleted_on_its_own_parks_only_its_team_s_rows(store: Store) -> None:
    clock: FakeClock = store.outbox.clock  # type: ignore[assignment]
    await store.places.set_active(TEAMS_CHANNEL, False, "deleted", clock.now())
    later = clock.now() + timedelta(hours=1)
    await store.outbox.enqueue([
        OutboxItem(Target.channel(TEAMS_CHANNEL), later, reply=Reply("nudge"), dedupe_key="nudge"),
        OutboxItem(Target.channel(OTHER_TEAMS_CHANNEL), later, reply=Reply("same id, other team"),
                   dedupe_key="other"),
    ])
    assert await _states(store) == {"nudge": ("skipped", PARKED), "other": ("pending", None)}
    await store.places.set_active(TEAMS_CHANNEL, True, "restored", clock.now())
    assert await _states(store) == {"nudge": ("pending", None), "other": ("pending", None)}


async def test_an_enqueue_of_people_only_reads_no_place_state(store: Store) -> None:
    """A fan-out of DMs (the pulse's invitations) pays nothing for the check: no statement on place_states."""
    from sqlalchemy import event

    clock: FakeClock = store.outbox.clock  # type: ignore[assignment]
    await store.places.set_active(SLACK_CHANNEL, False, "archived", clock.now())
    seen: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany) -> None:  # type: ignore[no-untyped-def]
        seen.append(statement)

    event.listen(store.db.engine.sync_engine, "before_cursor_execute", record)
    try:
        await store.outbox.enqueue([OutboxItem(Target.user(Person(Platform.SLACK, f"U{i}"), "T1"), clock.now(),
                                               reply=Reply("DM")) for i in range(50)])
        assert not [s for s in seen if "place_states" in s], seen
        await store.outbox.enqueue([OutboxItem(Target.channel(SLACK_CHANNEL), clock.now(), reply=Reply("x"))])
        assert len([s for s in seen if "place_states" in s]) == 1, seen  # one read for a batch's channels
    finally:
        event.remove(store.db.engine.sync_engine, "before_cursor_execute", record)


async def test_a_parked_row_cancelled_while_its_channel_is_archived_stays_cancelled(store: Store) -> None:
    """A meeting cancelled (its nudges cancelled by prefix) while its channel is archived: its parked rows are
    cancelled too, and the unarchive brings back only what is still wanted."""
    clock: FakeClock = store.outbox.clock  # type: ignore[assignment]
    now = clock.now()
    channel = Target.channel(SLACK_CHANNEL)
    await store.outbox.enqueue([
        OutboxItem(channel, now + timedelta(hours=2), reply=Reply("nudge"), dedupe_key="meeting:7:nudge"),
        OutboxItem(channel, now + timedelta(hours=2), reply=Reply("other"), dedupe_key="meeting:8:nudge"),
    ])
    await store.places.set_active(SLACK_CHANNEL, False, "archived", now)
    assert await store.outbox.cancel("meeting:7:") == 1
    changed = await store.places.set_active(SLACK_CHANNEL, True, "unarchived", now + timedelta(minutes=5))
    assert changed.outbox_rows == 1
    states = await _states(store)
    assert states["meeting:7:nudge"] == ("cancelled", "cancelled"), states
    assert states["meeting:8:nudge"] == ("pending", None), states
