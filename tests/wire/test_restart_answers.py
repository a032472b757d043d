"""A restarted `steadybot serve` answers its first requests correctly although a restart builds the features'
repositories, and maps their tables, only when a request first needs them (storage/store.py;
docs/benchmarks.md, "Cold start"): the first commands after the restart read what the first process wrote
and write through repositories and models the new process had not loaded yet."""

from __future__ import annotations

import asyncio
from pathlib import Path

import aiohttp
import pytest
from sqlalchemy import select

from storage.db import Database
from storage.models.pulse import PulseSchedule
from storage.models.timebox import TimeboxRow
from support import wire
from support.procs import ServeProcess
from support.slack_api import FakeSlackApi
from tests.support.harness import BOT_TOKEN, SIGNING_SECRET, TEST_SECRET

pytestmark = pytest.mark.slow


async def _slash(session: aiohttp.ClientSession, proc: ServeProcess, slack: FakeSlackApi, command: str, text: str,
                 key: str) -> None:
    body = wire.slash_body(command, text, user="U1", channel="C1", response_url=slack.response_url(key))
    async with session.post(f"{proc.url}/slack/events", data=body.encode(),
                            headers=wire.slack_headers(SIGNING_SECRET, body)) as response:
        assert response.status == 200


def _said(slack: FakeSlackApi) -> list[str]:
    """Everything the bot said, in the channel or through a response_url, oldest first."""
    return [str(m.get("text")) for m in slack.posted("C1")] + [str(r.get("text")) for r in slack.responses]


async def _new_answer(slack: FakeSlackApi, seen: int, needle: str) -> str:
    """The first answer after the `seen` first ones that contains `needle` (case-insensitive)."""
    for _ in range(300):
        for text in _said(slack)[seen:]:
            if needle.lower() in text.lower():
                return text
        await asyncio.sleep(0.05)
    raise AssertionError(f"no answer with {needle!r} after the first {seen}: {_said(slack)}")


async def test_a_restarted_serve_answers_its_first_commands_from_what_the_first_process_wrote(
        tmp_path: Path) -> None:
    slack = await FakeSlackApi().start()
    team = [f"U{i}" for i in range(1, 8)]
    for user in team:
        slack.add_user(user, f"Person {user}")
    slack.add_channel("C1", "U1", team)
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    env = {"DATABASE_URL": url, "STEADYBOT_SECRET": TEST_SECRET, "SLACK_BOT_TOKEN": BOT_TOKEN,
           "SLACK_SIGNING_SECRET": SIGNING_SECRET, "SLACK_API_URL": slack.url, "STEADYBOT_INSECURE_DEV": "1"}
    db = Database(url)
    try:
        async with aiohttp.ClientSession() as session:
            first = await ServeProcess(env, tmp_path / "first.log").start(timeout=60)
            try:
                await _slash(session, first, slack, "/pulse", "schedule every friday at 3pm", "schedule")
                await _new_answer(slack, 0, "pulse scheduled")
            finally:
                await first.stop()
            seen = len(_said(slack))

            restarted = await ServeProcess(env, tmp_path / "restarted.log").start(timeout=60)
            try:
                # The pulse's repository and models are first built here, by the request: it reads the schedule
                # the first process stored. The timebox's are built by the second, which writes a row.
                await _slash(session, restarted, slack, "/pulse", "schedule", "shown")
                shown = await _new_answer(slack, seen, "friday")
                await _slash(session, restarted, slack, "/timebox", "25m restart check", "timebox")
                await _new_answer(slack, seen, "restart check")
                async with session.get(f"{restarted.url}/metrics") as response:  # maps its gauges' tables
                    assert response.status == 200
                    assert 'steadybot_pulse_rounds{state="open"} 0.0' in await response.text()
            finally:
                await restarted.stop()
            assert "15:00" in shown, shown
            assert "Traceback" not in restarted.log() and "ERROR" not in restarted.log(), restarted.log()[-3000:]
        async with db.read() as s:
            schedules = (await s.scalars(select(PulseSchedule.phrase).where(PulseSchedule.active.is_(True)))).all()
            boxes = (await s.scalars(select(TimeboxRow.topic))).all()
        assert list(schedules) == ["every friday at 3pm"]
        assert list(boxes) == ["restart check"]
    finally:
        await db.dispose()
        await slack.close()
