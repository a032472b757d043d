"""Pulse storage on SQLite and PostgreSQL: the anonymity is in the schema, answers count once, closed rounds
are sealed, aggregates come from SQL, and forgetting a person leaves the anonymous rows alone."""

from __future__ import annotations

import asyncio
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import Date, DateTime, inspect, text

from handlers.core.clock import FakeClock
from handlers.core.recurrence import parse_recurrence
from handlers.core.types import OutboxItem, Person, Place, Platform, Reply, Target
from handlers.pulse.forgetting import forget_everywhere
from handlers.pulse.model import Answer, Outcome
from handlers.pulse.ports import RoundStats
from storage.db import Database
from storage.models import every_table
from storage.models.base import UTCDateTime
from storage.store import Store

PLACE = Place(Platform.SLACK, "C1", "T1", name="team")
USERISH = re.compile(r"user|person|people|who|author|member|aad|name|email|platform|identity|participant|"
                     r"created|updated|_at$|time|date|day|seq|order|ts$", re.IGNORECASE)
ANONYMOUS_TABLES = ("pulse_answers", "pulse_comments")


async def _round(store: Store, people: list[str], key: str = "r1", place: Place = PLACE, hours: int = 72):  # type: ignore[no-untyped-def]
    rnd = await store.pulse.create_round(key, place, hours)
    await store.pulse.add_invitations(rnd.id, [(Platform.SLACK, p) for p in people])
    now = store.pulse.clock.now()
    return await store.pulse.finish_invitations(rnd.id, now, now + timedelta(hours=hours))


def _answer(*scores: int, comment: str | None = None) -> Answer:
    return Answer(tuple(scores), comment)


# ---- the schema ------------------------------------------------------------------------------------------
def test_no_answer_table_has_a_user_column_a_time_or_an_ordered_key() -> None:
    tables = [t for name, t in every_table().tables.items()
              if name in ANONYMOUS_TABLES or (name.startswith("pulse") and ("answer" in name or "comment" in name))]
    assert {t.name for t in tables} == set(ANONYMOUS_TABLES)
    for table in tables:
        userish = [c.name for c in table.columns if USERISH.search(c.name)]
        assert userish == [], f"{table.name} has person- or time-like columns: {userish}"
        assert not [c.name for c in table.columns if isinstance(c.type, DateTime | Date | UTCDateTime)]
        pk = list(table.primary_key.columns)
        assert len(pk) == 1 and pk[0].type.python_type is str and pk[0].autoincrement is not True
        assert {fk.column.table.name for fk in table.foreign_keys} == {"pulse_rounds"}
        assert table.dialect_options["sqlite"]["with_rowid"] is False
    participation = every_table().tables["pulse_participation"]
    assert {c.name for c in participation.columns} == {"round_id", "platform", "user_id", "answered"}
    journal = every_table().tables["pulse_journal"]
    assert not {"round_id", "answer_id", "created_at", "answered_at"} & {c.name for c in journal.columns}


async def test_the_migrated_database_matches_the_anonymous_schema(store: Store, db_url: str) -> None:
    async with store.db.engine.connect() as conn:
        columns = await conn.run_sync(lambda sync: {t: [c["name"] for c in inspect(sync).get_columns(t)]
                                                    for t in (*ANONYMOUS_TABLES, "pulse_participation")})
        if store.db.is_postgres:
            return
        for table in ANONYMOUS_TABLES:  # WITHOUT ROWID: no hidden insertion order either
            with pytest.raises(Exception, match="rowid"):
                await conn.execute(text(f"SELECT rowid FROM {table}"))
    assert columns["pulse_answers"] == ["id", "round_id", "exhaustion", "cynicism", "efficacy", "workload", "burnout"]
    assert columns["pulse_comments"] == ["id", "round_id", "text"]


