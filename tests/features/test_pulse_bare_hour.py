"""`/pulse schedule every friday at 4` is 16:00: the pulse schedule reads a bare hour as a meeting's series does
(`timeparse.meeting_hour`, by the same code: `parse_recurrence(..., meeting=True)`), am/pm and two-digit or
24-hour clocks literally, a day-part word deciding. A schedule stored before is stored as its rule (the hour and
minute), never read again from the lead's words, so it keeps its time. Asserted on the core's replies and the
DMs as the injected clock moves (docs/pulse.md, "Commands")."""

from __future__ import annotations

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest

from handlers.core.recurrence import Recurrence, parse_recurrence
from handlers.core.types import Person
from handlers.pulse.timing import first_occurrence
from tests.support.testbot import TestBot, form_of, testbot

BERLIN = "Europe/Berlin"
ANSWER = {"exhaustion": "4", "cynicism": "4", "efficacy": "3", "workload": "4", "burnout": "2"}
TEAM = {"u1": BERLIN, "u2": BERLIN, "u3": BERLIN, "u4": BERLIN, "u5": BERLIN}

#: What the lead types → the time the reply states.
READ_AS = {
    "every friday at 4": "16:00",
    "every friday at 4:30": "16:30",
    "every friday @ 4": "16:00",
    "fridays 4": "16:00",
    "every friday at 7": "19:00",
    "first friday of the month at 4": "16:00",
    "every friday at 3pm": "15:00",
    "every friday at 4am": "04:00",
    "every friday at 15:00": "15:00",
    "every friday at 04:00": "04:00",
    "every friday at 4h30": "04:30",
    "every friday morning at 7": "07:00",
    "every friday afternoon at 4": "16:00",
    "every friday evening at 6": "18:00",
    "every friday at 9": "09:00",
    "weekdays at 9": "09:00",
    "every friday at 11": "11:00",
    "every friday at 12": "12:00",
    # "at noon" was refused ("I couldn't read `at`"), for meetings too; "every friday noon" was understood
    "every friday at noon": "12:00",
    "every friday at 12 noon": "12:00",
    "weekdays @ noon": "12:00",
    "every friday at midnight": "00:00",
}


async def _team(bot: TestBot) -> list[Person]:
    people = bot.team(TEAM)
    bot.me = people[0]
    await bot.command("steadybot", "settings min 3")
    return people


def _dms(bot: TestBot, who: Person) -> int:
    """The pulse DMs `who` got (invitations and reminders)."""
    return len([r for r in bot.dms(who) if r.form is not None and r.form.id == "pulse.answer"])


async def _answer(bot: TestBot, who: Person) -> None:
    """Answer the latest pulse DM, so no reminder follows it."""
    dm = [r for r in bot.dms(who) if r.form is not None and r.form.id == "pulse.answer"][-1]
    form = form_of(await bot.press(dm, "Answer (30 seconds)", as_=who))
    await bot.submit(form, ANSWER, as_=who)


async def test_a_bare_hour_in_a_pulse_schedule_is_read_as_a_meetings(bot: TestBot) -> None:
    await _team(bot)
    for said, at in READ_AS.items():
        [posted] = await bot.command("pulse", f"schedule {said}")
        assert "Pulse scheduled" in posted.text and f" at {at}, in each person's own timezone" in posted.text, (
            said, posted.text)
    [plain] = await bot.command("pulse", "schedule every friday")
    assert "every Friday at 10:00 (no time given, so 10:00)" in plain.text, plain.text
    [asked] = await bot.command("pulse", "schedule every friday evening")
    assert "At what time in the evening?" in asked.text and "Pulse scheduled" not in asked.text, asked.text
    assert "`/pulse schedule every friday evening at 6pm`" in asked.text, asked.text
    [which] = await bot.command("pulse", "schedule every friday evening at 1")
    assert "which one did you mean?" in which.text and "Pulse scheduled" not in which.text, which.text


