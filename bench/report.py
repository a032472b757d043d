"""bench/RESULTS.md: the machine, the date, every figure as median [min–max], ratios against the floor
measured in the same run, and which targets hold."""

from __future__ import annotations

import math
import os
import platform
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.stats import Figure


@dataclass
class Target:
    number: int
    what: str
    goal: str
    measured: str
    holds: bool | None  # None: not measured in this run


@dataclass
class Report:
    mode: str
    started: datetime = field(default_factory=lambda: datetime.now(UTC))
    sections: list[tuple[str, list[str]]] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    facts: dict[str, Any] = field(default_factory=dict)  # numbers the notes quote

    def section(self, title: str, lines: list[str]) -> None:
        self.sections.append((title, lines))

    def target(self, number: int, what: str, goal: str, measured: str, holds: bool | None) -> None:
        self.targets.append(Target(number, what, goal, measured, holds))

    def render(self, seconds: float) -> str:
        cores = os.cpu_count() or 0
        usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else cores
        load = ", ".join(f"{x:.2f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "n/a"
        out = [
            "# steadybot benchmarks — results",
            "",
            f"- **Date:** {self.started:%Y-%m-%d %H:%M} UTC · **mode:** {self.mode} · **suite time:** "
            f"{seconds / 60:.1f} min",
            f"- **Machine:** {cores} cores ({usable} usable), {platform.system()} {platform.release()}, "
            f"{platform.machine()}, Python {sys.version.split()[0]}; load average at the end: {load}",
            "- **How to read:** every figure is the median over the run's rounds with the range [min–max] of the "
            "rounds; a ratio is bot ÷ floor, computed per round from a floor measured in the same run, "
            "interleaved with the bot (so machine noise hits both), then the median [min–max] of those ratios. "
            "See docs/benchmarks.md.",
            "",
            "## Targets",
            "",
            "| # | what | target | measured | holds |",
            "| --- | --- | --- | --- | --- |",
        ]
        for t in self.targets:
            mark = "n/a" if t.holds is None else ("✅ yes" if t.holds else "❌ no")
            out.append(f"| {t.number} | {t.what} | {t.goal} | {t.measured} | {mark} |")
        if self.errors:
            out += ["", "## Errors", ""] + [f"- {e}" for e in self.errors]
        for title, lines in self.sections:
            out += ["", f"## {title}", ""] + lines
        if self.notes:
            out += ["", "## What changed, and what to change next (with this run's numbers)", ""]
            out += [f"- {n}" for n in self.notes]
        return "\n".join(out) + "\n"

    def write(self, path: Path, seconds: float) -> None:
        path.write_text(self.render(seconds))


def f(fig: Figure | float | None, digits: int = 2, unit: str = "") -> str:
    if fig is None:
        return "n/a"
    if isinstance(fig, Figure):
        return fig.fmt(digits, unit)
    if isinstance(fig, float) and math.isnan(fig):
        return "n/a"
    return f"{fig:.{digits}f}{unit}"


def table(header: list[str], rows: list[list[Any]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join("---" for _ in header) + " |"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return lines
