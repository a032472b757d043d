"""`steadybot demo` from a script: a pulse answered by the simulated teammates and by you, then results."""

from __future__ import annotations

import io
import re
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.config import Settings
from bot.demo import run_demo

SCRIPT = """\
/pulse results
/pulse now
/pulse now
1
4
4
3
3
2
Good week, too many meetings though
/pulse results
2
/pulse me
:as ben
/pulse stop
:quit
"""


async def test_demo_pulse_answered_by_the_team_with_results(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(SCRIPT))
    out = io.StringIO()
    tuesday_1pm = datetime(2026, 3, 3, 13, 0, tzinfo=UTC)  # every teammate's zone is in working hours
    await run_demo(Settings(default_tz="Europe/Berlin"), db_path=str(tmp_path / "demo.db"), out=out,
                   start=tuesday_1pm)
    text = out.getvalue()
    assert "No pulse has run in this channel yet" in text
    assert "A pulse check-in is on its way to 6 people" in text
    assert "A pulse is already open here" in text  # the second /pulse now
    for name in ("Ana", "Ben", "Chloé", "Dev", "Eli"):
        assert f"steadybot sent {name} a DM" in text and f"{name} filled in “Pulse check-in”" in text
    # your own DM, its form as prompts, and the DM updated to thanks
    assert "[DM] steadybot: Pulse check-in for #team" in text and "[1] Answer (30 seconds)" in text
    assert "┌ Pulse check-in" in text and "└ submitted" in text
    assert "(updated) steadybot: Thanks — answered." in text
    # everyone answered: the round closed and results show at once
    assert "Round of Tue 3 Mar — 6 of 6 answered (100%)" in text
    assert "Good week, too many meetings though" in text
    assert "• Energy — " in text and "at burnout level 3 or higher" in text
    # the lead-side rules (issue #12): the DMs announce k besides the sender; no published figure counts one
    # or two people — every count in a distribution line is 0 or at least 3, and so is the burnout line
    assert "at least 5 people besides the sender have answered" in text
    results = text[text.index("Round of Tue 3 Mar"):]
    lines = [line for line in results.splitlines() if line.startswith("• ") and " of 5" in line]
    assert len(lines) == 5
    for line in lines:
        single = re.search(r"answers 1→5: ((?:\d+·){4}\d+)", line)
        counts = single.group(1).split("·") if single else re.findall(r"\b\d(?:–\d)?: (\d+)", line)
        assert counts and all(int(n) == 0 or int(n) >= 3 for n in counts), line
    burnout = next(line for line in results.splitlines() if "at burnout level 3 or higher" in line)
    assert not re.search(r"\b[12] of ", burnout) and not re.search(r"of 6 answers \((17|33|83|67)%\)", burnout)
    # pressing 2 on the journal offer turns the journal on; /pulse me then is empty until the next answer
    assert "Your private journal is on." in text
    assert "Your pulse journal is on, and empty so far" in text
    assert "Only the channel's creator" in text  # Ben may not stop it
    assert "Traceback" not in text
