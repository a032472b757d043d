"""What a shown round may publish per dimension, so that no figure counts one or two people.

A round's figures per dimension are its mean (one decimal) and its distribution over the levels 1–5. A
distribution such as `1·0·3·0·1` says "exactly one person is running on empty", and with five answers that
one person stands alone. So:

- levels are merged into contiguous bands until every band holds 0 or at least `INSIDE` (4) answers — a band
  of 3 holding your own answer tells you the other 2 are there (the finest such split is chosen:
  `1–2: 4 · 3: 0 · 4–5: 4`);
- the mean is published only if, together with the bands (and the burnout line, for the burnout scale), it
  does not pin down any group of levels to exactly one or two answers. Example: five answers in one band
  "4–5" with a mean of 4.2 can only be four 4s and one 5. This is checked by searching the histograms that
  give the same published figures; if every one of them puts exactly 1 or 2 answers on some group of
  levels, the next coarser split is tried, then no distribution, then no mean;
- all of this holds for an insider too: everyone who answered knows their own answer and can take it out of
  the published figures, so the search is repeated for each level that holds an answer, on the other
  answers. Example: `Energy 4.7 · 3–5: 6` and your own 4 leave only "one 4 and four 5s" for the five
  others — so that mean is not published with that band;
- the burnout share ("N of M at level 3 or higher") is masked by its count alone: exact only for none, all,
  or when both it and the rest hold at least `INSIDE`; otherwise the lower or the upper half of the counts
  ("fewer than 4", "all but fewer than 4"; with 5 or 6 answers the halves are smaller, e.g. "fewer than 3"),
  or with four answers "some, but not all".

Everything here is a pure function of one round's counts, so a round publishes the same figures in every
view (as the newest round, as a comparison base or as a trend point): looking again never adds a figure.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from functools import lru_cache
from itertools import combinations
from operator import mul

from handlers.pulse.model import LEVELS

FEWEST = 3  # no published figure counts one or two people
#: ... not even for someone who answered and takes their own answer out: a band, a burnout count or the rest
#: of it holding someone's own answer needs FEWEST others with it.
INSIDE = FEWEST + 1
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


_WEIGHTS = {group: tuple(1 if level in group else 0 for level in LEVELS) for group in _SUBSETS}


def _count(hist: tuple[int, ...], levels: frozenset[int]) -> int:
    return sum(map(mul, hist, _WEIGHTS[levels]))


@lru_cache(maxsize=4096)
def _sums(counts: tuple[int, ...]) -> frozenset[int]:
    """The sums of levels that give the same published mean as `counts` (the division mean_text does)."""
    total, mean = sum(counts), mean_text(counts)
    near = sum(map(mul, counts, LEVELS))
    return frozenset(s for s in range(max(0, near - total), near + total + 1) if f"{s / total:.1f}" == mean)


@lru_cache(maxsize=4096)
def _views(counts: tuple[int, ...]) -> tuple[tuple[int | None, tuple[frozenset[int], ...]], ...]:
    """Who may look (an outsider, None, and someone who answered at each level that holds an answer) and the
    groups of levels each of them must not be able to pin to 1 or 2 answers."""
    out = []
    for own in (None, *(level for level in LEVELS if counts[level - 1])):
        groups = _pinnable(counts, own)
        if groups:
            out.append((own, tuple(groups)))
    return tuple(out)


def _pinnable(counts: tuple[int, ...], own: int | None) -> list[frozenset[int]]:
    """The groups of levels that hold 1 or 2 of the answers someone can't see: everyone's for an outsider
    (`own` None), everyone's but one answer at level `own` for a person who gave it. A group holding all of
    those answers is left out: the total is published, and MIN_ANSWERS keeps it at FEWEST or more."""
    seen = sum(counts) - (1 if own is not None else 0)
    out = []
    for group in _SUBSETS:
        n = _count(counts, group) - (1 if own is not None and own in group else 0)
        if 0 < n < FEWEST and n < seen:
            out.append(group)
    return out


def _safe(counts: tuple[int, ...], split: tuple[tuple[int, int], ...], with_mean: bool,
          extra: tuple[Constraint, ...]) -> bool:
    """True when, from everything published (the bands of `split`, the mean if `with_mean`, and `extra`), no
    group of levels is left at exactly 1 or 2 answers — neither for an outsider nor for anyone who answered:
    they know their own answer and can take it out, so for each level that holds an answer the check is
    repeated on the others' answers, over the histograms that have an answer at that level.

    Searches the histograms with the same band totals outwards from the true one (moves of one answer inside
    a band) until each risky group, in each view, has a consistent histogram in which it holds a different
    number. A group's count among the others differs exactly when its count among all answers differs."""
    pending = {own: list(groups) for own, groups in _views(counts)}
    if not pending:
        return True
    sums = _sums(counts) if with_mean else None
    truth = {t: _count(counts, t) for groups in pending.values() for t in groups}
    band_of = {level: i for i, (lo, hi) in enumerate(split) for level in range(lo, hi + 1)}
    moves = [(a, b) for a in LEVELS for b in LEVELS if a != b and band_of[a] == band_of[b]]
    # with the mean published, only histograms whose level sum is near the sums that round to it are walked
    # (a move shifts the sum by at most LEVELS[-1] - LEVELS[0]); a search cut short counts as unsafe
    reach = LEVELS[-1] - LEVELS[0]
    low, high = (min(sums) - reach, max(sums) + reach) if sums else (0, LEVELS[-1] * sum(counts))
    seen = {counts}
    queue = deque([(counts, sum(map(mul, counts, LEVELS)))])
    while queue and len(seen) <= SEARCH_LIMIT:
        hist, level_sum = queue.popleft()
        if (sums is None or level_sum in sums) and all(_count(hist, g) in allowed for g, allowed in extra):
            for own in list(pending):
                if own is not None and not hist[own - 1]:
                    continue  # not a histogram the person who answered at `own` can have in mind
                left = [t for t in pending[own] if _count(hist, t) == truth[t]]
                if left:
                    pending[own] = left
                else:
                    del pending[own]
            if not pending:
                return True
        for a, b in moves:
            if hist[a - 1] and low <= level_sum + b - a <= high:
                nxt = list(hist)
                nxt[a - 1] -= 1
                nxt[b - 1] += 1
                state = tuple(nxt)
                if state not in seen:
                    seen.add(state)
                    queue.append((state, level_sum + b - a))
    return False


