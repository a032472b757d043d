"""`/steadybot settings quiet …`: the times people type (am/pm, 24-hour, `-`, `–`, `to`), and the windows that
make no sense refused with what they would mean — a window that leaves (almost) no daytime for pulse DMs, and
working hours typed by mistake. `off` is stored as before (start == end) and shown as "off" everywhere; a window
stored before these checks is kept as it is."""

from __future__ import annotations

from datetime import time

import pytest

from handlers.core.ports import ChannelSettings
from tests.support.testbot import TestBot, form_of, texts


async def quiet(bot: TestBot, value: str) -> str:
    return texts(await bot.command("steadybot", f"settings quiet {value}"))


async def stored(bot: TestBot) -> tuple[time, time]:
    current = await bot.runtime.store.settings.get(bot.here)
    return current.quiet_start, current.quiet_end


@pytest.mark.parametrize(("typed", "start", "end"), [
    ("10pm-7am", time(22), time(7)),
    ("10pm - 7am", time(22), time(7)),
    ("10pm to 7am", time(22), time(7)),
    ("10 pm to 7:30 am", time(22), time(7, 30)),
    ("9:30PM–7:30AM", time(21, 30), time(7, 30)),
    ("21:00-07:00", time(21), time(7)),
    ("21:00 – 07:00", time(21), time(7)),
    ("21 to 7", time(21), time(7)),
    ("from 22:00 to 06:30", time(22), time(6, 30)),
    ("20:00-midnight", time(20), time(0)),
    ("20:00-24:00", time(20), time(0)),
    ("12am-6am", time(0), time(6)),
    ("12:00-13:00", time(12), time(13)),  # lunch
    ("17:00-08:00", time(17), time(8)),  # nine hours left in the day
    ("16:00-10:00", time(16), time(10)),  # six: core hours, still accepted
])
async def test_the_times_people_type_are_read(bot: TestBot, typed: str, start: time, end: time) -> None:
    answer = await quiet(bot, typed)
    assert "Saved" in answer, answer
    assert await stored(bot) == (start, end)
    assert f"Quiet hours: {start:%H:%M}–{end:%H:%M}" in answer


@pytest.mark.parametrize(("typed", "means", "suggestion"), [
    ("08:00-20:00", "between 20:00 and 08:00", "quiet 20:00-08:00"),
    ("9am-5pm", "between 17:00 and 09:00", "quiet 17:00-09:00"),
    ("9-17", "between 17:00 and 09:00", "quiet 17:00-09:00"),
    ("06:00-22:00", "between 22:00 and 06:00", "quiet 22:00-06:00"),
])
async def test_working_hours_typed_by_mistake_are_explained_not_saved(bot: TestBot, typed: str, means: str,
                                                                      suggestion: str) -> None:
    before = await stored(bot)
    answer = await quiet(bot, typed)
    assert "Saved" not in answer, answer
    assert "when I stay silent" in answer and means in answer and f"did you mean `{suggestion}`" in answer, answer
    assert await stored(bot) == before


@pytest.mark.parametrize(("typed", "between", "suggestion"), [
    ("00:00-23:59", "between 23:59 and 00:00 (1 minute a day)", "quiet 20:00-08:00"),
    ("19:00-18:00", "between 18:00 and 19:00 (1 hour a day)", "quiet 20:00-08:00"),
    ("14:00-10:00", "between 10:00 and 14:00 (4 hours a day)", "quiet 20:00-08:00"),
    ("07:00-06:00", "between 06:00 and 07:00 (1 hour a day)", "quiet 20:00-08:00"),
    ("02:00-23:00", "between 23:00 and 02:00 (3 hours a day)", "quiet 20:00-08:00"),
    ("10-7", "between 07:00 and 10:00 (3 hours a day)", "quiet 22:00-07:00"),  # 10 meant 10pm
])
async def test_a_window_that_leaves_too_little_of_the_day_is_refused(bot: TestBot, typed: str, between: str,
                                                                    suggestion: str) -> None:
    before = await stored(bot)
    answer = await quiet(bot, typed)
    assert "Saved" not in answer, answer
    assert "when I stay silent" in answer and between in answer, answer
    assert "at least 6 hours between 07:00 and 20:00" in answer and f"`{suggestion}`" in answer, answer
    assert await stored(bot) == before


async def test_the_whole_day_and_unreadable_times(bot: TestBot) -> None:
    before = await stored(bot)
    same = await quiet(bot, "07:00-07:00")
    assert "Saved" not in same and "`quiet off`" in same, same
    midnight = await quiet(bot, "00:00-24:00")
    assert "Saved" not in midnight and "`quiet off`" in midnight, midnight
    for bad in ("13pm-7am", "25:00-07:00", "22:61-07:00", "0am-7am", "soon-later", "22:00"):
        answer = await quiet(bot, bad)
        assert "Saved" not in answer and "For example" in answer, (bad, answer)
    assert "`13pm` isn't a time" in await quiet(bot, "13pm-7am")
    assert await stored(bot) == before


async def test_off_is_stored_as_before_and_shown_as_off(bot: TestBot) -> None:
    answer = await quiet(bot, "off")
    assert "Saved" in answer and "Quiet hours: off" in answer and "00:00–00:00" not in answer, answer
    assert await stored(bot) == (time(0), time(0))  # pulse timing reads start == end as no quiet hours
    shown = texts(await bot.command("steadybot", "settings"))
    assert "Quiet hours: off" in shown and "00:00" not in shown, shown
    form = form_of(await bot.press(next(r for r in await bot.command("steadybot", "settings") if r.buttons),
                                   "Change settings"))
    field = next(f for f in form.fields if f.id == "quiet_hours")
    assert field.initial == "off"
    saved = texts(await bot.submit(form, {"quiet_hours": field.initial or "", "min_respondents": "4"}))
    assert "Quiet hours: off" in saved and await stored(bot) == (time(0), time(0)), saved


async def test_a_window_stored_before_the_checks_is_kept_and_the_form_still_saves(bot: TestBot) -> None:
    """A channel saved 08:00-20:00 before these checks: nothing changes it, and the settings form (which sends
    the window back as it is) still saves the other settings."""
    await bot.runtime.store.settings.put(
        bot.here, ChannelSettings(quiet_start=time(8), quiet_end=time(20)), bot.me)
    assert "Quiet hours: 08:00–20:00" in texts(await bot.command("steadybot", "settings"))
    assert "Saved" in texts(await bot.command("steadybot", "settings min 4"))
    assert await stored(bot) == (time(8), time(20))
    form = form_of(await bot.press(next(r for r in await bot.command("steadybot", "settings") if r.buttons),
                                   "Change settings"))
    field = next(f for f in form.fields if f.id == "quiet_hours")
    assert field.initial == "08:00-20:00"
    saved = texts(await bot.submit(form, {"quiet_hours": field.initial or "", "min_respondents": "6"}))
    assert "Saved" in saved, saved
    current = await bot.runtime.store.settings.get(bot.here)
    assert (current.quiet_start, current.quiet_end, current.min_respondents) == (time(8), time(20), 6)
    assert "Saved" in texts(await bot.command("steadybot", "settings quiet 8am-8pm"))  # the same window again
    refused = await quiet(bot, "09:00-19:00")  # a new one is checked
    assert "Saved" not in refused and await stored(bot) == (time(8), time(20)), refused
