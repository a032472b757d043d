"""No published figure counts one or two people (issue #12): for every histogram of a small round, what the
lead can work out from the published mean, bands and burnout share — by brute force over every histogram
that publishes the same — never pins a group of levels to exactly one or two answers."""

from __future__ import annotations

import random
from functools import cache
from itertools import product

import pytest

from handlers.pulse.disclosure import FEWEST, Published, Share, publish, share
from handlers.pulse.model import BURNOUT_FLAG_LEVEL, LEVELS
from handlers.pulse.results import HIGH_LEVELS

SUBSETS = [tuple(level for i, level in enumerate(LEVELS) if mask >> i & 1) for mask in range(1, 32)]


@cache
def histograms(total: int) -> tuple[tuple[int, ...], ...]:
    return tuple(h for h in product(range(total + 1), repeat=5) if sum(h) == total)


def _mean(hist: tuple[int, ...]) -> str:
    return f"{sum(level * n for level, n in zip(LEVELS, hist, strict=True)) / sum(hist):.1f}"


def _high(hist: tuple[int, ...]) -> int:
    return sum(hist[level - 1] for level in HIGH_LEVELS)


def _same_text(a: Share, b: Share) -> bool:
    return a.kind == b.kind and (a.kind != "exact" or a.count == b.count)


def pinned(hist: tuple[int, ...], shown: Published, with_share: bool) -> list[tuple[int, ...]]:
    """Groups of levels the lead knows to hold exactly 1 or 2 answers, from what is published."""
    total = sum(hist)
    mine = share(_high(hist), total)
    consistent = [
        h for h in histograms(total)
        if (shown.mean is None or _mean(h) == shown.mean)
        and all(sum(h[b.lo - 1:b.hi]) == b.count for b in shown.bands)
        and (not with_share or _same_text(share(_high(h), total), mine))
    ]
    assert hist in consistent
    out = []
    for group in SUBSETS:
        values = {sum(h[level - 1] for level in group) for h in consistent}
        if len(values) == 1 and values & set(range(1, FEWEST)):
            out.append(group)
    return out


def check(hist: tuple[int, ...], burnout: bool) -> None:
    extra = (share(_high(hist), sum(hist)).constraint(HIGH_LEVELS),) if burnout else ()
    shown = publish(hist, extra)
    assert all(b.count == 0 or b.count >= FEWEST for b in shown.bands), (hist, shown)
    distribution = shown.distribution()
    assert distribution is None or "1·" not in distribution or hist.count(1) == 0
    assert not pinned(hist, shown, burnout), (hist, shown)
    assert publish(hist, extra) == shown  # a round publishes the same in every view


@pytest.mark.parametrize("total", [3, 4, 5, 6])
def test_every_small_round_publishes_nothing_that_counts_one_or_two(total: int) -> None:
    for hist in histograms(total):
        check(hist, burnout=False)
        check(hist, burnout=True)


def test_larger_rounds_sampled() -> None:
    rng = random.Random(12)
    for _ in range(60):
        total = rng.randint(7, 11)
        cuts = sorted(rng.randint(0, total) for _ in range(4))
        hist = tuple(b - a for a, b in zip([0, *cuts], [*cuts, total], strict=True))
        check(hist, burnout=rng.random() < 0.5)


def test_the_issues_histogram_and_a_lone_extreme() -> None:
    # "answers 1→5: 1·0·3·0·1" from the issue: nothing but the mean survives
    assert publish((1, 0, 3, 0, 1)) == Published((), "3.0")
    # four 4s and a 5: bands alone would allow it, the mean 4.2 would then pin the 5 down — merged further
    shown = publish((0, 0, 0, 4, 1))
    assert shown.mean == "4.2" and shown.distribution() == "answers by level: 1: 0 · 2: 0 · 3–5: 5"
    # four 5s and a 4: the mean 4.8 alone says "one 4": no mean, no distribution
    assert publish((0, 0, 0, 1, 4)) == Published((), None)
    # nothing to hide: the distribution stays exact
    assert publish((0, 3, 0, 4, 0)).distribution() == "answers 1→5: 0·3·0·4·0"


def test_the_burnout_share_never_says_one_or_two_nor_all_but_one_or_two() -> None:
    assert share(0, 6).kind == "exact" and share(3, 6).kind == "exact" and share(6, 6).kind == "exact"
    assert share(1, 6).kind == "few" and share(2, 6).kind == "few"
    assert share(5, 6).kind == "all_but_few" and share(4, 6).kind == "all_but_few"
    # a flag from published figures only: "fewer than 3 of 5" is 20 %–40 %, never decided by 1 vs 2
    few = share(2, 5)
    assert few.lower_share() == 0.2 and few.upper_share() == 0.4
    assert min(HIGH_LEVELS) == BURNOUT_FLAG_LEVEL


def test_big_rounds_stay_fast() -> None:
    import time

    start = time.perf_counter()
    for hist in [(1, 300, 200, 300, 1), (2, 10, 10, 10, 2), (1, 1, 40, 1, 1), (0, 1, 30, 0, 0)]:
        publish.cache_clear()
        assert publish(hist).mean is not None
    assert time.perf_counter() - start < 2.0
