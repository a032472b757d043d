"""A channel's scope-watch sensitivity and the score each needs (the detector, handlers/scope/detector.py,
compiles its patterns when it is imported: its users import it when a message first needs it).

The detector's score does not depend on the sensitivity, only the score it must reach does: the watcher
scores a message once and compares that score with its channel's `score_needed`."""

from __future__ import annotations

SENSITIVITIES: tuple[str, ...] = ("low", "normal", "high")

#: score a message must reach to count as scope creep, per sensitivity (before the per-channel offset)
THRESHOLDS: dict[str, float] = {"low": 4.0, "normal": 3.0, "high": 2.25}


def score_needed(sensitivity: str, offset: float) -> float:
    """The score a message must reach in a channel at `sensitivity` with a learned `offset`; ValueError for an
    unknown sensitivity. A NaN or infinite offset is ignored rather than allowed to explode."""
    try:
        base = THRESHOLDS[sensitivity]
    except KeyError:
        raise ValueError(f"sensitivity must be one of {SENSITIVITIES}, not {sensitivity!r}") from None
    if offset != offset or offset in (float("inf"), float("-inf")):
        offset = 0.0
    return base + offset
