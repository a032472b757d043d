"""Storage of the lead-side rules on SQLite and PostgreSQL: a round's announced threshold only rises, the
sender's answer is counted conservatively, "first shown" is decided once — also when two replicas decide at
the same moment — and the migration freezes the threshold of older rounds."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import text

from handlers.core.clock import FakeClock
from handlers.core.recurrence import parse_recurrence
from handlers.core.types import Place, Platform
from handlers.pulse.model import Answer
from storage.db import Database
from storage.store import Store

PLACE = Place(Platform.SLACK, "C1", "T1", name="team")
OTHER = Place(Platform.SLACK, "C2", "T1", name="other")


async def _round(store: Store, key: str, people: list[str], answered: list[str], place: Place = PLACE) -> int:
    pulse = store.pulse
    rnd = await pulse.create_round(key, place, 72)
    await pulse.add_invitations(rnd.id, [(Platform.SLACK, p) for p in people])
    now = pulse.clock.now()
    await pulse.finish_invitations(rnd.id, now, now + timedelta(hours=72))
    for person in answered:
        await pulse.record(rnd.id, Platform.SLACK, person, Answer((3, 3, 3, 3, 2)), date(2026, 3, 2))
    await pulse.close_round(rnd.id)
    return rnd.id


async def test_the_announced_threshold_only_rises(store: Store) -> None:
    rnd = await store.pulse.create_round("r", PLACE, 72)
    assert await store.pulse.announce_threshold(rnd.id, 5) == 5
    assert await store.pulse.announce_threshold(rnd.id, 3) == 5
    assert await store.pulse.announce_threshold(rnd.id, 7) == 7
    assert (await store.pulse.round(rnd.id)).min_respondents == 7  # type: ignore[union-attr]


async def test_the_sender_counts_as_answered_when_their_record_is_gone(store: Store) -> None:
    people = [f"U{i}" for i in range(1, 7)]
    answered = await _round(store, "a", people, ["U1", "U2"])
    silent = await _round(store, "b", people, ["U2"])
    forgotten = await _round(store, "c", people, ["U2"])
    absent = await _round(store, "d", people[1:], ["U2"])
    for rnd in (answered, silent, forgotten):
        await store.pulse.set_round_sender(rnd, "U1", True)
    await store.pulse.set_round_sender(absent, "U1", False)
    await store.pulse.forget(Platform.SLACK, "U1")  # only forgets U1's rows; anonymous rows stay
    assert await store.pulse.sender_answered([answered, silent, forgotten, absent]) == {answered, silent, forgotten}
    async with store.db.session() as s:  # a forget that also blanks the sender's id on their rounds
        await s.execute(text("UPDATE pulse_rounds SET sender_id = NULL"))
    assert await store.pulse.sender_answered([answered, silent, forgotten, absent]) == {answered, silent, forgotten}


async def test_first_shown_is_decided_once_even_by_two_replicas_at_once(store: Store, db_url: str) -> None:
    team = [f"U{i}" for i in range(1, 8)]
    first = await _round(store, "a", team, team)
    second = await _round(store, "b", team[:6], team[:6], place=OTHER)  # one person fewer, the same days
    replica = Database(db_url)
    try:
        other = Store(replica, FakeClock())
        decided = await asyncio.gather(store.pulse.decide_shown(first, 5, 7), other.pulse.decide_shown(second, 5, 6))
        assert sorted(d.shown for d in decided if d is not None) == [False, True]  # exactly one shown
        again = await other.pulse.shown_decisions([first, second])
        assert {d.round_id: d.shown for d in again.values()} == {d.round_id: d.shown for d in decided if d}
        # asked again, with any k, the stored decision stands
        assert await store.pulse.decide_shown(first, 3, 7) == again[first]
    finally:
        await replica.dispose()


async def test_rounds_far_apart_or_with_different_people_are_both_shown(store: Store) -> None:
    team = [f"U{i}" for i in range(1, 13)]
    a = await _round(store, "a", team[:6], team[:6])
    b = await _round(store, "b", team[6:], team[6:], place=OTHER)  # same days, nobody in common
    store.pulse.clock.advance(timedelta(days=7))  # type: ignore[attr-defined]
    c = await _round(store, "c", team[:6], team[:6], place=OTHER)  # same people, a week later
    for rnd in (a, b, c):
        decision = await store.pulse.decide_shown(rnd, 5, 6)
        assert decision is not None and decision.shown


async def _shown(store: Store, *rounds: int) -> list[bool]:
    """Decide the rounds in order, as results would first look at them."""
    out = []
    for rnd in rounds:
        decision = await store.pulse.decide_shown(rnd, 5, 6)
        assert decision is not None
        out.append(decision.shown)
    return out


async def test_back_to_back_rounds_closed_early_that_differ_by_one_show_only_once(store: Store) -> None:
    """Review 1: the lead closes a round, a minute later pulses a side channel without U7 and closes it: the
    windows only touched, so both showed and 6×A − 5×B was U7's answer. Now the later one stays hidden, in
    another channel or in the same one (U7 removed from it between the rounds)."""
    team = [f"U{i}" for i in range(1, 8)]
    a = await _round(store, "a", team, team)
    store.pulse.clock.advance(timedelta(minutes=1))  # type: ignore[attr-defined]
    b = await _round(store, "b", team[:6], team[:6], place=OTHER)
    store.pulse.clock.advance(timedelta(minutes=1))  # type: ignore[attr-defined]
    c = await _round(store, "c", team[:6], team[:6])  # the same channel, U7 removed
    assert await _shown(store, a, b, c) == [True, False, False]


async def test_the_same_days_reach_six_days_from_the_start_whatever_the_close(store: Store) -> None:
    team = [f"U{i}" for i in range(1, 8)]
    a = await _round(store, "a", team, team)  # closed at once
    store.pulse.clock.advance(timedelta(days=5, hours=23))  # type: ignore[attr-defined]
    b = await _round(store, "b", team[:6], team[:6], place=OTHER)  # one fewer, within SAME_DAYS of a
    store.pulse.clock.advance(timedelta(days=6))  # type: ignore[attr-defined]
    c = await _round(store, "c", team, team)  # six days after b (and a hidden b): shown
    assert await _shown(store, a, b, c) == [True, False, True]


async def test_weekly_rounds_show_whoever_skipped_also_across_the_clock_change(store: Store) -> None:
    """A channel's Monday 10:00 (Berlin) rounds: the week the clocks go forward is 167 hours long, and one
    person skips a week: every round still shows (their answered sets differ by one, a week apart)."""
    berlin = ZoneInfo("Europe/Berlin")
    team = [f"U{i}" for i in range(1, 8)]
    rounds = []
    for week, answered in enumerate([team, team[:6], team, team[1:]]):
        monday = datetime(2026, 3, 16, 10, 0, tzinfo=berlin) + timedelta(days=7 * week)  # wall time, 16–30 Mar
        store.pulse.clock.set(monday.astimezone(UTC))  # type: ignore[attr-defined]
        rounds.append(await _round(store, f"w{week}", team, answered))
    assert datetime(2026, 3, 30, 10, 0, tzinfo=berlin) - datetime(2026, 3, 23, 10, 0, tzinfo=berlin) \
        == timedelta(days=7)  # wall clock; in UTC:
    assert (datetime(2026, 3, 30, 10, 0, tzinfo=berlin).astimezone(UTC)
            - datetime(2026, 3, 23, 10, 0, tzinfo=berlin).astimezone(UTC)) == timedelta(hours=167)
    assert await _shown(store, *rounds) == [True, True, True, True]


async def test_a_channel_pulsed_every_weekday_by_the_same_people_sees_each_round(store: Store) -> None:
    """Re-review: with the same days reaching six days, `weekdays at 9` hid every round after Monday's, though
    the same eight people answered each (a difference of nobody, which isolates nobody). A day one of them
    skips still stays hidden: that difference is one person."""
    team = [f"U{i}" for i in range(1, 9)]
    rounds = []
    for day, answered in enumerate([team, team, team, team[:7]]):
        if day:
            store.pulse.clock.advance(timedelta(days=1))  # type: ignore[attr-defined]
        rounds.append(await _round(store, f"d{day}", team, answered))
    assert await _shown(store, *rounds) == [True, True, True, False]


async def test_a_person_who_deleted_their_data_is_not_isolated_by_the_same_people_again(store: Store) -> None:
    """Third review: U9 answered round a, then deleted their data (`forget` removes who answered, not the
    anonymous answer). Round b of the other eight, a minute later, looked like "the same people" as a and was
    shown: a's nine answers minus b's eight gave U9's. Their answer still counts as a difference."""
    team = [f"U{i}" for i in range(1, 10)]
    a = await _round(store, "a", team, team)
    assert await _shown(store, a) == [True]
    await store.pulse.forget(Platform.SLACK, "U9")
    store.pulse.clock.advance(timedelta(minutes=1))  # type: ignore[attr-defined]
    b = await _round(store, "b", team[:8], team[:8])
    assert await _shown(store, b) == [False]


