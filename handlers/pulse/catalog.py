"""What the registry names for the pulse before any of its handlers runs: the command's help, its form ids
and its outbox kinds. Small on purpose: a restart loads this, not the feature (docs/architecture.md)."""

from __future__ import annotations

FORM_ID = "pulse.answer"
REFLECT_FORM = "pulse.reflect"
KIND_INVITE = "pulse.invite"
KIND_REMIND = "pulse.remind"
KIND_REFLECT = "pulse.reflect"
JOURNAL_ACTIONS = "pulse.journal."

USAGE = (
    ("now", "send the anonymous pulse to everyone in this channel now (channel creator, team owners, admins); "
            "add `for 2 days` to change how long it stays open (default 3 days)"),
    ("schedule <when>", "a recurring pulse for this channel, e.g. `every friday at 3pm`, `every other monday 10:00`, "
                        "`weekdays at 9`, `first monday of the month at 11` — each person gets it at that time in "
                        "their own timezone, never on their weekend or in quiet hours"),
    ("schedule", "show this channel's schedule"),
    ("stop", "end this channel's schedule"),
    ("close", "close the open round now, so its results can show"),
    ("results", "the team's anonymous results and trends, or how many more answers are needed"),
    ("optout", "no more pulse DMs for you, from any channel; `optout --forget` also deletes your journal and "
               "your records of having been asked and having answered (`opt out` works too)"),
    ("optin", "get pulse DMs again (or `opt in`)"),
    ("snooze <until or duration>", "time off: your pulse DMs, reminders and meeting nudges wait, e.g. "
                                   "`snooze until monday`, `snooze 2 weeks`; `snooze off` ends it"),
    ("me", "your private journal: your own answers, only for you (`me on`, `me off`, `me reflect on`)"),
)
INTRO = ("A 30-second anonymous check-in by DM: energy, connection, getting things done, workload and burnout. "
         "Answers are stored without names; the team sees totals only once enough people answered.")
