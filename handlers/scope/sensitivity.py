"""A channel's scope-watch sensitivity and the score each needs (the detector, handlers/scope/detector.py,
compiles its patterns when it is imported: its users import it when a message first needs it)."""

from __future__ import annotations

SENSITIVITIES: tuple[str, ...] = ("low", "normal", "high")

#: score a message must reach to count as scope creep, per sensitivity (before the per-channel offset)
THRESHOLDS: dict[str, float] = {"low": 4.0, "normal": 3.0, "high": 2.25}