@lru_cache(maxsize=4096)
def publish(counts: tuple[int, ...], extra: tuple[Constraint, ...] = ()) -> Published:
    """The figures one dimension of a shown round may publish (see the module docstring)."""
    for split in SPLITS:
        bands = tuple(Band(lo, hi, sum(counts[lo - 1:hi])) for lo, hi in split)
        if any(0 < b.count < INSIDE for b in bands):
            continue  # a band of 3 holding your own answer counts the 2 others in it
        if _safe(counts, split, True, extra):
            return Published(bands if len(bands) > 1 else (), mean_text(counts))
    return Published((), None)  # the total alone: no mean, no distribution


@dataclass(frozen=True, slots=True)
class Share:
    """"N of M answers at level L or higher", as published: exact, or masked when it (or the rest) would
    count one or two people, also for someone who answered and takes their own answer out (so 3 of them, or
    all but 3, is masked too: "fewer than 4"). A masked wording always stands for two counts or more, so
    taking one's own answer out of it still leaves two or more, and which wording a count gets depends on the
    count alone, so the wording itself never gives the count away."""

    count: int
    total: int
    kind: str  # "exact" | "few" (1–2 of them) | "all_but_few" (all but 1–2) | "some" (neither none nor all)

    def allowed(self) -> frozenset[int]:
        return frozenset(c for c in range(self.total + 1) if _share_kind(c, self.total) == self.kind) \
            if self.kind != "exact" else frozenset({self.count})

    def constraint(self, levels: frozenset[int]) -> Constraint:
        return levels, self.allowed()

    def phrase(self) -> str:
        """How many, as published: "4", "fewer than 4", "all but fewer than 3", "some, but not all,"."""
        if self.kind == "few":
            return f"fewer than {max(self.allowed()) + 1}"
        if self.kind == "all_but_few":
            return f"all but fewer than {self.total - min(self.allowed()) + 1}"
        return str(self.count) if self.kind == "exact" else "some, but not all,"

    def lower_share(self) -> float:
        """The smallest share the published text allows (what any flag may be based on)."""
        return min(self.allowed()) / self.total if self.total else 0.0

    def upper_share(self) -> float:
        return max(self.allowed()) / self.total if self.total else 0.0


def _share_kind(count: int, total: int) -> str:
    if count in (0, total) or (count >= INSIDE and total - count >= INSIDE):
        return "exact"
    if total >= 2 * FEWEST - 1:  # the lower and the upper half each hold two counts or more
        return "few" if 2 * count <= total else "all_but_few"
    return "some"  # four answers or fewer: every count but none and all looks the same


def share(count: int, total: int) -> Share:
    return Share(count, total, _share_kind(count, total))
