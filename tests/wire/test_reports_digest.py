"""The weekly digest: `/steadybot settings digest on` (owners and admins only) → a Monday 09:00 DM (local
time) through the outbox with the report's headline numbers and a button that sends a fresh private link."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from handlers.reports.digest import next_monday
from tests.support.harness import START, Harness
from tests.support.pulse_helpers import dms, slack_team, text_of
from tests.support.reports_helpers import PEOPLE, seed_history
from tests.support.scope_helpers import slack_buttons


async def test_digest_on_sends_monday_dms_with_headlines_and_a_fresh_link(bot: Harness) -> None:
    slack_team(bot, {u: "Europe/Berlin" for u in PEOPLE})  # U1 created the channel
    await seed_history(bot, weeks=5)
    saved = text_of(await bot.slash_reply("/steadybot", "settings digest on", user="U1"))
    assert "Every Monday at 09:00 your time" in saved
    shown = text_of(await bot.slash_reply("/steadybot", "settings", user="U2"))
    assert "Weekly digest" in shown and "on (a Monday DM" in shown

    now = bot.clock.now()
    first = next_monday(now, "Europe/Berlin")
    assert first.astimezone(ZoneInfo("Europe/Berlin")).hour == 9 and first.weekday() == 0
    bot.clock.set(first - timedelta(minutes=1))
    await bot.settle()
    assert [c for c in dms(bot, "U1") if "weekly digest" in text_of(c.params).lower()] == []
    bot.clock.set(first)
    await bot.settle()
    (digest,) = [c for c in dms(bot, "U1") if "weekly digest" in text_of(c.params).lower()]
    text = text_of(digest.params)
    assert "Your weekly digest for #team" in text and "rounds shown" in text and "held" in text
    assert "/reports/" not in text  # the link itself is minted only when asked for (it lasts 15 minutes)
    from tests.support.cards import assert_valid_blocks

    assert_valid_blocks(digest.params["blocks"])

    # the button mints a fresh 15-minute link, privately
    action_id, value = slack_buttons(digest.params)["Send me the report link"]
    before = len(bot.slack.responses)
    await bot.press(action_id, value, user="U1", channel="D1")  # a press in the app's DM comes from its D… id
    await bot.idle()
    (link,) = (await bot.slack.wait_for_responses(before + 1))[before:]
    url = next(e["url"] for b in link["blocks"] if b["type"] == "actions" for e in b["elements"])
    response = await bot.client.get("/reports/" + url.split("/reports/")[1])
    assert response.status == 200 and "Team health for #team" in await response.text()

    # the next Monday is queued by the one that went out; the same Monday never twice
    await bot.settle()
    assert len([c for c in dms(bot, "U1") if "weekly digest" in text_of(c.params).lower()]) == 1
    bot.clock.set(first + timedelta(days=7))
    await bot.settle()
    assert len([c for c in dms(bot, "U1") if "weekly digest" in text_of(c.params).lower()]) == 2

    # off: nothing more
    assert "off" in text_of(await bot.slash_reply("/steadybot", "settings digest off", user="U1"))
    bot.clock.set(first + timedelta(days=14))
    await bot.settle()
    assert len([c for c in dms(bot, "U1") if "weekly digest" in text_of(c.params).lower()]) == 2


async def test_a_forged_digest_button_does_nothing(bot: Harness) -> None:
    slack_team(bot, {"U1": "UTC"})
    before = len(bot.slack.responses)
    await bot.press("report.link#0", "forged-value", user="U1")  # not sealed by the bot: stops at the adapter
    await bot.idle()
    (answer,) = (await bot.slack.wait_for_responses(before + 1))[before:]
    assert "no longer valid" in answer["text"] and "/reports/" not in str(answer)
    # sealed for this channel, but not a value the reports feature signed: its own check refuses it
    await bot.press("report.link#0", bot.sealed("report.link", "forged-value"), user="U1")
    await bot.idle()
    (answer,) = (await bot.slack.wait_for_responses(before + 2))[before + 1:]
    assert "doesn't work any more" in answer["text"] and "/reports/" not in str(answer)


def test_next_monday_is_local_nine_oclock() -> None:
    monday_late = datetime(2026, 3, 2, 10, 0, tzinfo=ZoneInfo("UTC"))
    assert next_monday(monday_late, "UTC") == datetime(2026, 3, 9, 9, 0, tzinfo=ZoneInfo("UTC"))
    sunday = datetime(2026, 3, 1, 23, 30, tzinfo=ZoneInfo("UTC"))  # already Monday 00:30 in Berlin
    assert next_monday(sunday, "Europe/Berlin").isoformat() == "2026-03-02T09:00:00+01:00"
    assert START.weekday() == 0
