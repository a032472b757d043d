"""Scope creep in `steadybot demo`, driven from a script: plain text is a channel message in #team."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

SCRIPT = """\
/tradeoff commit Billing page redesign
/tradeoff commit Mobile onboarding
merged the PR, the build is green again
while we're at it, can we also add a CSV export to the release?
1
5
wouldn't it be cool if the bot also posted a weekly summary to the channel
11
quick addition to the sprint: a date filter on the reports page
14
19
2 weeks
can we also grab coffee after standup?
/tradeoff commitments
/tradeoff parking
/tradeoff stats
:quit
"""


def test_scope_creep_in_the_demo(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot", "demo", "--db", str(tmp_path / "demo.db")],
        input=SCRIPT, capture_output=True, text=True, timeout=120, env={**os.environ, "STEADYBOT_TZ": "UTC"},
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    out = result.stdout
    assert "Traceback" not in out + result.stderr
    # ordinary chat and social talk get nothing; the three asks get a prompt each, in their thread
    assert out.count("[#team › thread] steadybot: Happy to — what do we drop?") == 3
    assert "> merged the PR, the build is green again\n> while we're at it" in out
    assert "[1] Drop something  [2] Extend the deadline  [3] Park it  [4] Not scope creep" in out
    # drop a listed commitment
    assert "[5] Drop: Billing page redesign  [6] Drop: Mobile onboarding  [7] Type it in…  [8] Back" in out
    assert "(updated) steadybot: Decided: Added “while we're at it, can we also add a CSV export to the release?”; " \
           "dropped “Billing page redesign”." in out
    # park it
    assert "Decided: Parked “wouldn't it be cool if the bot also posted a weekly summary" in out
    # extend by a typed amount
    assert "[17] +1 day  [18] +1 week  [19] Other…  [20] Back" in out
    assert "┌ Extend the deadline" in out and "deadline +2 weeks." in out
    assert out.rstrip().endswith("> :quit")
    assert "can we also grab coffee after standup?\n> /tradeoff commitments" in out
    # the lists and the record
    assert "1. Mobile onboarding\n2. while we're at it" in out
    assert "3. quick addition to the sprint: a date filter on the reports page" in out
    assert "Parking lot (1)" in out
    assert "Prompts: 3 (3 spotted by me, 0 still open)" in out
    assert "Taken on: 2 — 1 by dropping something, 1 with more time" in out
