"""The fan-out rows of bench/RESULTS.md take their figures from one real round, the median one of the interleaved
floor/bot rounds (SQLite) or of the runs (PostgreSQL, an absolute target), and no round can hide a lost or doubled
DM (bench/fanout.py, `median_round`, `median_run`)."""

from __future__ import annotations

import math
from typing import Any

import pytest

from bench.fanout import median_round, median_run


def _bot(rate: float, *, people: int = 100, lost: int = 0, duplicates: int = 0, rss: float = 100.0) -> dict[str, Any]:
    return {"send_rate": rate, "people": people, "lost": lost, "duplicates": duplicates, "peak_rss_mb": rss,
            "rejected_429": 0, "members": 100}


def test_the_round_shown_is_the_median_ratio_not_the_median_rate() -> None:
    floors = [{"send_rate": 6000.0}, {"send_rate": 3000.0}, {"send_rate": 5000.0}]
    bots = [_bot(3600.0), _bot(1200.0), _bot(2500.0)]  # ratios 0.60, 0.40, 0.50
    floor, bot = median_round(floors, bots)
    assert floor["send_rate"] == 5000.0 and bot["send_rate"] == 2500.0


def test_every_round_counts_for_what_went_wrong() -> None:
    floors = [{"send_rate": 1000.0}] * 3
    bots = [_bot(500.0, duplicates=1), _bot(600.0, people=98, lost=2, rss=180.0), _bot(700.0)]
    _, bot = median_round(floors, bots)
    assert bot["send_rate"] == 600.0
    assert (bot["people"], bot["lost"], bot["duplicates"], bot["peak_rss_mb"]) == (98, 2, 1, 180.0)


def test_an_even_number_of_rounds_shows_the_lower_middle_and_a_run_without_a_rate_sorts_last() -> None:
    floors = [{"send_rate": 1000.0}] * 2
    _, bot = median_round(floors, [_bot(700.0), _bot(500.0)])
    assert bot["send_rate"] == 500.0
    floors = [{"send_rate": 1000.0}] * 3
    _, bot = median_round(floors, [{**_bot(0.0), "send_rate": math.nan}, _bot(900.0), _bot(400.0)])
    assert bot["send_rate"] == 900.0  # sorted 400, 900, then the run without a rate


def test_rounds_must_pair_up() -> None:
    with pytest.raises(ValueError):
        median_round([{"send_rate": 1.0}], [])


def test_postgres_shows_its_median_run_and_every_run_counts_for_what_went_wrong() -> None:
    runs = [_bot(1400.0), _bot(950.0, duplicates=2), _bot(1200.0, people=99, lost=1, rss=200.0)]
    run = median_run(runs)
    assert run["send_rate"] == 1200.0
    assert (run["people"], run["lost"], run["duplicates"], run["peak_rss_mb"]) == (99, 1, 2, 200.0)
    assert median_run([_bot(800.0), _bot(1100.0)])["send_rate"] == 800.0  # the lower middle: never flattering
    with pytest.raises(ValueError):
        median_run([])