async def test_people_forgotten_from_both_rounds_do_not_make_a_difference_of_one_safe(store: Store) -> None:
    """Fourth review: X1 and X2 answered both rounds and deleted their data; counted once for each round they
    made a difference of one (Z) look like five, and b was shown: b minus a was Z's answer. The same people
    gone from both rounds cancel out."""
    same = [f"U{i}" for i in range(1, 8)]
    a = await _round(store, "a", [*same, "X1", "X2"], [*same, "X1", "X2"])
    assert await _shown(store, a) == [True]
    store.pulse.clock.advance(timedelta(minutes=1))  # type: ignore[attr-defined]
    b = await _round(store, "b", [*same, "X1", "X2", "Z"], [*same, "X1", "X2", "Z"])
    for gone in ("X1", "X2"):
        await store.pulse.forget(Platform.SLACK, gone)
    assert await _shown(store, b) == [False]


async def test_one_member_forgetting_themself_does_not_unhide_a_difference_of_one_at_three(store: Store) -> None:
    same = [f"U{i}" for i in range(1, 5)]
    a = await _round(store, "a", [*same, "X"], [*same, "X"])
    assert (await store.pulse.decide_shown(a, 3, 5)).shown  # type: ignore[union-attr]
    store.pulse.clock.advance(timedelta(minutes=1))  # type: ignore[attr-defined]
    b = await _round(store, "b", [*same, "X", "Z"], [*same, "X", "Z"])
    await store.pulse.forget(Platform.SLACK, "X")
    assert not (await store.pulse.decide_shown(b, 3, 6)).shown  # type: ignore[union-attr]


