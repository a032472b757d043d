"""An outsider's look at the day's changes (time words, channel and team lifecycle, the pulse's one DM a day,
DETAIL redaction, /timebox extend, /tradeoff typos). The findings below were in handlers/core/timeparse.py
(each test failed before its fix).

The day's promise (commit 45ed861, docs/meetings.md "How times are read"): a time is never dropped silently
and never replaced by the current clock. Two shapes of input still break it:

- an hour or minute that does not exist ("at 25", "13pm", "12:60", "24:00"): none of the checks in
  `_check_read` sees a time there (`_CLOCK` only matches valid ones), so dateparser's answer — tomorrow at the
  current clock time, seconds included — is taken, and a meeting is booked at 10:17:43;
- digits other than ASCII that NFKC does not fold (Arabic-Indic "٣", Devanagari "३"): full-width "３" is folded
  to "3" and read as a meeting's 15:00, but "٣" is read literally, 03:00 — a meeting at three in the night;
  and "٠٩:٣٠" is dropped as a time altogether (a snooze "until tomorrow ٠٩:٣٠" ends at midnight).
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from handlers.core.errors import UserError
from handlers.core.timeparse import parse_when
from handlers.meetings.parse import parse_meeting
from handlers.pulse.snooze import parse_snooze

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 3, 2, 9, 17, 43, tzinfo=UTC)  # Monday 2 March 2026, 10:17:43 in Berlin
# America/New_York enters summer time on Sunday 8 March 2026: "tomorrow" from Saturday crosses it.
NEW_YORK = ZoneInfo("America/New_York")
NEW_YORK_EVE = datetime(2026, 3, 7, 10, 17, 43, tzinfo=NEW_YORK).astimezone(UTC)


def _meeting_at(text: str, tz: ZoneInfo = BERLIN, now: datetime = NOW) -> str | None:
    """The meeting's local start, or None when it was refused (a UserError asking for a readable time)."""
    try:
        request = parse_meeting(text, tz, now)
    except UserError:
        return None
    return None if request.starts_at is None else f"{request.starts_at.astimezone(tz):%a %d %H:%M:%S}"


# 1. Hours and minutes that do not exist are refused, never replaced by the current clock ----------------------
@pytest.mark.parametrize("when", ["tomorrow at 25", "tomorrow at 13pm", "tomorrow at 12:60", "tomorrow at 24:00",
                                  "tomorrow at 10:99", "tomorrow @ 99:99"])
@pytest.mark.parametrize(("tz", "now"), [(BERLIN, NOW), (NEW_YORK, NEW_YORK_EVE)], ids=["berlin", "new-york-dst"])
def test_an_impossible_time_is_refused_not_read_as_the_current_clock(when: str, tz: ZoneInfo, now: datetime) -> None:
    with pytest.raises(UserError):
        parse_when(when, tz, now, meeting=True)


def test_a_meeting_at_25_is_not_booked_at_the_current_clock_time() -> None:
    # today: ('Retro', 'Tue 03 10:17:43') — the moment the command was typed, a day later
    assert _meeting_at("Retro tomorrow at 25") is None


# 2. Digits NFKC does not fold are read as the ASCII ones are, or refused -------------------------------------
def test_full_width_digits_are_a_meetings_hour_as_ascii_ones_are() -> None:
    """The control: "３" is folded to "3" and read as 15:00, as "3" is."""
    assert _meeting_at("Retro tomorrow at 3") == "Tue 03 15:00:00"
    assert _meeting_at("Retro tomorrow at ３") == "Tue 03 15:00:00"


@pytest.mark.parametrize("three", ["٣", "३", "۳"], ids=["arabic-indic", "devanagari", "extended-arabic-indic"])
def test_other_digits_are_a_meetings_hour_too_or_refused(three: str) -> None:
    # today: 'Tue 03 03:00:00' — a meeting at three in the night, booked without a word
    assert _meeting_at(f"Retro tomorrow at {three}") in ("Tue 03 15:00:00", None)


def test_arabic_indic_clock_time_is_not_dropped_from_a_snooze() -> None:
    # today: the snooze ends at 00:00 (23:00 UTC), the time of day written is dropped silently
    try:
        until = parse_snooze("until tomorrow ٠٩:٣٠", BERLIN, NOW)
    except UserError:
        return  # refused: fine
    assert f"{until.astimezone(BERLIN):%a %d %H:%M}" == "Tue 03 09:30"
