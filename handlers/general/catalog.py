"""What the registry names for `/steadybot` before any of its handlers runs (a restart loads this, not the
feature)."""

from __future__ import annotations

FORM_ID = "settings.edit"
OPEN_SETTINGS = "settings.open"

ABOUT = (
    "I help your team keep healthy habits: anonymous pulse check-ins, no agenda — no meeting, time-boxed "
    "calls, and a polite \"what do we drop?\" when scope creeps in. Pulse answers are anonymous, and team "
    "results only show once enough people have answered."
)
