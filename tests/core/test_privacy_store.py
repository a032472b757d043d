"""Issue 12, storage side, in-process: answers wait for their seal encrypted and padded, a wrong secret is
refused at start-up (never a silent loss), answers stored in plain text before the upgrade are sealed with
the rest, old journals are encrypted at start, person tables carry no answer time, the SDK loggers stay quiet
at DEBUG, and the fakes delete like the platforms do."""

from __future__ import annotations

import io
import logging
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import aiohttp
import pytest
from sqlalchemy import select, text

from bot.config import Settings
from bot.logs import setup_logging
from bot.runtime import answer_vault, build_runtime
from bot.secret import Secret, SecretError
from handlers.core.clock import FakeClock
from handlers.core.types import Person, Place, Platform
from handlers.pulse.model import Answer
from storage.crypto import BUCKET, BoxError, Vault
from storage.db import Database
from storage.migrate import upgrade
from storage.models.core import Identity
from storage.models.pulse import PulsePending, PulsePerson
from storage.store import Store
from support.bf_connector import FakeConnector
from support.slack_api import FakeSlackApi
from tests.support.harness import TEST_SECRET

PLACE = Place(Platform.SLACK, "C1", "T1", name="team")
VAULT = answer_vault(Secret(TEST_SECRET.encode()))


@pytest.fixture
def vault() -> Vault:
    """`store` (tests/conftest.py) with the keys the bot derives from the test secret."""
    return VAULT


async def _round(store: Store, people: list[str], key: str = "r1"):  # type: ignore[no-untyped-def]
    rnd = await store.pulse.create_round(key, PLACE, 72)
    await store.pulse.add_invitations(rnd.id, [(Platform.SLACK, p) for p in people])
    now = store.pulse.clock.now()
    return await store.pulse.finish_invitations(rnd.id, now, now + timedelta(hours=72))


async def test_an_answer_waits_encrypted_and_padded_and_the_seal_writes_it_once(store: Store) -> None:
    rnd = await _round(store, ["U1", "U2", "U3"])
    await store.pulse.record(rnd.id, Platform.SLACK, "U1", Answer((1, 2, 3, 4, 5), "short"), date(2026, 3, 2))
    await store.pulse.record(rnd.id, Platform.SLACK, "U2", Answer((5, 4, 3, 2, 1), "a much longer comment " * 20),
                             date(2026, 3, 2))
    async with store.db.session() as s:
        boxes = list((await s.scalars(select(PulsePending.box))).all())
        assert (await s.execute(text("SELECT count(*) FROM pulse_answers"))).scalar() == 0
        assert (await s.execute(text("SELECT count(*) FROM pulse_comments"))).scalar() == 0
    assert len(boxes) == 2 and {len(b) for b in boxes} == {12 + BUCKET + 16}  # the length says nothing
    assert all(b"short" not in b and b"longer" not in b for b in boxes)
    assert await store.pulse.answer_count(rnd.id) == 2
    await store.pulse.close_round(rnd.id)
    assert sorted(await store.pulse.comments(rnd.id)) == sorted(["short", "a much longer comment " * 20])
    stats = (await store.pulse.recent_stats(PLACE, 1))[0]
    assert stats.answers == 2 and stats.counts["exhaustion"] == (1, 0, 0, 0, 1)
    async with store.db.session() as s:
        assert (await s.scalars(select(PulsePending))).all() == []


async def test_a_box_that_does_not_open_fails_the_seal_and_loses_nothing(store: Store) -> None:
    rnd = await _round(store, ["U1", "U2"])
    other = Store(store.db, store.pulse.clock, Vault.from_material(b"another secret entirely", "other"))
    await other.pulse.record(rnd.id, Platform.SLACK, "U1", Answer((3, 3, 3, 3, 3), "kept"), date(2026, 3, 2))
    store.pulse.clock.advance(days=4)  # type: ignore[attr-defined]
    with pytest.raises(BoxError):
        await store.pulse.seal(rnd.id)
    assert (await store.pulse.round(rnd.id)).sealed is False  # type: ignore[union-attr]
    assert await store.pulse.answer_count(rnd.id) == 1  # still there, for the right secret
    assert await other.pulse.seal(rnd.id)
    assert await store.pulse.comments(rnd.id) == ["kept"]


