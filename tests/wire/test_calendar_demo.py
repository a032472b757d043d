"""`steadybot demo` with the bundled example calendar: `:calendar` connects #team, the feed's meetings are
listed (one standup cancelled, times kept at 09:30 Berlin across the DST change) and nudged with `:wait`;
the planning, whose description is its agenda, is never flagged."""

from __future__ import annotations

import io
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.calendar.example import EXAMPLE_URL, example_body
from bot.config import Settings
from bot.demo import run_demo
from handlers.meetings.calendar_parse import occurrences

START = datetime(2026, 3, 23, 8, 0, tzinfo=UTC)  # Monday 09:00 in Berlin; clocks go forward on Sunday 29 March
SCRIPT = """\
:calendar
/meeting list
:wait 2d
:quit
"""


def test_the_example_calendar() -> None:
    found = occurrences(example_body(START), START, "UTC")
    standups = [o.starts_at.astimezone().isoformat() for o in found if o.title == "Standup"]
    assert "2026-03-25" not in " ".join(standups)  # the cancelled one: the second after the start
    times = {o.starts_at.strftime("%H:%M") for o in found if o.title == "Standup"}
    assert times == {"08:30", "07:30"}  # 09:30 CET, then 09:30 CEST
    planning = next(o for o in found if o.title == "Sprint planning")
    assert len(planning.items) == 3
    assert EXAMPLE_URL.startswith("https://")


async def test_the_demo_nudges_the_example_calendars_meetings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(SCRIPT))
    out = io.StringIO()
    await run_demo(Settings(default_tz="Europe/Berlin"), db_path=str(tmp_path / "demo.db"), out=out, start=START)
    text = out.getvalue()
    assert "connected a calendar (calendar.example.com)" in text
    listing = text[text.index("> /meeting list"):text.index("> :wait 2d")]
    assert "Standup" in listing and "Wed 25 Mar" not in listing and "Mon 30 Mar 09:30 CEST" in listing
    assert "Sprint planning" in listing
    after = text[text.index("> :wait 2d"):]
    assert "Standup** is in 24 hours" in after or ("Standup" in after and "in 24 hours" in after)
    assert "No agenda, no meeting" in after
    assert "Sprint planning starts now" in after and "Sprint goal" in after
    assert not any("Sprint planning" in line and "no agenda" in line.lower() for line in after.splitlines())