@pytest.mark.parametrize("said", [*READ_AS, "every friday night at 1", "every monday and thursday at 5",
                                  "every other tuesday at 2:15"])
async def test_the_pulse_reads_a_schedule_as_a_meetings_series_reads_it(bot: TestBot, said: str) -> None:
    """No second copy of the rule: the time the pulse states is the one a meeting's series reads."""
    await _team(bot)
    rule = parse_recurrence(said, meeting=True)
    [posted] = await bot.command("pulse", f"schedule {said}")
    assert f"{rule.describe()}, in each person's own timezone" in posted.text, (said, posted.text)


async def test_a_schedule_stored_before_keeps_its_time(bot_db: TestBot) -> None:
    """Stored as `every friday at 4` when that meant 04:00: a rule with its hour, not the lead's words read
    again, so it still shows and runs at 04:00 (local, week after week); typed again now, the words mean 16:00."""
    bot = bot_db
    u1, *_ = await _team(bot)
    await bot.command("steadybot", "settings quiet off")  # so a 04:00 DM is sent at 04:00
    store = bot.runtime.store.pulse
    old = Recurrence("weekly", (4,), time(4, 0))  # what the old reading stored for "every friday at 4"
    rule, first = first_occurrence(old, bot.clock.now(), ZoneInfo(BERLIN))
    await store.set_schedule(bot.here, "every friday at 4", rule, first, 72, u1.id)

    stored = await store.active_schedule(bot.here)
    assert stored is not None and stored.phrase == "every friday at 4" and stored.recurrence.at == time(4, 0)
    [shown] = await bot.command("pulse", "schedule")
    assert "every Friday at 04:00" in shown.text, shown.text
    await bot.at(datetime(2026, 3, 6, 2, 59, tzinfo=UTC))
    assert _dms(bot, u1) == 0
    await bot.at(datetime(2026, 3, 6, 3, 0, tzinfo=UTC))  # Friday 04:00 CET
    assert _dms(bot, u1) == 1
    await _answer(bot, u1)
    await bot.at(datetime(2026, 3, 13, 2, 59, tzinfo=UTC))
    assert _dms(bot, u1) == 1
    await bot.at(datetime(2026, 3, 13, 3, 0, tzinfo=UTC))  # the next one, moved on from the stored rule
    assert _dms(bot, u1) == 2
    again = await store.active_schedule(bot.here)
    assert again is not None and again.recurrence.at == time(4, 0)
    [shown] = await bot.command("pulse", "schedule")
    assert "every Friday at 04:00" in shown.text, shown.text

    [retyped] = await bot.command("pulse", "schedule every friday at 4")
    assert "every Friday at 16:00" in retyped.text, retyped.text


async def test_every_friday_at_4_stays_16_00_in_berlin_across_the_october_change(sqlite_url: str) -> None:
    """Set on Monday 19 October 2026; Berlin goes from CEST to CET on Sunday 25 October: 14:00 UTC before,
    15:00 UTC after, 16:00 local both times."""
    async with testbot(sqlite_url, start=datetime(2026, 10, 19, 9, 0, tzinfo=UTC)) as bot:
        u1, *_ = await _team(bot)
        [posted] = await bot.command("pulse", "schedule every friday at 4")
        assert "every Friday at 16:00" in posted.text and "First one: Fri 23 Oct" in posted.text, posted.text
        await bot.at(datetime(2026, 10, 23, 13, 59, tzinfo=UTC))
        assert _dms(bot, u1) == 0
        await bot.at(datetime(2026, 10, 23, 14, 0, tzinfo=UTC))  # 16:00 CEST
        assert _dms(bot, u1) == 1
        await _answer(bot, u1)
        await bot.at(datetime(2026, 10, 30, 14, 59, tzinfo=UTC))  # 15:59 CET: not yet
        assert _dms(bot, u1) == 1
        await bot.at(datetime(2026, 10, 30, 15, 0, tzinfo=UTC))  # 16:00 CET
        assert _dms(bot, u1) == 2
