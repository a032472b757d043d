"""What the registry names for scope creep before any of its handlers runs: the command's help, form ids and
its outbox kind (a restart loads this, not the feature)."""

from __future__ import annotations

DROP_FORM = "scope.drop_form"
EXTEND_FORM = "scope.extend_form"
AFTER_MEETING = "scope.after_meeting"
STATS_DAYS = 30

USAGE: tuple[tuple[str, str], ...] = (
    ("<request>", "asks the channel \"happy to — what do we drop?\" about a new request, with buttons to drop "
                  "something, extend the deadline or park it"),
    ("commitments", "this channel's commitments — what the team is working on (the list \"drop something\" "
                    "picks from)"),
    ("commit <item>", "adds a commitment"),
    ("done <n>", "takes commitment n off the list: finished"),
    ("drop <n>", "takes commitment n off the list: dropped"),
    ("parking", "the parking lot: ideas kept for later, e.g. a brainstorming session"),
    ("park <idea>", "puts an idea in the parking lot"),
    ("unpark <n>", "takes idea n out of the parking lot"),
    ("stats", f"decisions and false alarms of the last {STATS_DAYS} days"),
    ("reset", "forgets what \"not scope creep\" taught me here (channel creator or admin)"),
)
EXAMPLES = ("add a CSV export to the release", "commit Billing page redesign", "done 2", "park dark mode",
            "unpark 1")
INTRO = ("When someone piles new work onto a committed plan, I ask — politely — what we drop to make room for "
         "it, and record what the team decides. I also watch this channel for \"can we also…\" messages "
         "(switch it with `/steadybot settings scope off`).")
