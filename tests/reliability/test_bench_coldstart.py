"""The cold-start section of bench/RESULTS.md (bench/coldstart.py, `run_coldstart` in bench/__main__.py): besides
restart to /healthz, a restart to the first acknowledged Slack command — a signed slash command sent as soon as
/healthz first answers 200 — for the bot and the floor, its ratio per round, and the healthy → ack part the first
request pays; information, not a target."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest

import bench.__main__ as bench_main
from bench import coldstart, proc
from bench.report import Report
from bench.stats import Figure

ROW = "restart to the first acknowledged command"


def _start(healthy: float, ack: float, answer: float, rss: float = 100.0, cpu: float = 0.5) -> coldstart.Start:
    return coldstart.Start(healthy, rss, cpu, ack, answer)


def test_the_first_command_figures_are_ratios_per_round_and_the_healthy_to_ack_part() -> None:
    floors = [_start(0.50, 0.52, 0.53), _start(1.00, 1.10, 1.12), _start(0.40, 0.41, 0.42)]
    bots = [_start(0.60, 0.70, 0.80), _start(1.00, 1.40, 1.50), _start(0.50, 0.58, 0.60)]
    firsts = [0.9, 1.5, 0.8]
    r = coldstart.figures(firsts, floors, bots)
    # per round: 0.70/0.52, 1.40/1.10, 0.58/0.41 — the median of those, not the ratio of the medians
    per_round = sorted([0.70 / 0.52, 1.40 / 1.10, 0.58 / 0.41])
    assert r["ratio_restart_ack"].median == pytest.approx(per_round[1])
    assert r["restart_ack_s"] == Figure.of([0.70, 1.40, 0.58])
    assert r["floor_ack_s"] == Figure.of([0.52, 1.10, 0.41])
    assert r["restart_healthy_to_ack_ms"].median == pytest.approx(100.0)  # 100, 400, 80 ms
    assert r["floor_healthy_to_ack_ms"].median == pytest.approx(20.0)  # 20, 100, 10 ms
    assert r["restart_answer_s"] == Figure.of([0.80, 1.50, 0.60])
    # the rows that were there keep their keys and meaning
    assert r["restart_s"] == Figure.of([0.60, 1.00, 0.50]) and r["floor_s"] == Figure.of([0.50, 1.00, 0.40])
    assert r["first_start_s"] == Figure.of(firsts)
    assert r["ratio_restart"].median == pytest.approx(1.2)
    for key in ("idle_rss_mb", "floor_rss_mb", "ratio_first", "restart_cpu_s", "floor_cpu_s", "ratio_restart_cpu",
                "no_bytecode_restart_s", "no_bytecode_floor_s"):
        assert key in r


async def test_the_cold_start_section_shows_the_first_command_row_and_no_target_for_it(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    floors = [_start(0.50, 0.55, 0.56), _start(0.60, 0.66, 0.70)]
    bots = [_start(0.55, 0.75, 0.90), _start(0.65, 0.90, 1.00)]
    measured = coldstart.figures([1.0, 1.1], floors, bots)

    class _Fakes:
        info = {"slack": "http://127.0.0.1:1/api/", "control": "http://127.0.0.1:2"}

        async def stop(self) -> None:
            return None

    async def fakes(_: Path) -> _Fakes:
        return _Fakes()

    async def run(*_: Any, **__: Any) -> dict[str, Any]:
        return measured

    monkeypatch.setattr(proc, "start_fakes", fakes)
    monkeypatch.setattr(coldstart, "run", run)
    report = Report("quick")
    await bench_main.run_coldstart(tmp_path, bench_main.QUICK, report)
    text = report.render(1.0)
    section = text.split("## 7. Cold start", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith(f"| {ROW}")]
    assert len(rows) == 1, section
    cells = [c.strip() for c in rows[0].strip("|").split("|")]
    assert cells[1] == measured["restart_ack_s"].fmt(2, " s") == "0.82 s [0.75–0.90]"
    assert cells[2] == measured["floor_ack_s"].fmt(2, " s")
    assert cells[3] == measured["ratio_restart_ack"].fmt(2)
    assert "✅" not in rows[0] and "❌" not in rows[0]
    # the healthy → ack part (what the first request pays), bot and floor, in ms
    assert f"{measured['restart_healthy_to_ack_ms'].fmt(0, ' ms')}" in section
    assert f"{measured['floor_healthy_to_ack_ms'].fmt(0, ' ms')}" in section
    # the rows that were there are still there; the new one is information, not a target
    for old in ("first start (empty database: migrations run)", "restart (database up to date)",
                "restart without a bytecode cache"):
        assert f"| {old}" in section
    assert not any("command" in t.what for t in report.targets)
    assert [t.what for t in report.targets] == ["cold start to healthy (restart / first start)",
                                                "restart to healthy vs the bare frameworks (same run)", "idle RSS"]
    assert report.facts["coldstart"] is measured


@pytest.mark.slow
async def test_a_restart_and_the_floor_acknowledge_and_answer_the_first_command(tmp_path: Path) -> None:
    """Real processes: the fakes, the floor, the bot's first start then its restart with the command."""
    fakes = await proc.start_fakes(tmp_path)
    try:
        command = coldstart.FirstCommand(fakes.info["slack"], fakes.info["control"])
        try:
            floor = await coldstart._baseline_start(tmp_path, fakes.info["slack"], 0.0, command=command)
            db = tmp_path / "cold.db"
            first = await coldstart._bot_start(tmp_path, fakes.info["slack"], db, 0.0)
            bot = await coldstart._bot_start(tmp_path, fakes.info["slack"], db, 0.0, command=command)
        finally:
            await command.close()
    finally:
        await fakes.stop()
    assert math.isnan(first.ack_s) and math.isnan(first.answer_s)  # no command on a first start
    for start in (floor, bot):
        # the answer may reach Slack before the client has read the ack (the floor responds right after acking)
        assert 0 < start.healthy_s < min(start.ack_s, start.answer_s) and max(start.ack_s, start.answer_s) < 60
