"""No published figure counts one or two people (issue #12): for every histogram of a small round, what the
lead can work out from the published mean, bands and burnout share — by brute force over every histogram
that publishes the same — never pins a group of levels to exactly one or two answers. Nor can anyone who
answered, after taking their own answer out: no group of the others' answers is pinned to one or two."""

from __future__ import annotations

import random
from functools import cache
from itertools import product

import pytest

from handlers.pulse.disclosure import FEWEST, INSIDE, Published, Share, publish, share
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


def pinned(hist: tuple[int, ...], shown: Published, with_share: bool, own: int | None = None
           ) -> list[tuple[int, ...]]:
    """Groups of levels the lead knows to hold exactly 1 or 2 answers, from what is published. With `own`, the
    view of someone who answered at that level: their own answer taken out, the groups of the *others'*
    answers pinned to 1 or 2 (a group holding all the others' answers is the published total, which
    MIN_ANSWERS keeps at 3 or more)."""
    total = sum(hist)
    mine = share(_high(hist), total)
    consistent = [
        h for h in histograms(total)
        if (shown.mean is None or _mean(h) == shown.mean)
        and all(sum(h[b.lo - 1:b.hi]) == b.count for b in shown.bands)
        and (not with_share or _same_text(share(_high(h), total), mine))
    ]
    assert hist in consistent
    if own is not None:
        consistent = [tuple(n - (1 if level == own else 0) for level, n in zip(LEVELS, h, strict=True))
                      for h in consistent if h[own - 1]]
    seen = total - (1 if own is not None else 0)
    out = []
    for group in SUBSETS:
        values = {sum(h[level - 1] for level in group) for h in consistent}
        if len(values) == 1 and values & set(range(1, FEWEST)) and values != {seen}:
            out.append(group)
    return out


def check(hist: tuple[int, ...], burnout: bool) -> None:
    extra = (share(_high(hist), sum(hist)).constraint(HIGH_LEVELS),) if burnout else ()
    shown = publish(hist, extra)
    assert all(b.count == 0 or b.count >= INSIDE for b in shown.bands), (hist, shown)  # 3 would tell an insider 2
    distribution = shown.distribution()
    assert distribution is None or "1·" not in distribution or hist.count(1) == 0
    assert not pinned(hist, shown, burnout), (hist, shown)
    for own in LEVELS:
        if hist[own - 1]:
            assert not pinned(hist, shown, burnout, own), (hist, own, shown)
    assert publish(hist, extra) == shown  # a round publishes the same in every view


@pytest.mark.parametrize("total", [3, 4, 5, 6, 7, 8, 9])  # from 8 two bands of 4 can be shown
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
    assert publish((0, 4, 0, 4, 0)).distribution() == "answers 1→5: 0·4·0·4·0"


def test_the_burnout_share_never_says_one_or_two_nor_all_but_one_or_two() -> None:
    # "3 of 6" would tell someone at burnout 3+ that exactly 2 of the others are: 3 is masked as well
    assert share(0, 8).kind == "exact" and share(4, 8).kind == "exact" and share(8, 8).kind == "exact"
    assert [share(n, 8).kind for n in (1, 2, 3)] == ["few"] * 3
    assert [share(n, 8).kind for n in (5, 6, 7)] == ["all_but_few"] * 3
    # six answers: 1–3 and 4–5; five: 1–2 and 3–4; four: 1–3 look the same
    assert [share(n, 6).phrase() for n in range(7)] == ["0", *["fewer than 4"] * 3, *["all but fewer than 3"] * 2, "6"]
    assert [share(n, 5).phrase() for n in range(1, 5)] == [*["fewer than 3"] * 2, *["all but fewer than 3"] * 2]
    assert {share(n, 4).kind for n in range(1, 4)} == {"some"}
    assert share(3, 8).phrase() == "fewer than 4" and share(5, 8).phrase() == "all but fewer than 4"
    # a flag from published figures only: "fewer than 4 of 8" is 12.5 %–37.5 %, never decided by the count
    few = share(2, 8)
    assert few.lower_share() == 0.125 and few.upper_share() == 0.375
    assert min(HIGH_LEVELS) == BURNOUT_FLAG_LEVEL


def test_the_reviewers_insider_cases() -> None:
    # min 5, the lead and five others: lead 4, one other 4, four 5s. "4.7 · 3–5: 6" and their own 4 told the
    # lead "exactly one of you answered 4"
    for hist in [(0, 0, 0, 2, 4), (0, 0, 0, 2, 2)]:  # and min 3, four people: lead 4, one 4, two 5s
        shown = publish(hist)
        assert not pinned(hist, shown, False, own=4), (hist, shown)
        assert shown.mean is None and shown.distribution() is None
    # the burnout line of the four-person round: "4 of 4" counts all three others, which the total says anyway
    assert share(4, 4).kind == "exact"


def test_a_band_of_three_holding_your_own_answer_is_merged() -> None:
    # "1–2: 3" would tell someone who answered 1 or 2 that exactly two of the others did
    shown = publish((0, 3, 0, 4, 0))
    assert all(b.count == 0 or b.count >= 4 for b in shown.bands), shown
    for own in (2, 4):
        assert not pinned((0, 3, 0, 4, 0), shown, False, own)


def test_big_rounds_stay_fast() -> None:
    import time

    start = time.perf_counter()
    for hist in [(1, 300, 200, 300, 1), (2, 10, 10, 10, 2), (1, 1, 40, 1, 1), (0, 1, 30, 0, 0)]:
        publish.cache_clear()
        assert publish(hist).mean is not None
    assert time.perf_counter() - start < 2.0