# ---- answering -------------------------------------------------------------------------------------------
async def test_an_answer_counts_once_and_never_after_the_close(store: Store) -> None:
    rnd = await _round(store, ["U1", "U2", "U3"])
    day = date(2026, 3, 2)
    first = await store.pulse.record(rnd.id, Platform.SLACK, "U1", _answer(4, 4, 3, 3, 2, comment="fine"), day)
    assert first.outcome == Outcome.RECORDED and not first.completed and first.offer_journal
    again = await store.pulse.record(rnd.id, Platform.SLACK, "U1", _answer(1, 1, 1, 1, 5), day)
    assert again.outcome == Outcome.ALREADY
    stranger = await store.pulse.record(rnd.id, Platform.SLACK, "U9", _answer(1, 1, 1, 1, 5), day)
    assert stranger.outcome == Outcome.NOT_INVITED
    missing = await store.pulse.record(99999, Platform.SLACK, "U1", _answer(1, 1, 1, 1, 5), day)
    assert missing.outcome == Outcome.NO_ROUND
    assert await store.pulse.answer_count(rnd.id) == 1
    assert await store.pulse.invitation(rnd.id, Platform.SLACK, "U1") is True
    assert await store.pulse.invitation(rnd.id, Platform.SLACK, "U2") is False
    assert await store.pulse.invitation(rnd.id, Platform.SLACK, "U9") is None
    store.pulse.clock.advance(days=4)  # type: ignore[attr-defined]
    late = await store.pulse.record(rnd.id, Platform.SLACK, "U2", _answer(3, 3, 3, 3, 3), day)
    assert late.outcome == Outcome.CLOSED and await store.pulse.answer_count(rnd.id) == 1


async def test_the_same_person_answering_twice_at_once_counts_once(store: Store) -> None:
    rnd = await _round(store, ["U1", "U2"])
    results = await asyncio.gather(*(store.pulse.record(rnd.id, Platform.SLACK, "U1", _answer(3, 3, 3, 3, 3),
                                                        date(2026, 3, 2)) for _ in range(4)))
    assert sorted(r.outcome for r in results) == [Outcome.ALREADY] * 3 + [Outcome.RECORDED]
    assert await store.pulse.answer_count(rnd.id) == 1


async def test_the_last_expected_answer_closes_and_seals_the_round(store: Store) -> None:
    rnd = await _round(store, ["U1", "U2", "U3"])
    for i, user in enumerate(["U1", "U2", "U3"], 1):
        result = await store.pulse.record(rnd.id, Platform.SLACK, user, _answer(i, i, i, i, i, comment=f"c{i}"),
                                          date(2026, 3, 2))
    assert result.completed
    sealed = await store.pulse.round(rnd.id)
    assert sealed is not None and sealed.sealed and not sealed.is_open(store.pulse.clock.now())
    assert sorted(await store.pulse.comments(rnd.id)) == ["c1", "c2", "c3"]
    assert await store.pulse.seal(rnd.id) is False  # once only


async def test_sealing_rewrites_the_round_in_one_random_order(store: Store) -> None:
    people = [f"U{i}" for i in range(12)]
    rnd = await _round(store, people + ["U99"])
    for i, user in enumerate(people):
        await store.pulse.record(rnd.id, Platform.SLACK, user, _answer(1 + i % 5, 3, 3, 3, 1 + i % 3), date(2026, 3, 2))
    async with store.db.engine.connect() as conn:
        ids_before = set((await conn.execute(text("SELECT id FROM pulse_answers"))).scalars())
    await store.pulse.close_round(rnd.id)
    async with store.db.engine.connect() as conn:
        ids_after = set((await conn.execute(text("SELECT id FROM pulse_answers"))).scalars())
        scores = sorted((await conn.execute(text("SELECT exhaustion, burnout FROM pulse_answers"))).all())
        parts = (await conn.execute(text("SELECT user_id, answered FROM pulse_participation"))).all()
        if store.db.is_postgres:  # one writing transaction for every row: xmin no longer orders anything
            for table in ("pulse_answers", "pulse_participation"):
                xmins = (await conn.execute(text(f"SELECT DISTINCT xmin::text FROM {table}"))).all()
                assert len(xmins) == 1, table
    assert ids_before.isdisjoint(ids_after) and len(ids_after) == 12
    assert scores == sorted((1 + i % 5, 1 + i % 3) for i in range(12))
    assert sorted(parts) == sorted([(u, True) for u in people] + [("U99", False)])


