"""The benchmark suite's smoke test: `python -m bench --quick` runs every section on real processes and
writes its results table. It asserts nothing about speed (CI machines vary); only that every section ran
and reported, so the suite cannot rot unnoticed."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SECTIONS = ("## 1. Slack", "## 2. Teams", "## 3. Pulse fan-out", "## 4. Team results", "## 5. Scope-creep",
            "## 6. Time parsing", "## 7. Cold start", "## Storage", "## 9. Schedules", "## 10. Retention")


@pytest.mark.slow
def test_quick_benchmark_runs_and_writes_a_table(tmp_path: Path) -> None:
    out = tmp_path / "RESULTS.md"
    done = subprocess.run([sys.executable, "-m", "bench", "--quick", "--out", str(out)], cwd=REPO,
                          env={**os.environ, "PYTHONUNBUFFERED": "1"}, capture_output=True, text=True,
                          timeout=240, check=False)
    assert done.returncode == 0, done.stderr[-4000:]
    text = out.read_text()
    assert "cores" in text and "**mode:** quick" in text
    assert "| # | what | target | measured | holds |" in text
    for section in SECTIONS:
        assert section in text, f"missing {section!r}\n{text[:3000]}"
    assert "## Errors" not in text
    targets = [line for line in text.split("## Targets", 1)[1].split("\n## ", 1)[0].splitlines()
               if line.startswith("| ") and line[2].isdigit()]
    assert len(targets) >= 12  # every target has a row with a measured value
