"""`steadybot demo` with a script: a meeting gets nudged, gets an agenda and a pre-read answer, starts with
its timebox, ends early; then a plain timebox runs. Time moves with `:wait`."""

from __future__ import annotations

import io
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.config import Settings
from bot.demo import run_demo

SCRIPT = """\
/meeting Sprint review in 3 hours for 30m
:wait 2h
/agenda add Demo of the new login 10m
/agenda question Which design do we ship?
:as ben
/agenda answer 1 The second one
:as you
:wait 1h
:wait 12m
/meeting end
/timebox 2m quick sync
:wait 2m
/meeting stats
/timebox 0m
:quit
"""


async def test_the_demo_runs_a_meeting_and_a_timebox(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(SCRIPT))
    out = io.StringIO()
    await run_demo(Settings(default_tz="Europe/Berlin"), db_path=str(tmp_path / "demo.db"), out=out,
                   start=datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    text = out.getvalue()
    expected = [
        "Sprint review — today 13:00 CET, 30m.",
        "Sprint review is in 2 hours (today 13:00 CET) and has no agenda yet.",
        "No agenda, no meeting. Sprint review starts in 1 hour",
        "Added to Sprint review (today 13:00 CET): 1. Demo of the new login (10m)",
        "Pre-read question Q1 for Sprint review",
        "[only Ben] steadybot: Thanks — your answer is saved.",
        "Sprint review starts now — 30m, until 13:30 CET.",
        "• 13:00–13:10 1. Demo of the new login (10m)",
        "↳ Ben: The second one",
        "Next: Open discussion (5m) — Sprint review",
        "Sprint review ended: 12m of 30m planned — 18m given back to 6 people (108 person-minutes).",
        "2m timebox started — quick sync.",
        "Half time — quick sync — 1m left.",
        "24s left — quick sync.",
        "Time's up — quick sync (2m).",
        "Meetings held: 1 (1 with an agenda, 0 without)",
        "Overruns · time given back: 0m · 18m",
        "A duration has to be longer than zero.",
    ]
    # the organiser's private message goes out at the same moment as the channel's (in either order)
    assert "[DM] steadybot: Your meeting Sprint review starts in 1 hour (today 13:00 CET) and has no agenda" in text
    position = 0
    for line in expected:
        found = text.find(line, position)
        assert found >= 0, f"missing, or out of order: {line!r}\n---\n{text}"
        position = found + len(line)
