"""Meeting hygiene: `/meeting` registers meetings (one-off or recurring), `/agenda` collects items and
pre-read questions, nudges go out while the agenda is empty ("no agenda, no meeting"), the agenda is
posted at the start with a timebox, and planned vs actual minutes are recorded (see api.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from handlers.core.lazy import Feature
from handlers.core.registry import CommandSpec, Registry
from handlers.meetings.catalog import (
    ADD_FORM,
    ANSWER_FORM,
    CALENDARS_EVERY,
    EXAMPLES,
    NUDGE,
    SERIES_EVERY,
    START,
)

if TYPE_CHECKING:
    from handlers.timebox.ports import MeetingLink

__all__ = ["register", "timebox_link"]


def timebox_link() -> MeetingLink:
    """What `/timebox` needs to tell a meeting that its timer moved or finished (imports the meetings' code:
    called when the timebox feature is first used)."""
    from handlers.meetings.lifecycle import MeetingTimeboxLink

    return MeetingTimeboxLink()


def register(registry: Registry) -> None:
    feature = Feature("handlers.meetings.wiring:handlers")
    registry.command(CommandSpec(
        name="meeting",
        summary="register a meeting here; it gets an agenda, nudges and a timebox",
        intro="No agenda, no meeting: a meeting registered here gets an agenda and pre-read questions, reminders "
              "while the agenda is empty, its agenda posted at the start with a timer, and its planned vs actual "
              "minutes recorded.",
        usage=(
            ("<title> <when> [for <duration>]", "registers a meeting; I confirm the time in your timezone "
                                                 "(30 minutes unless you say `for …`)"),
            ("<title> every <days> at <time> [for <duration>]", "a recurring meeting; each occurrence gets its own "
                                                               "agenda and nudges"),
            ("list", "upcoming meetings in this channel"),
            ("cancel <n>", "cancels meeting n of the list (its organiser, the channel's owner or an admin)"),
            ("end", "ends the meeting running now and records planned vs actual minutes"),
            ("stats", "this channel's meeting hygiene over the last 4 weeks"),
            ("calendar <ics-url>", "follows a calendar feed (Google, Outlook, iCloud, Fastmail): its meetings of the "
                                   "next 14 days come here, an event's bullet lines count as its agenda (the "
                                   "channel's owner or an admin)"),
            ("calendar", "the calendars this channel follows, their last sync and next meetings"),
            ("calendar remove <n>", "stops following calendar n; its upcoming meetings here are dropped"),
        ),
        handler=feature.handler("meeting"),
        examples=EXAMPLES,
    ))
    registry.command(CommandSpec(
        name="agenda",
        summary="agenda items and pre-read questions for the next meeting here",
        intro="The agenda belongs to this channel's meeting that is running now, or else the next one.",
        usage=(
            ("add <item> [<minutes>m]", "adds an item (cut at 200 characters); the minutes are checked against "
                                        "the meeting's length"),
            ("question <text>", "a pre-read question people answer in writing before the call"),
            ("answer <n> <text>", "answers pre-read question n (or press its Answer button)"),
            ("show", "the agenda with its time boxes, and buttons to remove and reorder items"),
            ("remove <n>", "removes item n"),
            ("move <n> to <m>", "moves item n (also `up`, `down`, `top`, `bottom`)"),
            ("open <minutes>m | off", "the closing open discussion (5 minutes unless changed)"),
        ),
        handler=feature.handler("agenda"),
        examples=("add Demo of the new login 10m", "question Which of the two designs do we ship?",
                  "answer 1 The second one", "show", "move 3 to 1", "open off"),
    ))
    registry.action("meeting.cancel", feature.handler("press_cancel"))
    registry.action("meeting.shorten", feature.handler("press_shorten"))
    registry.action("meeting.end", feature.handler("press_end"))
    registry.action("meeting.stop_series", feature.handler("press_stop_series"))
    registry.action("agenda.remove", feature.handler("press_remove"))
    registry.action("agenda.up", feature.handler("press_up"))
    registry.action("agenda.add", feature.handler("press_add"))
    registry.action("agenda.answer", feature.handler("press_answer"))
    registry.form(ADD_FORM, feature.handler("open_add"), feature.handler("submit_add"))
    registry.form(ANSWER_FORM, feature.handler("open_answer"), feature.handler("submit_answer"))
    registry.outbox_kind(NUDGE, feature.handler("prepare_nudge"))
    registry.outbox_kind(START, feature.handler("prepare_start"))
    registry.every("meetings.series", SERIES_EVERY, feature.handler("series"))
    registry.every("meetings.calendars", CALENDARS_EVERY, feature.handler("calendars"))