# ---- aggregates ------------------------------------------------------------------------------------------
async def test_recent_stats_aggregate_each_round_in_sql(store: Store) -> None:
    clock: FakeClock = store.pulse.clock  # type: ignore[assignment]
    old = await _round(store, ["U1", "U2", "U3", "U4"], "old")
    for user, level in (("U1", 1), ("U2", 2), ("U3", 2)):
        await store.pulse.record(old.id, Platform.SLACK, user, _answer(level, 5, 4, 3, level), date(2026, 3, 2))
    clock.advance(days=7)
    # answers wait encrypted until the seal: an unsealed round has a number of answers, no aggregate
    unsealed = (await store.pulse.recent_stats(PLACE, 12))[0]
    assert unsealed.answers == 3 and unsealed.counts["exhaustion"] == (0, 0, 0, 0, 0)
    assert await store.pulse.seal(old.id)
    new = await _round(store, ["U1", "U2"], "new")
    elsewhere = await _round(store, ["U1"], "other", Place(Platform.SLACK, "C2"))
    await store.pulse.record(elsewhere.id, Platform.SLACK, "U1", _answer(5, 5, 5, 5, 5), date(2026, 3, 9))
    stats = await store.pulse.recent_stats(PLACE, 12)
    assert [s.round.id for s in stats] == [new.id, old.id]
    assert stats[0].answers == 0 and stats[0].mean("burnout") == 0
    assert stats[1].answers == 3
    assert stats[1].counts["exhaustion"] == (1, 2, 0, 0, 0) and stats[1].counts["cynicism"] == (0, 0, 0, 0, 3)
    assert stats[1].mean("exhaustion") == pytest.approx(5 / 3)
    assert stats[1].at_or_above("burnout", 2) == 2
    assert [s.round.id for s in await store.pulse.recent_stats(PLACE, 1)] == [new.id]


# ---- schedules and rounds --------------------------------------------------------------------------------
async def test_rounds_and_schedules_are_idempotent_across_replicas(store: Store) -> None:
    rule = parse_recurrence("every friday at 3pm")
    first = rule.next_after(store.pulse.clock.now().replace(tzinfo=None))
    schedule = await store.pulse.set_schedule(PLACE, "every friday at 3pm", rule, first, 72, "U1")
    replica = Store(store.db, store.pulse.clock)
    a, b = await asyncio.gather(store.pulse.create_round("schedule:1:x", PLACE, 72, schedule_id=schedule.id,
                                                         occurrence=first),
                                replica.pulse.create_round("schedule:1:x", PLACE, 72, schedule_id=schedule.id,
                                                           occurrence=first))
    assert a.id == b.id and a.occurrence == first
    following = rule.next_after(first)
    moved = await asyncio.gather(store.pulse.advance_schedule(schedule.id, first, following),
                                 replica.pulse.advance_schedule(schedule.id, first, following))
    assert sorted(moved) == [False, True]
    await store.pulse.add_invitations(a.id, [(Platform.SLACK, "U1"), (Platform.SLACK, "U2")])
    await replica.pulse.add_invitations(a.id, [(Platform.SLACK, "U2"), (Platform.SLACK, "U3")])
    done = await store.pulse.finish_invitations(a.id, None, store.pulse.clock.now() + timedelta(days=3))
    assert done.invited == 3
    replaced = await store.pulse.set_schedule(PLACE, "weekdays at 9", parse_recurrence("weekdays at 9"), first, 24, "U1")
    assert (await store.pulse.active_schedule(PLACE)) == replaced
    assert [s.id for s in await store.pulse.active_schedules()] == [replaced.id]
    assert (await store.pulse.stop_schedule(PLACE)) is not None and await store.pulse.stop_schedule(PLACE) is None
    # a channel has one open round at a time: an older one closes when the next one starts
    starts = store.pulse.clock.now() + timedelta(hours=5)
    newer = await store.pulse.create_round("b", PLACE, 72)
    await store.pulse.add_invitations(newer.id, [(Platform.SLACK, "U1")])
    await store.pulse.finish_invitations(newer.id, starts, starts + timedelta(days=3))
    assert (await store.pulse.round(a.id)).closes_at == starts  # type: ignore[union-attr]


