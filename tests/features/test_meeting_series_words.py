"""The words people type for a meeting series (as in Geekbot, Polly or Fellow): `every fortnight on tuesday`,
`every two weeks`, `every 2nd week`, `every mon & thu`, `mon-fri`, `weekends`, `first monday of the month`.
Each is read as a series with the right interval and days, or refused with what is understood — never a
one-off meeting whose title swallowed the schedule (`Deploy every fortnight` today at 16:00). A series without
a day (`every fortnight at 4`, as `every week at 4`) asks for the day. The truth is computed with zoneinfo,
across the October DST change in Berlin."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from handlers.core.errors import UserError
from handlers.core.recurrence import parse_recurrence
from handlers.core.timeparse import to_local_naive
from handlers.core.types import Platform
from handlers.meetings.parse import parse_meeting
from handlers.meetings.schedule import occurrences
from tests.support.harness import running
from tests.support.meetings_helpers import command, post_texts, team

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # Monday 2 March 2026, 10:00 in Berlin


def _series(text: str) -> str:
    request = parse_meeting(text, BERLIN, NOW)
    assert request.recurrence is not None and request.title == "Deploy", request
    return request.recurrence.describe()


# 1. Read as a series -------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "describe"), [
    # before: a one-off "Deploy every fortnight" (today or Tuesday 16:00)
    ("Deploy every fortnight on tuesday at 4", "every other Tuesday at 16:00"),
    ("Deploy each fortnight on tuesday at 4", "every other Tuesday at 16:00"),
    ("Deploy every fortnight tuesday at 4", "every other Tuesday at 16:00"),
    ("Deploy every fortnight on tue at 4", "every other Tuesday at 16:00"),
    # before: every Tuesday (interval 1), titled "Deploy every fortnight"
    ("Deploy every fortnight on tuesdays at 4", "every other Tuesday at 16:00"),
    # before: one-offs titled "Deploy every two weeks", "Deploy every 2nd week", "Deploy every 2nd"
    ("Deploy every two weeks on tuesday at 4", "every other Tuesday at 16:00"),
    ("Deploy every 2nd week on tuesday at 4", "every other Tuesday at 16:00"),
    ("Deploy every 2nd tuesday at 4", "every other Tuesday at 16:00"),
    ("Deploy every three weeks on monday at 10", "every 3 weeks on Monday at 10:00"),
    ("Deploy bi-weekly on friday at 3", "every other Friday at 15:00"),
    # before: a one-off "Deploy every mon" on Thursday; "Deploy every mon/thu" today; "Deploy each day" tomorrow
    ("Deploy every mon & thu at 10", "every Monday and Thursday at 10:00"),
    ("Deploy every mon/thu at 10", "every Monday and Thursday at 10:00"),
    ("Deploy each day at 9", "every day at 09:00"),
    # before: every Monday and Friday (the days between were dropped); "mon-fri" alone a one-off
    ("Deploy every mon-fri at 9", "every weekday at 09:00"),
    ("Deploy mon-fri at 9", "every weekday at 09:00"),
    ("Deploy monday to friday at 9", "every weekday at 09:00"),  # before: a one-off "Deploy monday to" on Friday
    ("Deploy every tue - thu at 10", "every Tuesday, Wednesday and Thursday at 10:00"),
    # before: one-offs "Deploy every weekend" / "Deploy weekends" / "Deploy first monday of the month" today
    ("Deploy every weekend at 10", "every Saturday and Sunday at 10:00"),
    ("Deploy weekends at 10", "every Saturday and Sunday at 10:00"),
    ("Deploy first monday of the month at 11", "the first Monday of every month at 11:00"),
    # before: refused as unreadable
    ("Deploy every morning at 9", "every day at 09:00"),
    ("Deploy every evening at 8", "every day at 20:00"),
    # already right: kept
    ("Deploy fortnightly on tuesday at 4", "every other Tuesday at 16:00"),
    ("Deploy every tuesday fortnightly at 4", "every other Tuesday at 16:00"),
    ("Deploy biweekly on tuesday at 4", "every other Tuesday at 16:00"),
    ("Deploy every 2 weeks on tuesday at 4", "every other Tuesday at 16:00"),
    ("Deploy every second week on tuesday at 4", "every other Tuesday at 16:00"),
    ("Deploy every other tuesday 2pm", "every other Tuesday at 14:00"),
    ("Deploy every 3 weeks on monday at 10", "every 3 weeks on Monday at 10:00"),
    ("Deploy every weekday at 9", "every weekday at 09:00"),
    ("Deploy every mon and thu at 10", "every Monday and Thursday at 10:00"),
    ("Deploy mondays at 10", "every Monday at 10:00"),
    ("Deploy weekly on friday at 3", "every Friday at 15:00"),
    ("Deploy every monday to friday at 9", "every weekday at 09:00"),
    ("Deploy every first monday of the month at 11", "the first Monday of every month at 11:00"),
    ("Deploy every second tuesday of the month at 4", "the second Tuesday of every month at 16:00"),
])
def test_series_words_are_read_as_a_series(text: str, describe: str) -> None:
    assert _series(text) == describe


def test_every_fortnight_lands_on_the_named_weekday_every_two_weeks() -> None:
    request = parse_meeting("Deploy every fortnight on tuesday at 4 for 1h", BERLIN, NOW)
    assert request.recurrence is not None and request.length == timedelta(hours=1)
    rule = request.recurrence.anchored(to_local_naive(NOW, BERLIN))
    starts = list(occurrences(rule, "Europe/Berlin", NOW, NOW + timedelta(days=30)))
    assert [f"{s.astimezone(BERLIN):%a %d %b %H:%M}" for s in starts[:3]] == [
        "Tue 03 Mar 16:00", "Tue 17 Mar 16:00", "Tue 31 Mar 16:00"]


def test_the_pulse_schedule_knows_the_fortnight_too() -> None:
    rule = parse_recurrence("every fortnight on friday at 3pm")
    assert (rule.interval, rule.weekdays, rule.describe()) == (2, (4,), "every other Friday at 15:00")
    assert parse_recurrence("every friday at 3").at.hour == 3  # without meeting=True a bare hour stays literal


# 2. Refused with what is understood, never a one-off whose title holds the schedule --------------------------

@pytest.mark.parametrize(("text", "said"), [
    # no day: asked for, as `every week at 4` (before: one-offs titled "Deploy every fortnight" … today 16:00)
    ("Deploy every fortnight at 4", "on which day"),
    ("Deploy each fortnight at 4", "on which day"),
    ("Deploy every fortnight at 4 for 1h", "on which day"),
    ("Deploy fortnightly at 4", "on which day"),
    ("Deploy biweekly at 4", "on which day"),
    ("Deploy every other week at 10", "on which day"),
    ("Deploy every two weeks at 4", "on which day"),
    ("Deploy every week at 4", "on which day"),
    ("Deploy weekly at 4", "on which day"),
    ("Deploy once a week at 10", "on which day"),  # before: "Deploy once", next Monday
    ("Deploy twice a week at 10", "on which day"),  # before: "Deploy twice", next Monday
    # a date of the month (before: "in the past", or a one-off titled "Deploy on the 1st of every month")
    ("Deploy every month on the 1st", "weekday of every month"),
    ("Deploy every month on the 1st at 10", "weekday of every month"),
    ("Deploy monthly on the 1st at 10", "weekday of every month"),
    ("Deploy on the 1st of every month at 10", "weekday of every month"),
    ("Deploy monthly at 10", "weekday of every month"),
    ("Deploy every month at 10", "weekday of every month"),
    # longer or shorter than a week allows (before: one-offs titled "Deploy quarterly", "Deploy every other day" …)
    ("Deploy every quarter at 10", "can't repeat"),
    ("Deploy quarterly at 10", "can't repeat"),
    ("Deploy annually at 10", "can't repeat"),
    ("Deploy yearly at 10", "can't repeat"),
    ("Deploy every year at 10", "can't repeat"),
    ("Deploy every other day at 9", "not every 2 days"),
    ("Deploy every 2 days at 9", "not every 2 days"),
    ("Deploy every 5 weeks on monday at 10", "every 1 to 4 weeks"),
    # before: every month, titled "Deploy every" (a shorter tail without "every other" was read as the series)
    ("Deploy every other month on the first monday at 10", "weekday of every month"),
    ("Deploy every 2 months on the first monday at 10", "weekday of every month"),  # before: a one-off "Deploy every 5 weeks"
    ("Deploy every sprint at 4", "sprint"),
    ("Deploy every at 4", "as a schedule"),
])
def test_schedules_it_cannot_read_are_refused_with_what_it_understands(text: str, said: str) -> None:
    with pytest.raises(UserError) as caught:
        parse_meeting(text, BERLIN, NOW)
    message = caught.value.message
    assert said in message, message
    assert "as a schedule" in message and "every friday at 4" in message, message
    assert caught.value.example and caught.value.example.startswith("/meeting "), caught.value.example


@pytest.mark.parametrize(("text", "title", "series"), [
    ("Weekly sync tomorrow at 3", "Weekly sync", False),
    ("Monthly review friday at 2", "Monthly review", False),
    ("Daily standup tomorrow at 9", "Daily standup", False),
    ("Review of every PR tomorrow at 3", "Review of every PR", False),
    ("Product weekly tomorrow at 3", "Product weekly", False),  # "the weekly" on a day it names: a one-off
    ("Product weekly: tomorrow at 3", "Product weekly", False),
    ("Retro 3 tomorrow at 4pm", "Retro 3", False),
    ("Retro EVERY friday-ish at 4", "Retro EVERY friday-ish", False),
    ("Daily at 9", "Daily", False),  # the whole title: a name
    ("Happy hour fridays at 5", "Happy hour", True),
])
def test_titles_with_such_words_are_still_titles(text: str, title: str, series: bool) -> None:
    request = parse_meeting(text, BERLIN, NOW)
    assert request.title == title and (request.recurrence is not None) == series


@pytest.mark.parametrize(("text", "bound"), [
    # before: "At what time on `june`?" and the like, which says nothing of why
    ("Standup every friday at 4 until june", "until june"),
    ("Standup every friday at 4 till the end of march", "till the end of march"),
    ("Standup every friday at 4 starting next week", "starting next week"),
    ("Standup every friday at 4 from march 10", "from march 10"),
    ("Standup every friday at 4 through april", "through april"),
    ("Standup every weekday at 9:30 except holidays", "except holidays"),
])
def test_a_series_with_a_start_or_an_end_is_refused_saying_series_run_until_cancelled(text: str, bound: str) -> None:
    with pytest.raises(UserError) as refused:
        parse_meeting(text, BERLIN, NOW)
    message = refused.value.message
    assert f"`{bound}`" in message and "until it's cancelled" in message, message
    assert refused.value.example == "/meeting " + text[: text.index(bound)].strip(), refused.value.example


@pytest.mark.parametrize(("text", "title", "series"), [
    ("Talk about every bug from last sprint tomorrow at 3", "Talk about every bug from last sprint", False),
    ("Update from Ana every friday at 4", "Update from Ana", True),
    ("Review every PR until lunch tomorrow at 11", "Review every PR until lunch", False),
])
def test_from_and_until_in_a_title_are_not_a_series_bound(text: str, title: str, series: bool) -> None:
    request = parse_meeting(text, BERLIN, NOW)  # read as before: a title with those words
    assert (request.title, request.recurrence is not None) == (title, series), request


# 3. Across the October DST change: 16:00 local every other week, stored in UTC ----------------------------------

def test_every_fortnight_stays_at_16_local_across_the_october_change() -> None:
    # Berlin leaves summer time on Sunday 25 October 2026 (03:00 CEST -> 02:00 CET).
    after = datetime(2026, 10, 12, 8, 0, tzinfo=UTC)  # Monday 12 October, 10:00 CEST
    request = parse_meeting("Deploy every fortnight on friday at 4", BERLIN, after)
    assert request.recurrence is not None
    rule = request.recurrence.anchored(to_local_naive(after, BERLIN))
    starts = list(occurrences(rule, "Europe/Berlin", after, after + timedelta(days=40)))
    assert [f"{s:%Y-%m-%d %H:%M %Z}" for s in starts[:3]] == [
        "2026-10-16 14:00 UTC", "2026-10-30 15:00 UTC", "2026-11-13 15:00 UTC"]
    assert {f"{s.astimezone(BERLIN):%a %H:%M}" for s in starts[:3]} == {"Fri 16:00"}


async def test_a_fortnightly_series_is_stored_in_utc_across_the_october_change(db_url: str) -> None:
    start = datetime(2026, 10, 15, 8, 0, tzinfo=UTC)  # Thursday 15 October 2026, 10:00 CEST
    async with running(db_url, start=start) as bot:
        team(bot)
        await command(bot, "/meeting", "Deploy every fortnight on friday at 4 for 45m")
        reply = post_texts(bot)[-1]
        assert "every other Friday at 16:00 (Europe/Berlin)" in reply, reply
        store = bot.runtime.store.meetings
        first, second = (await store.upcoming(Platform.SLACK, "C1", bot.clock.now(), 5))[:2]
        assert first.starts_at == datetime(2026, 10, 16, 14, 0, tzinfo=UTC)  # 16:00 CEST
        assert second.starts_at == datetime(2026, 10, 30, 15, 0, tzinfo=UTC)  # 16:00 CET, after the change
        bot.clock.set(datetime(2026, 10, 31, 8, 0, tzinfo=UTC))  # the series keeps materialising two weeks apart
        await bot.settle()
        third = (await store.upcoming(Platform.SLACK, "C1", bot.clock.now(), 5))[0]
        assert third.starts_at == datetime(2026, 11, 13, 15, 0, tzinfo=UTC)
        assert {f"{m.starts_at.astimezone(BERLIN):%a %H:%M}" for m in (first, second, third)} == {"Fri 16:00"}


@pytest.mark.parametrize(("text", "describe"), [
    ("Deploy every friday at noon", "every Friday at 12:00"),
    ("Deploy every friday @ noon", "every Friday at 12:00"),
    ("Deploy weekdays at 12 noon", "every weekday at 12:00"),
    ("Deploy every fortnight on tuesday at noon", "every other Tuesday at 12:00"),
])
def test_a_series_at_noon_is_read(text: str, describe: str) -> None:
    """Refused before ("I couldn't read `at` in that schedule"): the words came after the bare hour's pattern,
    which took "at 12" and left "noon" over, or did not take "at" before a word at all."""
    assert _series(text) == describe
