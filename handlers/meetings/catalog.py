"""What the registry names for meetings before any of their handlers runs: form ids, outbox kinds, how often
the periodic work runs, the command's examples (a restart loads this, not the feature)."""

from __future__ import annotations

ADD_FORM, ANSWER_FORM = "agenda.add", "agenda.answer"
NUDGE, START = "meeting.nudge", "meeting.start"
SERIES_EVERY = 60.0
CALENDARS_EVERY = 30.0  # seconds between looks for due feeds (each feed is fetched every STEADYBOT_CALENDAR_REFRESH)
EXAMPLES = ("Sprint review tomorrow 3pm for 45m", "Design review in 2 hours",
            "Standup every weekday at 9:30 for 15m")