# ---- people, journal, forgetting -------------------------------------------------------------------------
async def test_forget_removes_the_person_and_leaves_the_anonymous_rows(store: Store) -> None:
    ana, ben = "UANA", "UBEN"
    await store.pulse.set_prefs(Platform.SLACK, ana, journal=True, journal_asked=True)
    closed = await _round(store, [ana, ben], "closed")
    await store.pulse.record(closed.id, Platform.SLACK, ana, _answer(2, 2, 2, 2, 4, comment="tired"), date(2026, 3, 2))
    await store.pulse.close_round(closed.id)
    open_round = await _round(store, [ana, ben], "open")
    await store.pulse.add_reflection(Platform.SLACK, ana, date(2026, 3, 6), "pairing", "meetings")
    now = store.pulse.clock.now()
    await store.outbox.enqueue([
        OutboxItem(Target.user(Person(Platform.SLACK, ana)), now, "pulse.remind", dedupe_key="pulse:x:remind:ana"),
        OutboxItem(Target.user(Person(Platform.SLACK, ben)), now, "pulse.remind", dedupe_key="pulse:x:remind:ben"),
        OutboxItem(Target.user(Person(Platform.SLACK, ana)), now, reply=Reply("timer"), dedupe_key="timebox:1"),
    ])
    assert len(await store.pulse.journal(Platform.SLACK, ana, 10)) == 2
    report = await store.pulse.forget(Platform.SLACK, ana)
    # every outbox row addressed to her goes, the timer too: it names her (issue 12)
    assert (report.journal_entries, report.participation, report.messages) == (2, 2, 2)
    assert await store.pulse.journal(Platform.SLACK, ana, 10) == []
    assert await store.pulse.invitation(closed.id, Platform.SLACK, ana) is None
    assert await store.pulse.invitation(open_round.id, Platform.SLACK, ben) is False
    assert (await store.pulse.round(open_round.id)).invited == 1  # type: ignore[union-attr]
    assert (await store.pulse.round(closed.id)).invited == 2  # type: ignore[union-attr] # history unchanged
    assert await store.pulse.answer_count(closed.id) == 1 and await store.pulse.comments(closed.id) == ["tired"]
    assert (await store.outbox.counts()).get("pending") == 1  # Ben's reminder stays
    assert await store.pulse.prefs(Platform.SLACK, ana) == type(await store.pulse.prefs(Platform.SLACK, "x"))()
    # someone who opted out stays out after being forgotten
    await store.pulse.set_prefs(Platform.SLACK, ben, opted_out=True, journal=True)
    await store.pulse.forget(Platform.SLACK, ben)
    prefs = await store.pulse.prefs(Platform.SLACK, ben)
    assert prefs.opted_out and not prefs.journal
    assert await store.pulse.opted_out(Platform.SLACK, [ana, ben]) == {ben}
    # `steadybot forget` finds Teams people by their Azure AD object id too
    await store.identities.remember(Person(Platform.TEAMS, "29:ana", "Ana", None, False, "aad-ana"), "tenant")
    await store.pulse.set_prefs(Platform.TEAMS, "29:ana", journal=True)
    await store.pulse.add_reflection(Platform.TEAMS, "29:ana", date(2026, 3, 6), "x", None)
    reports = await forget_everywhere(store, None, "aad-ana")
    assert [(r.platform, r.user_id, r.journal_entries) for r in reports if r.anything] == \
        [(Platform.TEAMS, "29:ana", 1)]


# ---- totals of sealed rounds -------------------------------------------------------------------------------
async def _live(store: Store) -> list[RoundStats]:
    """recent_stats with every round aggregated from its answers (the totals table emptied first)."""
    async with store.db.session() as s:
        await s.execute(text("DELETE FROM pulse_round_totals"))
    return await store.pulse.recent_stats(PLACE, 50)


