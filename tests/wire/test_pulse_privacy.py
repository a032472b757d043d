"""Privacy rules as features: results never leak below k (not even by comparing rounds), comments only with
their round, nothing logs an answer next to a person, and `steadybot forget` removes a person's records
while the anonymous rows stay."""

from __future__ import annotations

import asyncio
import io
import logging
from datetime import date
from pathlib import Path

import pytest

from bot.cli import main
from bot.logs import setup_logging
from handlers.core.clock import FakeClock
from handlers.core.types import OutboxItem, Person, Platform, Target
from handlers.pulse.model import Answer
from storage.db import Database
from storage.migrate import upgrade
from storage.store import Store
from tests.support.harness import Harness
from tests.support.pulse_helpers import CHANNEL, answer_slack, make_round, pulse_now, slack_team, text_of

PEOPLE = [f"U{i}" for i in range(1, 7)]


def answers(energy: int, burnout: int, n: int, comment: str) -> list[Answer]:
    return [Answer((energy, 3, 3, 3, burnout), f"{comment} {i}") for i in range(n)]


async def test_results_never_leak_below_k(bot: Harness) -> None:
    slack_team(bot, {u: "Europe/Berlin" for u in PEOPLE})
    await make_round(bot, PEOPLE, answers(4, 1, 5, "A-visible"), key="A")
    await make_round(bot, PEOPLE, answers(1, 5, 4, "SECRET-B"), key="B")  # below k = 5
    await make_round(bot, PEOPLE, answers(2, 2, 5, "C-visible"), key="C")
    open_round = await make_round(bot, PEOPLE, answers(5, 4, 5, "SECRET-D"), key="D", close=False)
    bot.clock.set(open_round.opened_at)

    shown = text_of(await bot.slash_reply("/pulse", "results", user="U3"))
    # the newest closed round with enough answers, compared with the previous *shown* round, not with B
    assert "Round of Mon 16 Mar* — 5 of 6 answered (83%); compared with the round of Mon 2 Mar" in shown
    assert "*Energy* — *2.0* of 5 · ▼ -2.0 (worse) · answers 1→5: 0·5·0·0·0 · trend 4.0 → 2.0" in shown
    # B (4 answers) shows as nothing at all: not a number, a trend point, a comparison base or a comment
    assert "9 Mar" not in shown and "SECRET-B" not in shown
    assert "5.0" not in shown and "trend 1.0 → 2.0" in shown  # burnout: A then C; B's 5.0 is nowhere
    # D already has 5 answers but is still open: nothing of it shows until it closes, so two looks at the same
    # round can never be subtracted to reveal the answers that came in between
    assert "Open now: the round of Mon 23 Mar — enough answers for results once it closes" in shown
    assert not [line for line in shown.splitlines() if "Open now" in line and "of 6" in line]  # no live count
    assert "SECRET-D" not in shown
    assert sorted({line for line in shown.splitlines() if "C-visible" in line}) == \
        sorted(f"• “C-visible {i}”" for i in range(5))

    await bot.runtime.store.pulse.record(open_round.id, Platform.SLACK, "U6", Answer((5, 3, 3, 3, 4)),
                                         date(2026, 3, 23))  # the last one: the round completes and closes
    after = text_of(await bot.slash_reply("/pulse", "results", user="U3"))
    assert "6 of 6 answered (100%); compared with the round of Mon 16 Mar" in after
    assert "trend 4.0 → 2.0 → 5.0" in after and "SECRET-B" not in after and "C-visible" not in after
    assert "6 of 6 answers (100%) at burnout level 3 or higher" in after and "1:1s" in after


async def test_comments_are_shuffled_and_carry_no_time(bot: Harness) -> None:
    slack_team(bot, {u: "Europe/Berlin" for u in PEOPLE})
    await make_round(bot, PEOPLE, [Answer((3, 3, 3, 3, 2), f"comment-{i:02d}") for i in range(6)], key="A")
    orders = set()
    for _ in range(4):
        shown = (await bot.slash_reply("/pulse", "results"))["text"]
        orders.add(tuple(line for line in shown.splitlines() if "comment-" in line))
    assert len(orders) > 1  # shuffled per view (svc.rng)
    assert all(len(order) == 6 for order in orders)
    assert not any(":" in line.split("“")[1] for order in orders for line in order)  # no times next to them


