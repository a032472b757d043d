"""Time parsing: `handlers.core.timeparse.parse_when` against raw `dateparser.parse(text)` with default
settings, on phrases people type into `/meeting`, `/pulse now for …` and friends. In process, interleaved.

Each phrase is parsed `passes` times by both (alternating which goes first); a phrase's time is its median.
The figures are the median over phrases and the worst phrase. The very first call of each (dateparser
loading its language data) is reported on its own as "first call"; then every phrase is parsed once by
both, untimed, before the timed passes.
"""

from __future__ import annotations

import contextlib
import statistics
import time
import warnings
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from bench.stats import Figure

PHRASES = (
    "tomorrow 3pm", "tomorrow at 15:30", "friday 10:00", "next monday at 9am", "monday 9:30", "today 5pm",
    "thursday noon", "in 2 hours", "in 30 minutes", "3pm", "16:45", "tomorrow morning at 8", "wednesday 14:00",
    "next tuesday 11am", "march 12 14:00", "12 march at 10am", "2026-03-10 16:00", "10/03/2026 09:00",
    "next week", "in 3 days", "sunday 6pm", "tuesday at 4", "tomorrow", "friday", "dec 1 9am",
    "next friday at 2:30pm", "monday at noon", "tomorrow 9", "in an hour", "1 april 2026 13:00",
)
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
TZ = "Europe/Berlin"


def run(passes: int) -> dict[str, Any]:
    import dateparser

    from handlers.core.errors import UserError
    from handlers.core.timeparse import parse_when

    tz = ZoneInfo(TZ)
    warnings.filterwarnings("ignore", category=DeprecationWarning)

    def ours(text: str) -> None:
        with contextlib.suppress(UserError):
            parse_when(text, tz, NOW)

    def raw(text: str) -> None:
        dateparser.parse(text)

    first: dict[str, float] = {}
    for name, fn in (("raw", raw), ("ours", ours)):  # cold: language data loads on the first call
        start = time.perf_counter()
        fn(PHRASES[0])
        first[name] = (time.perf_counter() - start) * 1000
    for phrase in PHRASES:  # warm: some phrases take dateparser down paths that load more data once
        raw(phrase)
        ours(phrase)
    times: dict[str, dict[str, list[float]]] = {"raw": {p: [] for p in PHRASES}, "ours": {p: [] for p in PHRASES}}
    for n in range(passes):
        for phrase in PHRASES:
            order = (("raw", raw), ("ours", ours)) if n % 2 == 0 else (("ours", ours), ("raw", raw))
            for name, fn in order:
                start = time.perf_counter()
                fn(phrase)
                times[name][phrase].append((time.perf_counter() - start) * 1000)
    per_phrase = {name: {p: statistics.median(v) for p, v in by.items()} for name, by in times.items()}
    median = {name: statistics.median(v.values()) for name, v in per_phrase.items()}
    worst = {name: max(v.items(), key=lambda kv: kv[1]) for name, v in per_phrase.items()}
    per_phrase_ratio = [per_phrase["ours"][p] / per_phrase["raw"][p] for p in PHRASES]
    return {
        "phrases": len(PHRASES),
        "passes": passes,
        "ours_median_ms": median["ours"],
        "raw_median_ms": median["raw"],
        "ours_worst": worst["ours"],
        "raw_worst": worst["raw"],
        "first_ms": first,
        "ratio_median": median["ours"] / median["raw"],
        "ratio_worst": worst["ours"][1] / worst["raw"][1],
        "ratio_per_phrase": Figure.of(per_phrase_ratio),
    }