async def test_a_different_secret_is_refused_at_start_up(sqlite_url: str) -> None:
    first = await build_runtime(Settings(database_url=sqlite_url, secret=TEST_SECRET))
    await first.close()
    with pytest.raises(SecretError, match="another secret"):
        await build_runtime(Settings(database_url=sqlite_url, secret="x" * 40))
    again = await build_runtime(Settings(database_url=sqlite_url, secret=TEST_SECRET))  # the right one starts
    await again.close()


async def test_a_start_encrypts_the_journals_from_before_the_upgrade(sqlite_url: str) -> None:
    """The start looks for plain journal entries with a plain query (storage/startcheck.py) and builds the pulse
    repository only when there are some."""
    first = await build_runtime(Settings(database_url=sqlite_url, secret=TEST_SECRET))
    assert "pulse" not in vars(first.store)  # nothing to encrypt: the pulse's repository was not built
    async with first.db.session() as s:
        await s.execute(text(
            "INSERT INTO pulse_journal (id, platform, user_id, kind, day, channel_name, exhaustion, cynicism, "
            "efficacy, workload, burnout, comment) VALUES ('j1', 'slack', 'U1', 'pulse', '2026-03-02', 'team', "
            "1, 2, 3, 4, 5, 'old plain comment')"))
    await first.close()
    again = await build_runtime(Settings(database_url=sqlite_url, secret=TEST_SECRET))
    try:
        async with again.db.session() as s:
            row = (await s.execute(text("SELECT comment, exhaustion, box FROM pulse_journal"))).one()
        assert row[0] is None and row[1] is None and row[2] is not None
        [entry] = await again.store.pulse.journal(Platform.SLACK, "U1", 5)
        assert entry.comment == "old plain comment"
    finally:
        await again.close()


async def test_plain_answers_from_before_the_upgrade_are_sealed_with_the_encrypted_ones(store: Store) -> None:
    rnd = await _round(store, ["U1", "U2", "U3"])
    async with store.db.session() as s:  # written by the code before revision 0120, round still open
        await s.execute(text("INSERT INTO pulse_answers (id, round_id, exhaustion, cynicism, efficacy, workload, "
                             "burnout) VALUES ('old-1', :r, 2, 2, 2, 2, 2)"), {"r": rnd.id})
        await s.execute(text("INSERT INTO pulse_comments (id, round_id, text) VALUES ('old-c', :r, 'before')"),
                        {"r": rnd.id})
        await s.execute(text("UPDATE pulse_participation SET answered = :t WHERE user_id = 'U1'"), {"t": True})
    await store.pulse.record(rnd.id, Platform.SLACK, "U2", Answer((4, 4, 4, 4, 4), "after"), date(2026, 3, 2))
    assert await store.pulse.answer_count(rnd.id) == 2
    await store.pulse.close_round(rnd.id)
    assert sorted(await store.pulse.comments(rnd.id)) == ["after", "before"]
    async with store.db.session() as s:
        ids = list((await s.scalars(text("SELECT id FROM pulse_answers"))).all())
    assert len(ids) == 2 and "old-1" not in ids  # rewritten with fresh random ids
    assert (await store.pulse.recent_stats(PLACE, 1))[0].answers == 2


