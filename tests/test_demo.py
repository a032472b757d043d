"""`steadybot demo` driven from a script on stdin, as a person would pipe it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

SCRIPT = """\
/steadybot help
/steadybot settings
1
1
2
2

4
:now
:wait 2h
/nonsense
:press 99
:as ben
/steadybot settings min 3
:as you
:frobnicate
:quit
"""


def run_demo(tmp_path: Path, script: str) -> str:
    env = {**os.environ, "STEADYBOT_TZ": "Europe/Berlin"}
    result = subprocess.run(
        [sys.executable, "-m", "bot", "demo", "--db", str(tmp_path / "demo.db")],
        input=script, capture_output=True, text=True, timeout=120, env=env, cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Traceback" not in result.stdout + result.stderr
    return result.stdout


def test_demo_from_a_script(tmp_path: Path) -> None:
    out = run_demo(tmp_path, SCRIPT)
    assert "you are in #team" in out
    assert "Here is what I can do" in out
    assert "[1] Change settings" in out
    # pressing 1 opened the settings form; the answers came from the script
    assert "┌ Channel settings" in out and "└ submitted" in out
    assert "at least 4 answers" in out
    assert "It is " in out and "CET" in out
    assert "… it is now" in out
    assert "don't know nonsense" in out
    assert "There is no button 99" in out
    assert "You are now Ben" in out
    assert "Only the channel's creator" in out  # Ben is not the channel's creator in the demo
    assert "I don't know that control" in out
    assert not (tmp_path / "steadybot.db").exists()  # the demo keeps to its own database file


def test_demo_survives_ugly_input(tmp_path: Path) -> None:
    out = run_demo(tmp_path, "\x00\x01\n\u202e/steadybot\n" + "x" * 10000 + "\n:wait -5m\n:wait forever\n:wait 90d\n")
    assert out.count("steadybot:") >= 1
    assert "can't be negative" in out
    assert "at most 60 days" in out
