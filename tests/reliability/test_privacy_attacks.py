"""Issue 12's attacks, black-box: a real `steadybot serve` process (real clock, real scheduler, DEBUG logs) on
SQLite and on PostgreSQL, driven over its HTTP wires (Slack and Teams fakes in this process), attacked the
way someone with ordinary access would:

- the database reader and the backup holder: after every answer the raw bytes of the database file, its
  WAL, an SQLite online backup, `pg_dump` output and the PostgreSQL heap files hold no comment in plain text;
- after the seal the SQLite WAL is empty (no WAL commit holds a subset of the comments) and each comment lies
  exactly once in the database files (SQLite file; PostgreSQL relation files after a CHECKPOINT);
- the log reader: at STEADYBOT_LOG_LEVEL=DEBUG, across a Slack modal answer, a Teams card answer and `/pulse me`
  as a slash command, as a Teams mention and typed in a DM (Slack and Teams), no comment and no score line;
- forget: afterwards no row names the person (beyond the one opted-out marker the chat command keeps and
  says it keeps), their bytes are gone from the SQLite file, and the journal card shown to them in Teams is
  deleted at the connector.

PostgreSQL heap files are read straight from the data directory (this test runs as root beside the server);
where that is impossible (another host, no permission) that part is skipped with the reason.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import sqlite3
import subprocess
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, ClassVar

import aiohttp
import pytest

from support import wire
from support.bf_connector import FakeConnector, Sent
from support.procs import ServeProcess, cli
from support.slack_api import FakeSlackApi
from tests.support.harness import BOT_TOKEN, SIGNING_SECRET, TEST_SECRET, Harness, block_texts
from tests.support.pulse_helpers import ANSWER, answer_slack, pulse_now, slack_team, text_of

pytestmark = pytest.mark.slow

MARK = "qx7zebra"  # in every comment: found in raw bytes only if a comment lies there in plain text
SLACK_PEOPLE = ["UANNA00001", "UBORIS0002", "UCLARA0003", "UDAVID0004", "UEMMA00005", "UFELIX0006"]
LEAD = SLACK_PEOPLE[0]
FORGOTTEN = "UCLARA0003"  # `steadybot forget` (admin, CLI)
OPTED = "UBORIS0002"  # `/pulse optout --forget` (the person, in chat)
TEAMS_PEOPLE = {"29:lead": ("Lea", "aad-lead"), "29:tanna": ("Tanna", "aad-tanna"), "29:tben": ("Tben", "aad-tben"),
                "29:tcara": ("Tcara", "aad-tcara"), "29:tdan": ("Tdan", "aad-tdan")}
TEAMS_FORGOTTEN = "29:tanna"


def weekday_zone(now: datetime) -> str | None:
    """A fixed-offset zone where it is a weekday now, and not within an hour of its end: pulse DMs never go out
    on a weekend (the test switches quiet hours off, so any hour of a weekday will do). Between Saturday 11:00
    and Sunday 11:00 UTC no zone from UTC-12 to UTC+14 has such an hour: None, and the server runs on a clock
    shifted to a Tuesday morning instead (`serving`)."""
    for hours in sorted(range(-12, 15), key=lambda h: abs((now.hour + h) % 24 - 12)):
        local = now + timedelta(hours=hours)
        if 1 <= local.hour <= 22 and local.weekday() < 5:
            return f"Etc/GMT{-hours:+d}" if hours else "UTC"
    return None


def test_the_attacks_run_every_day_of_the_week() -> None:
    # on a weekday a zone where it is one is found (the real clock); over the weekend none is, and `serving`
    # shifts the server's clock instead of skipping (the test skipped from Saturday 11:00 to Sunday 11:00 UTC)
    assert weekday_zone(datetime(2026, 12, 1, 12, 0, tzinfo=UTC)) == "UTC"  # a Tuesday
    assert weekday_zone(datetime(2026, 11, 28, 12, 0, tzinfo=UTC)) is None  # Saturday noon


@dataclass
class Remote:
    """The surface of tests.support.harness.Harness the pulse helpers use, against a `steadybot serve` process."""

    url: str
    session: aiohttp.ClientSession
    slack: FakeSlackApi
    connector: FakeConnector
    responses: int = 0
    log_path: Path = field(default_factory=Path)

    # Harness's own request builders: they only use post_slack, slack, connector and responses
    slash: ClassVar[Any] = Harness.slash
    slash_reply: ClassVar[Any] = Harness.slash_reply
    press: ClassVar[Any] = Harness.press
    submit: ClassVar[Any] = Harness.submit
    event: ClassVar[Any] = Harness.event
    activity: ClassVar[Any] = Harness.activity

    async def post_slack(self, body: str, content_type: str = "application/x-www-form-urlencoded",
                         timestamp: int | None = None, headers: dict[str, str] | None = None) -> Any:
        signed = wire.slack_headers(SIGNING_SECRET, body, timestamp, content_type)
        signed.update(headers or {})
        async with self.session.post(f"{self.url}/slack/events", data=body.encode(), headers=signed) as response:
            self.slack.acknowledged(body, response.status, response.content_type, await response.read())
            return response

    async def teams(self, activity: dict[str, Any]) -> Any:
        async with self.session.post(f"{self.url}/api/messages", json=activity) as response:
            await response.read()
            assert response.status < 300
            return response

    async def settle(self, quiet: float = 0.6, timeout: float = 20.0) -> None:
        """Until the fakes have heard nothing new for `quiet` seconds (the outbox has sent what is due)."""
        deadline = time.monotonic() + timeout
        seen = (-1, -1)
        since = time.monotonic()
        while time.monotonic() < deadline:
            now = (len(self.slack.calls), len(self.connector.sent))
            if now != seen:
                seen, since = now, time.monotonic()
            elif time.monotonic() - since >= quiet:
                return
            await asyncio.sleep(0.05)

    async def wait_log(self, needle: str, count: int = 1, timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.log_path.read_text(errors="replace").count(needle) >= count:
                return
            await asyncio.sleep(0.05)
        raise AssertionError(f"{needle!r} not logged {count}×:\n{self.log_path.read_text()[-3000:]}")


# ---- what an attacker with file access reads ------------------------------------------------------------
class Files:
    def __init__(self, url: str, tmp: Path) -> None:
        self.url = url
        self.tmp = tmp
        self.postgres = url.startswith("postgresql")
        self.skipped: list[str] = []
        if not self.postgres:
            self.path = Path(url[len("sqlite:///"):])

    # SQLite --------------------------------------------------------------------------------------------
    def sqlite_backup(self) -> bytes:
        target = self.tmp / f"backup-{time.monotonic_ns()}.db"
        source = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True)
        dest = sqlite3.connect(target)
        try:
            source.backup(dest)
        finally:
            dest.close()
            source.close()
        return target.read_bytes()

    def wal(self) -> bytes:
        wal = Path(f"{self.path}-wal")
        return wal.read_bytes() if wal.exists() else b""

    # PostgreSQL ----------------------------------------------------------------------------------------
    def psql(self, sql: str) -> str:
        return subprocess.run(["psql", self.url, "-Atc", sql], check=True, capture_output=True, text=True).stdout

    def pg_dump(self) -> bytes:
        return subprocess.run(["pg_dump", self.url], check=True, capture_output=True).stdout

    def pg_files(self) -> bytes | None:
        """Every relation file of the database, after a CHECKPOINT (so the heap on disk is current)."""
        try:
            self.psql("CHECKPOINT")
            directory = Path(self.psql("SHOW data_directory").strip()) / "base" / self.psql(
                "SELECT oid FROM pg_database WHERE datname = current_database()").strip()
            return b"".join(p.read_bytes() for p in sorted(directory.iterdir()) if p.is_file())
        except (subprocess.CalledProcessError, OSError) as exc:
            reason = f"PostgreSQL files unreadable here ({type(exc).__name__}): heap checks skipped"
            if reason not in self.skipped:
                self.skipped.append(reason)
            return None

    # both ----------------------------------------------------------------------------------------------
    def snapshots(self) -> dict[str, bytes]:
        if self.postgres:
            out = {"pg_dump": self.pg_dump()}
            heap = self.pg_files()
            if heap is not None:
                out["heap"] = heap
            return out
        return {"file": self.path.read_bytes(), "wal": self.wal(), "backup": self.sqlite_backup()}

    def rows_naming(self, person: str) -> list[str]:
        """Every (table, row) whose text holds the person's id, read with the database's own client."""
        found: list[str] = []
        if self.postgres:
            tables = self.psql("SELECT tablename FROM pg_tables WHERE schemaname = 'public'").split()
            for table in tables:
                for line in self.psql(f'SELECT t::text FROM "{table}" t').splitlines():
                    if person in line:
                        found.append(f"{table}: {line}")
            return found
        conn = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True)
        try:
            tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
            for table in tables:
                for row in conn.execute(f'SELECT * FROM "{table}"'):
                    if any(person in str(v) for v in row if not isinstance(v, bytes)):
                        found.append(f"{table}: {row}")
        finally:
            conn.close()
        return found


@contextlib.asynccontextmanager
async def serving(url: str, tmp: Path, zone: str | None) -> AsyncIterator[Remote]:
    """`steadybot serve` on the real clock in `zone`; with no zone where it is a weekday now (a weekend in every
    zone), the same server on a clock shifted to a Tuesday morning in UTC (`python -m bench.serve`): the attacks
    read files, logs and answers, none of which depends on the date, and the test runs every day of the week."""
    argv = ServeProcess.argv if zone is not None else ("-m", "bench.serve")
    zone = zone or "UTC"
    slack = await FakeSlackApi().start()
    connector = await FakeConnector().start()
    env = {"DATABASE_URL": url, "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SIGNING_SECRET,
           "SLACK_API_URL": slack.url, "STEADYBOT_SECRET": TEST_SECRET, "STEADYBOT_INSECURE_DEV": "1",
           "STEADYBOT_LOG_LEVEL": "DEBUG", "STEADYBOT_SLACK_POSTS_PER_MINUTE": "0", "STEADYBOT_TZ": zone,
           "STEADYBOT_ADMINS": LEAD}
    serve = ServeProcess(env, tmp / "serve.log", argv=argv)
    try:
        await serve.start(60)
        async with aiohttp.ClientSession() as session:
            yield Remote(serve.url, session, slack, connector, log_path=serve.log_path)
    finally:
        await serve.stop()
        await slack.close()
        await connector.close()


def comments_in(blob: bytes) -> list[str]:
    return sorted(m.decode() for m in re.findall(rb"qx7zebra-[a-z0-9:-]+", blob))


async def teams_channel(bot: Remote, text: str, user: str = "29:lead") -> Sent:
    await connector_quiet(bot)  # nothing of an earlier turn is still on its way
    before = len(bot.connector.sent)
    name, aad = TEAMS_PEOPLE[user]
    await bot.teams(bot.activity(text, user=user, name=name, aad=aad, conversation_type="channel", mention=True))
    return (await bot.connector.wait_for(before + 1, timeout=15))[before]


async def teams_dm(bot: Remote, text: str, user: str) -> Sent:
    await connector_quiet(bot)  # nothing of an earlier turn is still on its way
    before = len(bot.connector.sent)
    name, aad = TEAMS_PEOPLE[user]
    await bot.teams(bot.activity(text, user=user, name=name, aad=aad))
    return (await bot.connector.wait_for(before + 1, timeout=15))[before]


def teams_pulse_card(bot: Remote, user: str) -> dict[str, Any]:
    for sent in reversed(bot.connector.sent):
        card = sent.card
        if sent.conversation_id == f"a:1on1-{user}" and card and any(
                b.get("type") == "Input.ChoiceSet" for b in card.get("body", [])):
            return card
    raise AssertionError(f"no pulse card for {user}")


async def teams_answer(bot: Remote, user: str, comment: str) -> None:
    card = teams_pulse_card(bot, user)
    name, aad = TEAMS_PEOPLE[user]
    before = len(bot.connector.sent)
    await bot.teams(bot.activity(user=user, name=name, aad=aad, value={**card["actions"][0]["data"], **ANSWER,
                                                                       "comment": comment},
                                 reply_to_id=f"card-{user}"))
    await bot.connector.wait_for(before + 1, timeout=15)
    await connector_quiet(bot)  # every message of this turn is in: the next helper reads only its own


async def connector_quiet(bot: Remote, quiet: float = 0.3, timeout: float = 15) -> None:
    """Wait until the fake connector has received nothing new for `quiet` seconds (the turn after the 201
    may send more than one message, the last after the first has been counted)."""
    async with asyncio.timeout(timeout):
        seen = -1
        while seen != len(bot.connector.sent):
            seen = len(bot.connector.sent)
            await asyncio.sleep(quiet)


async def test_no_attack_of_issue_12_links_a_person_to_an_answer(db_url: str, tmp_path: Path) -> None:
    url = db_url
    database = "postgres" if url.startswith("postgresql") else "sqlite"
    files = Files(url, tmp_path)
    zone = weekday_zone(datetime.now(UTC))
    comments: list[str] = []
    async with serving(url, tmp_path, zone) as bot:
        slack_team(bot, dict.fromkeys(SLACK_PEOPLE, zone), creator=LEAD)  # type: ignore[arg-type]
        for user, (name, aad) in TEAMS_PEOPLE.items():
            bot.connector.add_member(user, name, aad, role="owner" if user == "29:lead" else "user")
        assert "3" in text_of(await bot.slash_reply("/steadybot", "settings min 3", user=LEAD))
        assert "off" in text_of(await bot.slash_reply("/steadybot", "settings quiet off", user=LEAD))
        for person in (OPTED, FORGOTTEN):  # journals on: their copies must not give comments away either
            await bot.slash_reply("/pulse", "me on", user=person)
        await teams_dm(bot, "pulse me on", TEAMS_FORGOTTEN)
        await teams_channel(bot, "steadybot settings min 3")
        await teams_channel(bot, "steadybot settings quiet off")

        await pulse_now(bot, user=LEAD)  # type: ignore[arg-type]
        await teams_channel(bot, "pulse now")
        await bot.settle()

        # ---- the round is open: after every answer, nothing in plain text anywhere --------------------
        answering = [u for u in SLACK_PEOPLE if u != "UFELIX0006"]
        for n, user in enumerate(answering):
            comment = f"{MARK}-slack-{user.lower()}"
            thanks = await answer_slack(bot, user, {**ANSWER, "comment": comment})  # type: ignore[arg-type]
            assert "Thanks — answered" in thanks
            comments.append(comment)
            for what, blob in files.snapshots().items():
                assert MARK.encode() not in blob, f"a comment in plain text in the {what} after answer {n + 1}"
        for user in ("29:tanna", "29:tben", "29:tcara"):
            comment = f"{MARK}-teams-{user[3:]}"
            await teams_answer(bot, user, comment)
            comments.append(comment)
            for what, blob in files.snapshots().items():
                assert MARK.encode() not in blob, f"a comment in plain text in the {what} after {user}'s card"

        # `/pulse me` as a slash command, typed in a Slack DM, as a Teams mention and typed in a Teams 1:1
        journal = text_of(await bot.slash_reply("/pulse", "me", user=OPTED))
        assert "Your pulse journal" in journal and f"{MARK}-slack-{OPTED.lower()}" in journal
        ephemerals = len(bot.slack.calls_to("chat.postEphemeral"))
        await bot.event({"type": "message", "channel_type": "im", "user": FORGOTTEN, "channel": "DCLARA0003",
                         "text": "pulse me", "ts": "1700000001.000100"})
        [shown] = (await bot.slack.wait_for("chat.postEphemeral", ephemerals + 1, timeout=15))[ephemerals:]
        assert "Your pulse journal" in block_texts(shown.params) and shown.params["user"] == FORGOTTEN
        assert not [c for c in bot.slack.calls_to("chat.postMessage") if "Your pulse journal" in block_texts(c.params)]
        mentioned = await teams_channel(bot, "pulse me", user="29:tben")
        assert mentioned.conversation_id == "a:1on1-29:tben" and "journal" in mentioned.text  # moved to the 1:1
        await bot.settle()
        teams_journal = await teams_dm(bot, "pulse me", TEAMS_FORGOTTEN)
        assert "Your pulse journal" in teams_journal.text and "Delete this message" in str(teams_journal.card)
        await bot.settle()
        for what, blob in files.snapshots().items():
            assert MARK.encode() not in blob, f"a comment in plain text in the {what} after the journals"

        # ---- the seal ---------------------------------------------------------------------------------
        await bot.slash_reply("/pulse", "close", user=LEAD)
        await teams_channel(bot, "pulse close")
        await bot.wait_log("sealed:", 2)
        await bot.settle()
        if database == "sqlite":
            assert files.wal() == b"", "the WAL still holds the seal's pages (or earlier commits)"
            for what in ("file", "backup"):
                blob = files.snapshots()[what]
                assert comments_in(blob) == sorted(comments), f"{what}: each comment once, none twice"
        else:
            heap = files.pg_files()
            if heap is not None:
                assert comments_in(heap) == sorted(comments), "PostgreSQL files: each comment once"
            assert comments_in(files.pg_dump()) == sorted(comments)

        # ---- forget -----------------------------------------------------------------------------------
        forgot = text_of(await bot.slash_reply("/pulse", "optout --forget", user=OPTED))
        assert "1 journal entry" in forgot and "Not deleted:" in forgot and "opted out" in forgot
        assert [r for r in files.rows_naming(OPTED) if not r.startswith("pulse_people")] == []
        code, out, err = await cli("forget", FORGOTTEN, env={"DATABASE_URL": url, "STEADYBOT_SECRET": TEST_SECRET,
                                                            "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_API_URL": bot.slack.url,
                                                            "SLACK_SIGNING_SECRET": SIGNING_SECRET})
        assert code == 0, err
        assert f"forgot slack:{FORGOTTEN}: deleted 1 journal entry, 1 participation record" in out
        assert files.rows_naming(FORGOTTEN) == []
        code, out, err = await cli("forget", "aad-tanna", env={"DATABASE_URL": url, "STEADYBOT_SECRET": TEST_SECRET,
                                                              "STEADYBOT_INSECURE_DEV": "1"})
        assert code == 0, err
        assert "1 of 1 journal message in their chat" in out, out
        deletes = [s for s in bot.connector.sent if s.kind == "delete"]
        assert [(d.conversation_id, d.reply_to) for d in deletes] == \
            [(f"a:1on1-{TEAMS_FORGOTTEN}", teams_journal.activity["_id"])]
        assert files.rows_naming(TEAMS_FORGOTTEN) == []
        if database == "sqlite":  # scrubbed: not even deleted bytes of them are left in the file
            await asyncio.sleep(0.2)
            for person in (FORGOTTEN, TEAMS_FORGOTTEN):
                assert person.encode() not in files.path.read_bytes() + files.wal(), person
        log = bot.log_path.read_text(errors="replace")

    # ---- the log reader -------------------------------------------------------------------------------
    assert "DEBUG" in log and "sealed:" in log
    assert MARK not in log, "a comment in the log"
    for line in log.splitlines():
        assert not ('"exhaustion"' in line or "exhaustion=" in line), f"a score in the log: {line}"
    for reason in files.skipped:
        print(f"[skipped] {reason}")
    assert os.environ.get("STEADYBOT_REQUIRE_PG_HEAP") != "1" or not files.skipped, files.skipped
