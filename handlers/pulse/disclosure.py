"""What a shown round may publish per dimension, so that no figure counts one or two people.

A round's figures per dimension are its mean (one decimal) and its distribution over the levels 1–5. A
distribution such as `1·0·3·0·1` says "exactly one person is running on empty", and with five answers that
one person stands alone. So:

- levels are merged into contiguous bands until every band holds 0 or at least `FEWEST` answers (the finest
  such split is chosen: `1–2: 3 · 3: 0 · 4–5: 4`);
- the mean is published only if, together with the bands (and the burnout line, for the burnout scale), it
  does not pin down any group of levels to exactly one or two answers. Example: five answers in one band
  "4–5" with a mean of 4.2 can only be four 4s and one 5. This is checked by searching the histograms that
  give the same published figures; if every one of them puts exactly 1 or 2 answers on some group of
  levels, the next coarser split is tried, then no distribution, then no mean.

Everything here is a pure function of one round's counts, so a round publishes the same figures in every
view (as the newest round, as a comparison base or as a trend point): looking again never adds a figure.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from functools import lru_cache
from itertools import combinations

from handlers.pulse.model import LEVELS

FEWEST = 3  # no published figure counts one or two people
SEARCH_LIMIT = 20_000  # histograms looked at per check; past that a split counts as unsafe (coarser is tried)

#: A published fact about a group of levels: their answers add up to one of these values.
Constraint = tuple[frozenset[int], frozenset[int]]


@dataclass(frozen=True, slots=True)
class Band:
    lo: int
    hi: int
    count: int

    def label(self) -> str:
        return str(self.lo) if self.lo == self.hi else f"{self.lo}–{self.hi}"


@dataclass(frozen=True, slots=True)
class Published:
    """One dimension of one round as shown: `bands` empty means no distribution is shown."""

    bands: tuple[Band, ...]
    mean: str | None  # "2.8", or None when the mean would single someone out

    def distribution(self) -> str | None:
        if not self.bands:
            return None
        if all(b.lo == b.hi for b in self.bands):
            return "answers 1→5: " + "·".join(str(b.count) for b in self.bands)
        return "answers by level: " + " · ".join(f"{b.label()}: {b.count}" for b in self.bands)


def mean_text(counts: tuple[int, ...]) -> str:
    total = sum(counts)
    value = sum(level * n for level, n in zip(LEVELS, counts, strict=True)) / total if total else 0.0
    return f"{value:.1f}"


def _splits() -> list[tuple[tuple[int, int], ...]]:
    """Every split of the levels 1..5 into contiguous bands, finest first."""
    out: list[tuple[tuple[int, int], ...]] = []
    inner = LEVELS[1:]
    for n in range(len(inner), -1, -1):
        for cuts in combinations(inner, n):
            edges = [LEVELS[0], *cuts, LEVELS[-1] + 1]
            out.append(tuple((edges[i], edges[i + 1] - 1) for i in range(len(edges) - 1)))
    return out


SPLITS = _splits()
_SUBSETS = [frozenset(level for i, level in enumerate(LEVELS) if mask >> i & 1) for mask in range(1, 2 ** len(LEVELS))]


def _count(hist: tuple[int, ...], levels: frozenset[int]) -> int:
    return sum(hist[level - 1] for level in levels)


def _safe(counts: tuple[int, ...], split: tuple[tuple[int, int], ...], with_mean: bool,
          extra: tuple[Constraint, ...]) -> bool:
    """True when no group of levels is left at exactly 1 or 2 answers by everything published: the bands of
    `split`, the mean (if `with_mean`) and `extra`. Searches the histograms with the same band totals
    outwards from the true one (moves of one answer inside a band) until each risky group has a consistent
    histogram in which it holds a different number."""
    risky = [t for t in _SUBSETS if 0 < _count(counts, t) < FEWEST]
    if not risky:
        return True
    mean = mean_text(counts) if with_mean else None
    truth = {t: _count(counts, t) for t in risky}
    band_of = {level: i for i, (lo, hi) in enumerate(split) for level in range(lo, hi + 1)}
    moves = [(a, b) for a in LEVELS for b in LEVELS if a != b and band_of[a] == band_of[b]]
    seen = {counts}
    queue = deque([counts])
    while queue and len(seen) <= SEARCH_LIMIT:
        hist = queue.popleft()
        if (mean is None or mean_text(hist) == mean) and all(_count(hist, g) in allowed for g, allowed in extra):
            risky = [t for t in risky if _count(hist, t) == truth[t]]
            if not risky:
                return True
        for a, b in moves:
            if hist[a - 1]:
                nxt = list(hist)
                nxt[a - 1] -= 1
                nxt[b - 1] += 1
                state = tuple(nxt)
                if state not in seen:
                    seen.add(state)
                    queue.append(state)
    return False


@lru_cache(maxsize=4096)
def publish(counts: tuple[int, ...], extra: tuple[Constraint, ...] = ()) -> Published:
    """The figures one dimension of a shown round may publish (see the module docstring)."""
    for split in SPLITS:
        bands = tuple(Band(lo, hi, sum(counts[lo - 1:hi])) for lo, hi in split)
        if any(0 < b.count < FEWEST for b in bands):
            continue
        if _safe(counts, split, True, extra):
            return Published(bands if len(bands) > 1 else (), mean_text(counts))
    return Published((), None)  # the total alone: no mean, no distribution


@dataclass(frozen=True, slots=True)
class Share:
    """"N of M answers at level L or higher", as published: exact, or masked when it (or the rest) would
    count one or two people. Each masked wording stands for at least two possible counts, and which wording
    a count gets depends on the count alone, so the wording itself never gives the count away."""

    count: int
    total: int
    kind: str  # "exact" | "few" (1–2 of them) | "all_but_few" (all but 1–2) | "some" (neither none nor all)

    def allowed(self) -> frozenset[int]:
        return frozenset(c for c in range(self.total + 1) if _share_kind(c, self.total) == self.kind) \
            if self.kind != "exact" else frozenset({self.count})

    def constraint(self, levels: frozenset[int]) -> Constraint:
        return levels, self.allowed()

    def phrase(self) -> str:
        """How many, as published: "4", "fewer than 3", "all but fewer than 3", "some, but not all,"."""
        return {"exact": str(self.count), "few": f"fewer than {FEWEST}", "all_but_few": f"all but fewer than {FEWEST}",
                "some": "some, but not all,"}[self.kind]

    def lower_share(self) -> float:
        """The smallest share the published text allows (what any flag may be based on)."""
        return min(self.allowed()) / self.total if self.total else 0.0

    def upper_share(self) -> float:
        return max(self.allowed()) / self.total if self.total else 0.0


def _share_kind(count: int, total: int) -> str:
    if count in (0, total) or (count >= FEWEST and total - count >= FEWEST):
        return "exact"
    if total >= 2 * FEWEST - 1:  # 1–2 and all-but-1–2 are two distinct pairs of counts
        return "few" if count < FEWEST else "all_but_few"
    return "some"  # four answers or fewer: every count but none and all looks the same


def share(count: int, total: int) -> Share:
    return Share(count, total, _share_kind(count, total))
