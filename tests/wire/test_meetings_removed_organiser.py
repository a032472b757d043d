"""An organiser removed from the meeting's channel (a private channel, say) no longer gets the meeting's
T-1h "no agenda" DM, and the buttons of one they got before refuse politely instead of acting on the
channel's meeting. Before, Ben still got the DM with the title and time, and "Cancel the meeting" from it
cancelled the meeting ("… is cancelled by Ben" in the channel). Membership is asked of Slack at the moment
(conversations.members), as the report-link buttons do."""

from __future__ import annotations

from datetime import datetime, timedelta

from handlers.core.types import Platform
from tests.support.harness import Harness
from tests.support.meetings_helpers import at, command, post_texts, posts, press, team, text_of


async def ben_organises(bot: Harness) -> tuple[int, datetime]:
    team(bot)
    await command(bot, "/meeting", "Layoffs planning tomorrow 3pm for 45m", user="U2")  # Ben organises
    [meeting] = await bot.runtime.store.meetings.upcoming(Platform.SLACK, "C1", bot.clock.now(), 5)
    return meeting.id, meeting.starts_at


async def test_an_organiser_removed_from_the_channel_gets_no_dm_and_the_channel_is_still_told(bot: Harness) -> None:
    _, starts_at = await ben_organises(bot)
    dms_before = len(posts(bot, "U2"))
    bot.slack.channels["C1"]["members"].remove("U2")  # Ben is removed from the (private) channel
    await at(bot, starts_at - timedelta(hours=1))
    assert len(posts(bot, "U2")) == dms_before, "the removed organiser got the meeting's DM"
    assert any("No agenda, no meeting" in t for t in post_texts(bot)[-1:])


async def test_buttons_of_an_earlier_dm_refuse_once_the_organiser_is_removed(bot: Harness) -> None:
    meeting_id, starts_at = await ben_organises(bot)
    await at(bot, starts_at - timedelta(hours=1))
    dm = posts(bot, "U2")[-1]
    assert "Layoffs planning" in text_of(dm)  # a member still: the DM goes out as before
    bot.slack.channels["C1"]["members"].remove("U2")
    channel_before = len(post_texts(bot))
    for label in ("Cancel the meeting", "Shorten to 15 minutes", "Add agenda"):
        before = len(bot.slack.responses)
        await press(bot, dm, label, user="U2", channel="D2", message_ts="1700000000.000042")
        (answer,) = (await bot.slack.wait_for_responses(before + 1))[before:]
        assert "no longer a member of the channel" in text_of(answer), (label, text_of(answer))
    assert not bot.slack.calls_to("views.open"), "the agenda form opened for a removed organiser"
    assert len(post_texts(bot)) == channel_before  # nothing said in the channel
    meeting = await bot.runtime.store.meetings.get(meeting_id)
    assert meeting is not None and meeting.status == "scheduled" and meeting.duration_minutes == 45


async def test_the_organiser_still_in_the_channel_can_use_the_dm(bot: Harness) -> None:
    meeting_id, starts_at = await ben_organises(bot)
    await at(bot, starts_at - timedelta(hours=1))
    dm = posts(bot, "U2")[-1]
    await press(bot, dm, "Cancel the meeting", user="U2", channel="D2", message_ts="1700000000.000042")
    await bot.settle()
    assert "cancelled by Ben" in post_texts(bot)[-1]
    meeting = await bot.runtime.store.meetings.get(meeting_id)
    assert meeting is not None and meeting.status == "cancelled"
