"""Detection quality measured through the real Slack event path: every labelled message of
tests/data/scope_creep_messages.jsonl goes in as a signed `message` event (its own thread), and a message
counts as flagged when the bot posted a trade-off prompt in its thread."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

from handlers.scope.detector import detect
from tests.support.harness import Harness
from tests.support.scope_helpers import message, prompts_in

DATA = Path(__file__).resolve().parents[1] / "data" / "scope_creep_messages.jsonl"
BATCH = 25  # events in flight at once, as a busy workspace would send them


def _rows() -> list[dict]:
    with DATA.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


async def test_labelled_set_through_the_event_path(bot: Harness, record_property: Callable[[str, object], None]) -> None:
    rows = _rows()
    ts_of = {f"1700{i:06d}.000100": i for i in range(len(rows))}
    started = time.perf_counter()
    pending = list(ts_of.items())
    while pending:
        batch, pending = pending[:BATCH], pending[BATCH:]
        for ts, i in batch:
            response = await bot.event(message(rows[i]["text"], ts, channel="CEVAL", user=f"U{i % 7 + 1}"))
            assert response.status == 200
        await bot.idle(60)
    elapsed = time.perf_counter() - started

    flagged = {ts_of[p["thread_ts"]] for p in prompts_in(bot)}
    assert len(prompts_in(bot)) == len(flagged), "a message got more than one prompt"
    tp = sum(1 for i in flagged if rows[i]["label"])
    fp = len(flagged) - tp
    fn = sum(1 for i, row in enumerate(rows) if row["label"] and i not in flagged)
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    holdout = [i for i, row in enumerate(rows) if row.get("split") == "holdout"]
    h_tp = sum(1 for i in holdout if i in flagged and rows[i]["label"])
    h_fp = sum(1 for i in holdout if i in flagged and not rows[i]["label"])
    h_fn = sum(1 for i in holdout if i not in flagged and rows[i]["label"])
    h_precision = h_tp / (h_tp + h_fp) if h_tp + h_fp else 1.0
    h_recall = h_tp / (h_tp + h_fn) if h_tp + h_fn else 1.0
    print(f"\n[scope] event path, all rows (n={len(rows)}): precision={precision:.3f} recall={recall:.3f} "
          f"tp={tp} fp={fp} fn={fn}; holdout (n={len(holdout)}): precision={h_precision:.3f} "
          f"recall={h_recall:.3f}; {len(rows)} events in {elapsed:.1f}s")
    record_property("event_path_precision", round(precision, 4))
    record_property("event_path_recall", round(recall, 4))
    record_property("event_path_holdout_precision", round(h_precision, 4))
    record_property("event_path_holdout_recall", round(h_recall, 4))
    assert precision >= 0.9 and recall >= 0.7
    # the wire loses nothing and adds nothing: exactly what the detector says at the default setting
    assert flagged == {i for i, row in enumerate(rows) if detect(row["text"]).is_scope_creep}
