"""The "no agenda" nudge on the real wires: the T-1h private message reaches the organiser only, a replayed
button value from someone else's DM or another channel acts on nothing, and agenda items typed as mentions
or HTML reach the channel as text on Slack and on Teams."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from handlers.core.types import Platform
from support.bf_connector import CHANNEL_ID
from tests.support.harness import Harness
from tests.support.meetings_helpers import (
    at,
    buttons,
    card_actions,
    channel_activity,
    command,
    ephemeral,
    fake_pacing,
    posts,
    team,
    text_of,
)

REVIEW = datetime(2026, 3, 3, 14, 0, tzinfo=UTC)  # "tomorrow 3pm" in Berlin, seen from Monday 09:00 UTC
T1 = REVIEW - timedelta(hours=1)
RUDE = "Ping <!channel> and <@U2> <https://evil.example|click> &amp; <b>bold</b> <at>Ben</at>"


async def test_slack_t1_dm_reaches_the_organiser_only_and_its_buttons_are_hers(bot: Harness) -> None:
    team(bot)
    await command(bot, "/meeting", "Sprint review tomorrow 3pm for 45m")
    await at(bot, T1)
    dms = [p for p in posts(bot, None) if p.get("channel") in ("U1", "D1", "U2", "D2", "U3", "D3")]
    assert [p["channel"] for p in dms] in (["U1"], ["D1"])
    action_id, value = buttons(dms[0])["Cancel the meeting"]
    # Ben replays Ana's sealed value from his own DM, and from the channel
    for channel in ("D2", "C1"):
        response = await bot.press(action_id, value, user="U2", channel=channel)
        assert response.status == 200
        await bot.idle()
    meeting = (await bot.runtime.store.meetings.upcoming(Platform.SLACK, "C1", bot.clock.now(), 1))[0]
    assert meeting.status == "scheduled"
    assert not any("cancelled" in text_of(p) for p in posts(bot))


async def test_slack_agenda_items_stay_text_in_the_start_post(bot: Harness) -> None:
    team(bot)
    await command(bot, "/meeting", "Sprint review tomorrow 3pm for 45m")
    await ephemeral(bot, "/agenda", f"add {RUDE} 10m")
    await at(bot, REVIEW)
    start = posts(bot)[-1]
    raw = json.dumps(start)
    assert "starts now" in text_of(start)
    assert "<!channel>" not in raw and "<@U2>" not in raw and "<https://evil" not in raw
    # Slack's markup read as the person meant it (bot/slack/markup.py), then escaped: words, never a ping
    assert "Ping @channel and @Ben click (https://evil.example) &amp; &lt;b&gt;bold&lt;/b&gt;" in text_of(start)


async def test_teams_agenda_items_stay_text_and_another_tenant_cannot_cancel(bot: Harness) -> None:
    fake_pacing(bot)
    bot.connector.add_member("29:u1", "Ana", "aad-1", role="owner")
    bot.connector.add_member("29:u2", "Ben", "aad-2")
    await bot.teams(channel_activity(bot, "meeting Sprint review tomorrow 3pm for 45m"))
    registered = bot.connector.sent[-1]
    await at(bot, T1)
    dm = next(s for s in bot.connector.sent if s.conversation_id == "a:1on1-29:u1")
    data = card_actions(dm)["Cancel the meeting"]
    # the same card data, pressed by someone in another tenant, and by Ben in the channel
    other = bot.activity("", user="29:evil", name="Eve", aad="aad-evil", value=data, conversation_type="personal")
    other["conversation"]["tenantId"] = other["channelData"]["tenant"]["id"] = "other-tenant"
    await bot.teams(other)
    await bot.teams(bot.activity("", user="29:u2", name="Ben", aad="aad-2", value=data, conversation_type="channel",
                                 conversation=registered.conversation_id))
    meeting = (await bot.runtime.store.meetings.upcoming(Platform.TEAMS, CHANNEL_ID, bot.clock.now(), 1))[0]
    assert meeting.status == "scheduled"
    await bot.teams(channel_activity(bot, f"agenda add {RUDE} 10m"))
    await at(bot, REVIEW)
    start = [s for s in bot.connector.sent if s.conversation_id == CHANNEL_ID][-1]
    assert "starts now" in start.text
    raw = json.dumps(start.activity)
    assert "<at>" not in raw and "text" not in {k for k in start.activity if k != "attachments"}  # card text only
    assert not any(e.get("type") == "mention" for e in start.activity.get("entities") or [])
