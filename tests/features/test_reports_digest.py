"""The weekly digest as people get it: `/steadybot settings digest on` (owners and admins only) → a Monday
09:00 DM in their own time with the report's headline numbers and a button that sends a fresh private link."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from bot.demo import history
from handlers.core.types import Button, Reply, Visibility
from handlers.reports.digest import next_monday
from tests.support.testbot import TestBot, direct, labels, texts

PEOPLE = [f"u{i}" for i in range(1, 8)]


def digests(bot: TestBot, who_id: str) -> list[Reply]:
    return [r for r in bot.dms(bot.directory.people[who_id]) if "weekly digest" in r.text.lower()]


async def test_digest_on_sends_monday_dms_with_headlines_and_a_fresh_link(bot: TestBot) -> None:
    u1, u2, *_ = bot.team({p: "Europe/Berlin" for p in PEOPLE})  # u1 created the channel
    bot.me = u1
    await history.write_history(bot.runtime.store, bot.clock, bot.here, PEOPLE, weeks=5)
    saved = texts(await bot.command("steadybot", "settings digest on"))
    assert "Every Monday at 09:00 your time" in saved
    shown = texts(await bot.command("steadybot", "settings", as_=u2))
    assert "Weekly digest" in shown and "on (a Monday DM" in shown

    first = next_monday(bot.clock.now(), "Europe/Berlin")
    assert first.astimezone(ZoneInfo("Europe/Berlin")).hour == 9 and first.weekday() == 0
    await bot.at(first - timedelta(minutes=1))
    assert digests(bot, "u1") == []
    await bot.at(first)
    [digest] = digests(bot, "u1")
    headlines = texts([digest])
    assert "Your weekly digest for #team" in digest.text and "rounds shown" in headlines and "held" in headlines
    assert "/reports/" not in texts([digest])  # the link itself is minted only when asked for (15 minutes)
    assert digests(bot, "u2") == []  # only the one who switched it on

    # the button mints a fresh link, privately
    [link] = await bot.press(digest, "Send me the report link")
    assert link.visibility != Visibility.CHANNEL
    [button] = [b for b in link.buttons if b.url]
    assert "/reports/" in button.url

    # the next Monday is queued by the one that went out; the same Monday never twice
    await bot.settle()
    assert len(digests(bot, "u1")) == 1
    await bot.at(first + timedelta(days=7))
    assert len(digests(bot, "u1")) == 2

    # off: nothing more
    assert "off" in texts(await bot.command("steadybot", "settings digest off"))
    await bot.at(first + timedelta(days=14))
    assert len(digests(bot, "u1")) == 2


async def test_digest_is_for_owners_and_admins(bot: TestBot) -> None:
    u1, u2, *_ = bot.team({p: "UTC" for p in PEOPLE})
    assert "Only the channel's creator or an admin" in texts(await bot.command("steadybot", "settings digest on",
                                                                               as_=u2))
    assert "`on` or `off`" in texts(await bot.command("steadybot", "settings digest maybe", as_=u1))


async def test_a_link_button_the_reports_feature_did_not_sign_does_nothing(bot: TestBot) -> None:
    answers = await bot.press(Button("report.link", "Send me the report link", "forged-value"),
                              where=direct(bot.me))
    assert "doesn't work any more" in texts(answers) and "/reports/" not in str(answers)
    assert all(not labels(a) for a in answers)


async def test_digest_off_then_on_in_one_week_still_comes_once_and_on_twice_never_doubles(bot: TestBot) -> None:
    u1, *_ = bot.team({p: "Europe/Berlin" for p in PEOPLE})
    bot.me = u1
    await history.write_history(bot.runtime.store, bot.clock, bot.here, PEOPLE, weeks=5)
    await bot.command("steadybot", "settings digest on")
    await bot.command("steadybot", "settings digest off")
    await bot.command("steadybot", "settings digest on")  # the same week: that Monday's row was cancelled
    await bot.command("steadybot", "settings digest on")  # again, while on: still one chain
    first = next_monday(bot.clock.now(), "Europe/Berlin")
    await bot.at(first)
    assert len(digests(bot, "u1")) == 1
    await bot.at(first + timedelta(days=7))
    assert len(digests(bot, "u1")) == 2  # and the chain goes on
