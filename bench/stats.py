"""Small statistics for noisy machines: percentiles, medians with their spread, and ratios per round."""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0..100), linear between closest ranks (numpy's default)."""
    if not values:
        return math.nan
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    rank = (len(ordered) - 1) * q / 100.0
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


@dataclass(frozen=True, slots=True)
class Figure:
    """One measured figure over several rounds: the median of the rounds and their range."""

    median: float
    low: float
    high: float
    n: int

    @staticmethod
    def of(values: Sequence[float]) -> Figure:
        clean = [v for v in values if not math.isnan(v)]
        if not clean:
            return Figure(math.nan, math.nan, math.nan, 0)
        return Figure(statistics.median(clean), min(clean), max(clean), len(clean))

    def fmt(self, digits: int = 2, unit: str = "") -> str:
        if self.n == 0:
            return "n/a"
        if self.n == 1:
            return f"{self.median:.{digits}f}{unit}"
        return f"{self.median:.{digits}f}{unit} [{self.low:.{digits}f}–{self.high:.{digits}f}]"


def ratios(candidate: Sequence[float], baseline: Sequence[float]) -> list[float]:
    """Per-round ratios candidate/baseline (rounds measured interleaved, so shared noise cancels)."""
    return [c / b if b > 0 else math.nan for c, b in zip(candidate, baseline, strict=True)]
