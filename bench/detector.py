"""Scope-creep detector: messages per second and the time per message (p50, p99, worst), in process.

The corpus is the labelled chat of the detector's tests (250 real-looking messages) plus the ugly inputs a
channel sees: a pasted stack trace, a 4 000-character essay, a 40 000-character paste (Slack's maximum),
emoji and unicode control characters. The baseline is the cheapest detector imaginable — one lower-casing
and one compiled alternation of the obvious trigger phrases — timed on the same messages in the same
loop, so the ratio says what the precision costs.
"""

from __future__ import annotations

import gc
import json
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.stats import Figure, percentile, ratios
from handlers.scope.detector import detect

CORPUS = Path(__file__).resolve().parents[1] / "tests" / "data" / "scope_creep_messages.jsonl"
_NAIVE = re.compile(r"can we also|could we also|while we're at it|wouldn't it be (?:cool|nice)|one more thing|"
                    r"\balso add\b|\bquick add\b")


def naive(text: str) -> bool:
    return _NAIVE.search(text.lower()) is not None


def corpus(ugly: bool = True) -> list[str]:
    texts = [json.loads(line)["text"] for line in CORPUS.read_text().splitlines() if line.strip()]
    if not ugly:
        return texts
    trace = "\n".join(f'  File "/srv/app/module_{i}.py", line {i * 7}, in handler_{i}\n    result = call_{i}(x)'
                      for i in range(60))
    essay = ("We shipped the login flow last week and the numbers look fine; the team is tired but okay. " * 45)[:4000]
    paste = ("can we also add one more export while we're at it? " + "lorem ipsum dolor sit amet " * 2000)[:40_000]
    weird = "\u202ecan we also\u200b add 🎉🎉 a dark mode\u2028to the release?\ufeff " * 20
    return texts + [f"Traceback (most recent call last):\n{trace}\nValueError: boom", essay, paste, weird]


def _time_each(fn: Callable[[str], Any], texts: list[str]) -> list[float]:
    out: list[float] = []
    clock = time.perf_counter_ns
    for text in texts:
        start = clock()
        fn(text)
        out.append((clock() - start) / 1000.0)  # µs
    return out


def run(passes: int, ugly: bool = True) -> dict[str, Any]:
    texts = corpus(ugly)
    for text in texts:  # warm: compiled patterns, caches
        detect(text)
        naive(text)
    rounds: dict[str, list[list[float]]] = {"detector": [], "naive": []}
    gc.disable()
    try:
        for p in range(passes):
            order = (("detector", detect), ("naive", naive)) if p % 2 == 0 else (("naive", naive), ("detector", detect))
            for name, fn in order:
                rounds[name].append(_time_each(fn, texts))
    finally:
        gc.enable()
    per_s = {name: [len(texts) / (sum(r) / 1e6) for r in rs] for name, rs in rounds.items()}
    p50 = {name: [percentile(r, 50) for r in rs] for name, rs in rounds.items()}
    p99 = {name: [percentile(r, 99) for r in rs] for name, rs in rounds.items()}
    worst = {name: [max(r) for r in rs] for name, rs in rounds.items()}
    return {
        "messages": len(texts),
        "passes": passes,
        "per_s": Figure.of(per_s["detector"]),
        "naive_per_s": Figure.of(per_s["naive"]),
        "p50_us": Figure.of(p50["detector"]),
        "p99_us": Figure.of(p99["detector"]),
        "worst_us": Figure.of(worst["detector"]),
        "naive_p99_us": Figure.of(p99["naive"]),
        "ratio_p99": Figure.of(ratios(p99["detector"], p99["naive"])),
        "ratio_rate": Figure.of(ratios(per_s["naive"], per_s["detector"])),  # how many times slower
    }