async def test_journals_from_before_the_upgrade_are_encrypted_at_start(store: Store) -> None:
    async with store.db.session() as s:
        await s.execute(text(
            "INSERT INTO pulse_journal (id, platform, user_id, kind, day, channel_name, exhaustion, cynicism, "
            "efficacy, workload, burnout, comment) VALUES ('j1', 'slack', 'U1', 'pulse', '2026-03-02', 'team', "
            "1, 2, 3, 4, 5, 'old plain comment')"))
    assert await store.pulse.encrypt_old_journals() == 1
    async with store.db.session() as s:
        row = (await s.execute(text("SELECT comment, exhaustion, box FROM pulse_journal"))).one()
    assert row[0] is None and row[1] is None and b"old plain" not in bytes(row[2])
    [entry] = await store.pulse.journal(Platform.SLACK, "U1", 5)
    assert entry.scores == (1, 2, 3, 4, 5) and entry.comment == "old plain comment"
    assert await store.pulse.encrypt_old_journals() == 0
    other = Vault.from_material(b"another secret entirely", "other")
    with pytest.raises(BoxError):  # per person and per secret: another key does not open it
        other.open_journal("slack", "U1", bytes(row[2]))
    with pytest.raises(BoxError):
        VAULT.open_journal("slack", "U2", bytes(row[2]))


async def test_person_tables_carry_no_answer_time(store: Store) -> None:
    clock: FakeClock = store.pulse.clock  # type: ignore[assignment]
    ids = store.identities
    await ids.remember(Person(Platform.SLACK, "U1", "Ana", "Europe/Berlin"), "T1")
    rnd = await _round(store, ["U1", "U2"])
    async with store.db.session() as s:  # invited: both have their per-person row from now on
        assert sorted((await s.scalars(select(PulsePerson.user_id))).all()) == ["U1", "U2"]
        first = (await s.scalars(select(Identity.updated_at))).one()
    clock.advance(hours=5)
    ids._seen.clear()  # another replica, or after a restart: no cache
    await ids.remember(Person(Platform.SLACK, "U1", "Ana", "Europe/Berlin"), "T1")  # unchanged: no write
    await ids.remember(Person(Platform.SLACK, "U1", "", None), "")  # an interaction without a name
    await store.pulse.record(rnd.id, Platform.SLACK, "U1", Answer((3, 3, 3, 3, 3)), date(2026, 3, 2))
    await ids.remember_many([(Person(Platform.SLACK, "U1", "", None), "")])
    await ids.set_direct_line(Platform.SLACK, "U1", dm_channel="D1")
    async with store.db.session() as s:
        row = (await s.scalars(select(Identity))).one()
    assert row.updated_at == first and row.name == "Ana" and row.tz == "Europe/Berlin" and row.dm_channel == "D1"


def test_sdk_loggers_stay_quiet_at_debug_even_when_a_library_turns_them_up() -> None:
    stream = io.StringIO()
    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    names = ("slack_sdk.web.async_base_client", "slack_bolt.App", "botbuilder.core", "botframework.connector",
             "msrest.http_logger", "aiohttp.client", "aiosqlite", "asyncpg", "sqlalchemy.engine.Engine",
             "steadybot.slack.web", "steadybot.slack.bolt.app")
    before = {name: logging.getLogger(name).level for name in names}
    setup_logging("DEBUG", stream=stream)
    try:
        for name in names:
            logger = logging.getLogger(name)
            assert logger.getEffectiveLevel() >= logging.INFO, name
            logger.setLevel(logging.DEBUG)  # a library (or Bolt, copying a level) turns it up later
            logger.debug("request body: {'comment': 'secret-words'}")
        logging.getLogger("steadybot.pulse").debug("the bot's own debug line")
    finally:
        for handler in list(root.handlers):
            if handler not in handlers:
                root.removeHandler(handler)
        root.setLevel(level)
        for name, was in before.items():  # as they were: other tests read these loggers too
            logging.getLogger(name).setLevel(was)
    assert "secret-words" not in stream.getvalue() and "the bot's own debug line" in stream.getvalue()


