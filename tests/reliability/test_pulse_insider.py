"""Someone who answered knows their own answer and can take it out of what a shown round publishes (review
1). Played through the real Slack wire: the lead answers, reads `/pulse results`, subtracts their own answer,
and must not be left with any group of the others' answers at exactly one or two."""

from __future__ import annotations

import re
from itertools import product

from tests.support.harness import Harness
from tests.support.pulse_helpers import answer_slack, pulse_now, slack_team, text_of

DIMS = ("exhaustion", "cynicism", "efficacy", "workload", "burnout")
BERLIN = "Europe/Berlin"


def others_consistent(line: str, total: int, own: int) -> set[tuple[int, ...]]:
    """Every histogram of the OTHER answers consistent with the published line and the lead's own answer."""
    mean = re.search(r"\*(\d\.\d)\* of 5", line)
    bands = [(int(lo), int(hi or lo), int(n)) for lo, hi, n in
             re.findall(r"(\d)(?:–(\d))?: (\d+)", line.split("answers by level:")[1])] \
        if "answers by level:" in line else []
    exact = line.split("answers 1→5: ")[1].split(" ")[0].split("·") if "answers 1→5: " in line else None
    out = set()
    for hist in product(range(total + 1), repeat=5):
        if sum(hist) != total or hist[own - 1] == 0:
            continue
        if mean and f"{sum((i + 1) * n for i, n in enumerate(hist)) / total:.1f}" != mean.group(1):
            continue
        if any(sum(hist[lo - 1:hi]) != n for lo, hi, n in bands):
            continue
        if exact is not None and list(hist) != [int(n) for n in exact]:
            continue
        out.add(tuple(n - (1 if i == own - 1 else 0) for i, n in enumerate(hist)))
    return out


def pinned_groups(others: set[tuple[int, ...]]) -> list[tuple[tuple[int, ...], int]]:
    """Groups of levels that hold exactly 1 or 2 of the others' answers in every histogram left."""
    out = []
    for mask in range(1, 32):
        group = tuple(level for level in range(1, 6) if mask >> (level - 1) & 1)
        values = {sum(h[level - 1] for level in group) for h in others}
        if len(values) == 1 and values & {1, 2}:
            out.append((group, values.pop()))
    return out


async def results_line(bot: Harness, own: int, others: list[int], *, min_k: int | None = None) -> str:
    people = [f"U{i}" for i in range(1, len(others) + 2)]
    slack_team(bot, dict.fromkeys(people, BERLIN))
    if min_k is not None:
        await bot.slash_reply("/steadybot", f"settings min {min_k}", user="U1")
    await pulse_now(bot)  # U1, the channel's creator, sends ...
    await answer_slack(bot, "U1", dict.fromkeys(DIMS, str(own)))  # ... and answers
    for person, value in zip(people[1:], others, strict=True):
        await answer_slack(bot, person, dict.fromkeys(DIMS, str(value)))
    shown = text_of(await bot.slash_reply("/pulse", "results", user="U1"))
    assert "Round of" in shown, shown
    return next(line for line in shown.splitlines() if "*Energy*" in line)


async def test_the_sender_cannot_subtract_their_own_answer_min_3(bot: Harness) -> None:
    line = await results_line(bot, 4, [4, 5, 5], min_k=3)
    others = others_consistent(line, 4, own=4)
    assert (0, 0, 0, 1, 2) in others
    assert not pinned_groups(others), (line, others)  # before: only {one 4, two 5s} was left


async def test_the_sender_cannot_subtract_their_own_answer_default_threshold(bot: Harness) -> None:
    line = await results_line(bot, 4, [4, 5, 5, 5, 5])
    others = others_consistent(line, 6, own=4)
    assert (0, 0, 0, 1, 4) in others
    assert not pinned_groups(others), (line, others)  # before: "exactly one of the five others answered 4"
