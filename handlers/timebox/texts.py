"""What timeboxes say, and their buttons."""

from __future__ import annotations

from datetime import timedelta

from handlers.core.durations import format_duration
from handlers.core.text import clip
from handlers.core.types import Button, Reply, Visibility
from handlers.timebox.ports import Timebox

EXTEND_BY = timedelta(minutes=5)


def about(box: Timebox) -> str:
    """` — design review` or ` — Sprint review` (the topic, quoted back safely)."""
    return f" — {clip(box.topic, 80)}" if box.topic else ""


def buttons(box: Timebox, *, ended: bool = False) -> tuple[Button, ...]:
    extend = Button("timebox.extend", f"+{format_duration(EXTEND_BY)}", f"{box.id}:{int(EXTEND_BY.total_seconds())}")
    if box.meeting_id is not None:
        return (extend, Button("meeting.end", "End meeting", str(box.meeting_id), "primary"))
    if ended:
        return (extend,)
    return (extend, Button("timebox.stop", "Stop", str(box.id)))


def started(box: Timebox, note: str = "") -> Reply:
    text = (f"⏱ **{format_duration(box.total)} timebox started**{about(box)}.\n"
            "I'll warn at half time, when time is nearly up, and at the end.")
    if note:
        text += f"\n{note}"
    return Reply(text, buttons=buttons(box), visibility=Visibility.CHANNEL)


def half(box: Timebox, remaining: timedelta) -> Reply:
    return Reply(f"⏱ **Half time**{about(box)} — {format_duration(remaining)} left.", buttons=buttons(box),
                 visibility=Visibility.CHANNEL, notify_text=f"Half time: {format_duration(remaining)} left")


def nearly(box: Timebox, remaining: timedelta) -> Reply:
    return Reply(f"⏳ **{format_duration(remaining)} left**{about(box)}. Time to wrap up.", buttons=buttons(box),
                 visibility=Visibility.CHANNEL, notify_text=f"{format_duration(remaining)} left")


def ended(box: Timebox) -> Reply:
    if box.meeting_id is not None:
        text = (f"⏰ **Time's up**{about(box)} ({format_duration(box.total)}). "
                "End the meeting, or take 5 more minutes if you really need them.")
    else:
        text = f"⏰ **Time's up**{about(box)} ({format_duration(box.total)})."
    return Reply(text, buttons=buttons(box, ended=True), visibility=Visibility.CHANNEL, notify_text="Time's up")


def next_item(box: Timebox, label: str, minutes: int, number: int) -> Reply:
    """A meeting's next agenda item (number 0 is the closing open discussion)."""
    what = f"{number}. {clip(label, 200)}" if number else clip(label, 200)
    return Reply(f"⏭ **Next: {what}** ({minutes}m){about(box)}", visibility=Visibility.CHANNEL)


def status(box: Timebox, left: timedelta) -> Reply:
    return Reply(f"⏱ A {format_duration(box.total)} timebox is running here{about(box)}: "
                 f"{format_duration(max(left, timedelta(0)))} left.", buttons=buttons(box))


def stopped(box: Timebox, used: timedelta, by: str) -> Reply:
    given_back = box.total - used
    text = f"⏹ **Timebox stopped**{about(box)} after {format_duration(used)} of {format_duration(box.total)}"
    if given_back >= timedelta(minutes=1):
        text += f" — {format_duration(given_back)} given back"
    text += "." + (f" (by {clip(by, 60)})" if by else "")
    return Reply(text, visibility=Visibility.CHANNEL)


def extended(box: Timebox, by: timedelta, left: timedelta, who: str) -> Reply:
    return Reply(f"⏱ **Extended by {format_duration(by)}**{about(box)} — {format_duration(left)} left, "
                 f"{format_duration(box.total)} in total." + (f" (by {clip(who, 60)})" if who else ""),
                 buttons=buttons(box), visibility=Visibility.CHANNEL)