async def test_the_fakes_delete_like_the_platforms() -> None:
    slack = await FakeSlackApi().start()
    connector = await FakeConnector().start()
    try:
        async with aiohttp.ClientSession() as http:
            async def call(method: str, **params: str) -> dict[str, object]:
                async with http.post(slack.url + method, data=params) as response:
                    return dict(await response.json())

            posted = await call("chat.postMessage", channel="U1", text="journal")
            assert (await call("chat.delete", channel=str(posted["channel"]), ts=str(posted["ts"])))["ok"] is True
            assert await call("chat.delete", channel=str(posted["channel"]), ts=str(posted["ts"])) == \
                {"ok": False, "error": "message_not_found"}
            assert slack.posted() == [] and slack.deleted == [("D1", posted["ts"])]
            base = connector.url.rstrip("/") + "/v3/conversations/a:1on1-29:u1/activities"
            async with http.post(base, json={"type": "message", "text": "journal"}) as response:
                activity = (await response.json())["id"]
            async with http.delete(f"{base}/{activity}") as response:
                assert response.status == 200
            async with http.delete(f"{base}/{activity}") as response:
                assert response.status == 404  # already gone
            async with http.delete(f"{base}/activity-unknown") as response:
                assert response.status == 404
            assert [(s.kind, s.reply_to) for s in connector.sent if s.kind == "delete"] == [("delete", activity)]
    finally:
        await slack.close()
        await connector.close()


async def test_the_sqlite_wal_is_empty_after_a_seal(sqlite_url: str, tmp_path: Path) -> None:
    await upgrade(sqlite_url)
    db = Database(sqlite_url)
    try:
        store = Store(db, FakeClock(), VAULT)
        rnd = await _round(store, ["U1", "U2"])
        await store.pulse.record(rnd.id, Platform.SLACK, "U1", Answer((3, 3, 3, 3, 3), "wal-check"), date(2026, 3, 2))
        wal = tmp_path / "steadybot.db-wal"
        assert wal.exists() and wal.stat().st_size > 0
        await store.pulse.close_round(rnd.id)
        assert wal.stat().st_size == 0
        assert (tmp_path / "steadybot.db").read_bytes().count(b"wal-check") == 1
    finally:
        await db.dispose()


async def test_forget_clears_the_person_as_author_of_settings_and_schedules(store: Store) -> None:
    from handlers.core.recurrence import parse_recurrence

    rule = parse_recurrence("every friday at 3pm")
    await store.pulse.set_schedule(PLACE, "every friday at 3pm", rule, rule.next_after(
        store.pulse.clock.now().replace(tzinfo=None)), 72, "ULEAD")
    settings = replace(await store.settings.get(PLACE), min_respondents=4)
    await store.settings.put(PLACE, settings, Person(Platform.SLACK, "ULEAD"))
    report = await store.pulse.forget(Platform.SLACK, "ULEAD")
    assert report.authored == 2
    async with store.db.session() as s:
        assert (await s.execute(text("SELECT created_by FROM pulse_schedules"))).scalar() == ""
        assert (await s.execute(text("SELECT updated_by FROM channel_settings"))).scalar() == ""
    assert (await store.settings.get(PLACE)).min_respondents == 4  # the setting itself stays


async def test_forget_deletes_the_installers_own_slack_row_and_keeps_the_workspaces(store: Store) -> None:
    from handlers.pulse.forgetting import forget_person, forget_summary
    from storage.repos.installations import InstallationRepo

    repo = InstallationRepo(store.db, store.pulse.clock)
    now = store.pulse.clock.now()
    await repo.save(enterprise_id="", team_id="T1", user_id="UINSTALLER", is_enterprise_install=False, has_bot=True,
                    sealed=b"sealed", installed_at=now)
    report = await forget_person(store, None, Platform.SLACK, "UINSTALLER")
    assert report.installations == 1 and "Slack installation record" in forget_summary(report)
    assert await repo.find(enterprise_id="", team_id="T1", user_id="UINSTALLER") is None
    assert await repo.find(enterprise_id="", team_id="T1") is not None  # the bot keeps working there
    assert (await forget_person(store, None, Platform.TEAMS, "UINSTALLER")).installations == 0