async def test_no_log_line_shows_an_answer(bot: Harness) -> None:
    """Even at DEBUG, with the process's own logging set-up: no answer and no comment in any log line."""
    slack_team(bot, {u: "Europe/Berlin" for u in PEOPLE})  # five besides the sender: a pulse may go out
    stream = io.StringIO()
    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    setup_logging("DEBUG", stream=stream)
    try:
        await pulse_now(bot)
        await answer_slack(bot, "U2", {"exhaustion": "1", "cynicism": "2", "efficacy": "3", "workload": "4",
                                       "burnout": "5", "comment": "zebra-quartz-42"})
    finally:
        for handler in list(root.handlers):
            if handler not in handlers:
                root.removeHandler(handler)
        root.setLevel(level)
    logged = stream.getvalue()
    assert "pulse" in logged.lower() or "slack" in logged.lower()  # DEBUG logging did run
    assert "zebra-quartz-42" not in logged
    assert "pulse_answers" not in logged and "pulse_participation" not in logged


def test_steadybot_forget_deletes_a_persons_records(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path / 'forget.db'}"
    monkeypatch.setenv("DATABASE_URL", url)

    async def prepare() -> int:
        await upgrade(url)
        db = Database(url)
        try:
            store = Store(db, FakeClock())
            await store.pulse.set_prefs(Platform.SLACK, "U1", journal=True)
            rnd = await store.pulse.create_round("r", CHANNEL, 72)
            await store.pulse.add_invitations(rnd.id, [(Platform.SLACK, "U1"), (Platform.SLACK, "U2")])
            await store.pulse.finish_invitations(rnd.id, None, store.pulse.clock.now().replace(year=2027))
            await store.pulse.record(rnd.id, Platform.SLACK, "U1", Answer((2, 2, 2, 2, 4), "mine"), date(2026, 3, 2))
            await store.outbox.enqueue([OutboxItem(Target.user(Person(Platform.SLACK, "U1")), store.pulse.clock.now(),
                                                   "pulse.remind", dedupe_key="pulse:1:remind:slack:U1")])
            return rnd.id
        finally:
            await db.dispose()

    async def inspect(round_id: int) -> tuple[int, bool | None, bool | None, int, list[str]]:
        db = Database(url)
        try:
            store = Store(db, FakeClock())
            return (len(await store.pulse.journal(Platform.SLACK, "U1", 10)),
                    await store.pulse.invitation(round_id, Platform.SLACK, "U1"),
                    await store.pulse.invitation(round_id, Platform.SLACK, "U2"),
                    await store.pulse.answer_count(round_id), await store.pulse.comments(round_id))
        finally:
            await db.dispose()

    round_id = asyncio.run(prepare())
    # the answer waits encrypted for its round's seal: no comment row exists before it
    assert asyncio.run(inspect(round_id)) == (1, True, False, 1, [])
    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    try:  # main() sets up the process's logging: put the test runner's back afterwards
        assert main(["forget", "U1", "--platform", "slack"]) == 0
        out = capsys.readouterr().out
        assert "forgot slack:U1: deleted 1 journal entry, 1 participation record, 1 outbox message queued or " \
            "sent to them, no stored name" in out
        assert "anonymous answers stay" in out
        assert asyncio.run(inspect(round_id)) == (0, None, False, 1, [])
        assert main(["forget", "U1"]) == 0 and "nothing stored for U1" in capsys.readouterr().out
        assert main(["forget", "   "]) == 2 and "give the person's user id" in capsys.readouterr().err
    finally:
        for handler in list(root.handlers):
            if handler not in handlers:
                root.removeHandler(handler)
        root.setLevel(level)