async def test_a_scheduled_refusal_is_told_once(store: Store) -> None:
    recurrence = parse_recurrence("every friday at 3pm")
    schedule = await store.pulse.set_schedule(PLACE, "every friday at 3pm", recurrence,
                                              store.pulse.clock.now().replace(tzinfo=None), 72, "U1")
    assert schedule.created_by == "U1"
    assert await store.pulse.mark_refusal_told(schedule.id) is True
    assert await store.pulse.mark_refusal_told(schedule.id) is False


async def test_the_migration_freezes_older_rounds_thresholds(db_url: str) -> None:
    from alembic import command

    from storage.migrate import alembic_config

    config = alembic_config(db_url)
    await asyncio.to_thread(command.upgrade, config, "heads")
    await asyncio.to_thread(command.downgrade, config, "0110_pulse_totals")
    db = Database(db_url)
    now = FakeClock().now()
    try:
        async with db.session() as s:
            for i, channel in enumerate(("C1", "C2", "C3"), start=1):
                await s.execute(text(
                    "INSERT INTO pulse_rounds (id, key, platform, channel_id, team_id, channel_name, opened_at, "
                    "closes_at, window_hours, invited, sealed) VALUES (:id, :key, 'slack', :channel, 'T1', 'team', "
                    ":now, :now, 72, 6, :yes)"), {"id": i, "key": f"r{i}", "channel": channel, "now": now, "yes": True})
            for channel, k in (("C1", 3), ("C2", 7)):
                await s.execute(text(
                    "INSERT INTO channel_settings (platform, channel_id, scope_watch, scope_sensitivity, "
                    "agenda_enforcement, quiet_start, quiet_end, min_respondents, extra, updated_by, updated_at) "
                    "VALUES ('slack', :channel, :yes, 'normal', :yes, '20:00', '08:00', :k, '{}', '', :now)"),
                    {"channel": channel, "k": k, "yes": True, "now": now})
    finally:
        await db.dispose()
    await asyncio.to_thread(command.upgrade, config, "heads")
    db = Database(db_url)
    try:
        async with db.engine.connect() as conn:
            rows = (await conn.execute(text("SELECT channel_id, min_respondents FROM pulse_rounds ORDER BY id"))).all()
        assert [tuple(r) for r in rows] == [("C1", 3), ("C2", 7), ("C3", 5)]
    finally:
        await db.dispose()
    await asyncio.to_thread(command.downgrade, config, "0110_pulse_totals")  # and back down cleanly
    await asyncio.to_thread(command.upgrade, config, "heads")