async def test_forget_replaces_the_name_in_messages_to_others_as_a_whole_word(store: Store) -> None:
    from handlers.core.types import OutboxItem, Reply, Target
    from handlers.pulse.forgetting import forget_person

    al = Person(Platform.SLACK, "UAL", "Al")
    await store.identities.remember(al, "T1")
    now = store.pulse.clock.now()
    channel = Target.channel(PLACE)
    await store.outbox.enqueue([
        OutboxItem(channel, now, reply=Reply("Retro is cancelled by Al. Also: UAL said so."), dedupe_key="a"),
        OutboxItem(channel, now, reply=Reply("Also nothing about anyone: Alma, ALBERT."), dedupe_key="b"),
    ])
    report = await forget_person(store, None, Platform.SLACK, "UAL")
    assert dict(report.cleared) == {"queued or sent channel message": 1}
    async with store.db.session() as s:
        texts = sorted(str(p) for p in (await s.execute(text("SELECT payload FROM outbox"))).scalars())
    assert "Retro is cancelled by someone. Also: someone said so." in texts[1]
    assert "Also nothing about anyone: Alma, ALBERT." in texts[0]


async def test_forget_rewrites_only_words_people_read_in_its_own_workspace(store: Store) -> None:
    """The attack: a member names themselves after a word the bot's own data uses ("channel", a button value)
    and asks to be forgotten. Only the words people read in their own workspace's messages may change: another
    workspace's or platform's rows, button actions and values, the visibility and form ids stay as they were,
    and the outbox still claims and decodes every row."""
    from handlers.core.types import Button, OutboxItem, Reply, Target, Visibility
    from handlers.pulse.forgetting import forget_person

    evil = Person(Platform.SLACK, "42", "channel")
    await store.identities.remember(evil, "T1")
    now = store.pulse.clock.now()
    button = Button("meeting.join", "Join the channel call", "42", "primary")
    mine = Target(Platform.SLACK, "channel", "C1", None, "T1")
    await store.outbox.enqueue([
        OutboxItem(mine, now, reply=Reply("Asked by channel in the channel", buttons=(button,),
                                          visibility=Visibility.CHANNEL), dedupe_key="mine"),
        OutboxItem(Target(Platform.SLACK, "channel", "C9", None, "T9"), now,
                   reply=Reply("Another workspace's channel", visibility=Visibility.CHANNEL), dedupe_key="other"),
        OutboxItem(Target(Platform.TEAMS, "channel", "19:x", None, "tenant"), now,
                   reply=Reply("A Teams channel post", visibility=Visibility.CHANNEL), dedupe_key="teams"),
    ])
    report = await forget_person(store, None, Platform.SLACK, "42")
    assert dict(report.cleared) == {"queued or sent channel message": 1}
    claimed = {row.dedupe_key: row.reply for row in await store.outbox.claim("w1", 10)}
    assert set(claimed) == {"mine", "other", "teams"}  # every row still decodes
    ours = claimed["mine"]
    assert ours is not None and ours.text == "Asked by someone in the someone"
    assert ours.visibility == Visibility.CHANNEL
    assert ours.buttons == (Button("meeting.join", "Join the someone call", "42", "primary"),)
    assert claimed["other"] == Reply("Another workspace's channel", visibility=Visibility.CHANNEL)
    assert claimed["teams"] == Reply("A Teams channel post", visibility=Visibility.CHANNEL)


async def test_serve_with_another_secret_exits_with_one_clear_line(sqlite_url: str) -> None:
    from support.procs import cli

    first = await build_runtime(Settings(database_url=sqlite_url, secret=TEST_SECRET))
    await first.close()
    code, out, err = await cli("serve", "--port", "0", env={"DATABASE_URL": sqlite_url, "STEADYBOT_SECRET": "y" * 40})
    assert code == 2, (out, err)
    assert "another secret" in err and "STEADYBOT_SECRET" in err and "Traceback" not in err