async def test_sealing_writes_the_rounds_totals_and_results_read_them(store: Store) -> None:
    clock: FakeClock = store.pulse.clock  # type: ignore[assignment]
    people = [f"U{i}" for i in range(9)]
    sealed = await _round(store, people + ["U99"], "sealed")
    for i, user in enumerate(people):
        await store.pulse.record(sealed.id, Platform.SLACK, user, _answer(1 + i % 5, 1 + i % 2, 3, 5, 1 + i % 4),
                                 date(2026, 3, 2))
    await store.pulse.close_round(sealed.id)
    empty = await _round(store, ["U1"], "empty")
    await store.pulse.close_round(empty.id)
    clock.advance(days=7)
    still_open = await _round(store, ["U1", "U2"], "open")
    await store.pulse.record(still_open.id, Platform.SLACK, "U1", _answer(2, 2, 2, 2, 2), date(2026, 3, 9))
    async with store.db.engine.connect() as conn:
        totals = {row[0]: row[1:] for row in (await conn.execute(text("SELECT * FROM pulse_round_totals"))).all()}
    assert set(totals) == {sealed.id, empty.id}  # sealed rounds only, an empty one included
    assert totals[sealed.id][0] == 9 and totals[empty.id][0] == 0
    from_totals = await store.pulse.recent_stats(PLACE, 50)
    assert [s.round.id for s in from_totals] == [still_open.id, empty.id, sealed.id]
    assert from_totals[2].counts["exhaustion"] == (2, 2, 2, 2, 1)
    # the open round's answer waits encrypted for its seal: counted, not aggregated
    assert from_totals[0].answers == 1 and from_totals[0].counts["burnout"] == (0, 0, 0, 0, 0)
    assert from_totals == await _live(store)  # the same numbers as counting every answer


async def test_write_totals_fills_sealed_rounds_without_them_and_leaves_the_rest(store: Store) -> None:
    rounds = []
    for n in range(3):
        rnd = await _round(store, ["U1", "U2"], f"r{n}")
        await store.pulse.record(rnd.id, Platform.SLACK, "U1", _answer(n + 1, 1, 1, 1, 1), date(2026, 3, 2))
        await store.pulse.close_round(rnd.id)
        rounds.append(rnd)
    expected = await store.pulse.recent_stats(PLACE, 50)
    assert await store.pulse.write_totals() == 0  # sealing wrote them all
    await _live(store)
    assert await store.pulse.write_totals() == 3
    assert await store.pulse.recent_stats(PLACE, 50) == expected
    assert await store.pulse.write_totals([rounds[0].id]) == 1  # rewriting is harmless
    assert await store.pulse.recent_stats(PLACE, 50) == expected


async def test_the_migration_gives_rounds_sealed_before_it_their_totals(db_url: str) -> None:
    from alembic import command

    from storage.migrate import alembic_config

    config = alembic_config(db_url)
    await asyncio.to_thread(command.upgrade, config, "heads")
    await asyncio.to_thread(command.downgrade, config, "0100_pulse")  # as before the totals existed
    db = Database(db_url)
    try:  # rows as the code of that time wrote them (today's models have columns that schema lacks)
        now = FakeClock().now()
        async with db.session() as s:  # sealed by the code of that time, which wrote no totals
            await s.execute(text(
                "INSERT INTO pulse_rounds (id, key, platform, channel_id, team_id, channel_name, opened_at, "
                "first_due_at, closes_at, window_hours, invited, sealed) VALUES (1, 'r1', 'slack', 'C1', 'T1', "
                "'team', :now, :now, :now, 72, 4, :yes)"), {"now": now, "yes": True})
            for i, level in enumerate((4, 4, 1)):
                await s.execute(text(
                    "INSERT INTO pulse_answers (id, round_id, exhaustion, cynicism, efficacy, workload, burnout) "
                    "VALUES (:id, 1, :level, 2, 3, 4, 5)"), {"id": f"a{i}", "level": level})
    finally:
        await db.dispose()
    await asyncio.to_thread(command.upgrade, config, "heads")
    db = Database(db_url)
    try:
        stats = await Store(db, FakeClock()).pulse.recent_stats(PLACE, 12)
        async with db.engine.connect() as conn:
            assert (await conn.execute(text("SELECT answers, exhaustion_4, burnout_5 FROM pulse_round_totals"))).all() \
                == [(3, 2, 3)]
        assert stats[0].answers == 3 and stats[0].counts["exhaustion"] == (1, 0, 0, 2, 0)
    finally:
        await db.dispose()


def test_totals_hold_counts_per_round_and_nothing_about_people() -> None:
    totals = every_table().tables["pulse_round_totals"]
    assert [c.name for c in totals.columns][:2] == ["round_id", "answers"]
    assert not [c.name for c in totals.columns if USERISH.search(c.name)]
    assert {fk.column.table.name for fk in totals.foreign_keys} == {"pulse_rounds"}
