"""Live Teams meetings through real botbuilder: a calendar meeting takes over a meeting chat only when the
platform shows that its channel belongs with the chat. A join link in a calendar feed is anyone's to write
(every invitee sees it), so another team's channel, or another tenant's, subscribed to a feed that carries the
victim meeting's join link, must not get its title, agenda or timer into the victim's meeting chat, nor learn
when that meeting started and ended (handlers/meetings/live_trust.py)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from handlers.core.types import Platform
from support import bf_connector
from tests.support.fakes.ics_server import FeedServer, Served
from tests.support.harness import Harness, running
from tests.wire.test_calendar_teams_live import CHAT, ICS, JOIN, MEETING_ID, START, chat_texts, meeting_event

EVIL_CHANNEL = "19:mallory-own-team@thread.tacv2"
EVIL_TEAM = "19:mallory-own-team@thread.tacv2"
EVIL_TENANT = "tenant-evil"
# Mallory's feed: her event carries the *victim's* join link (copied from an invitation she saw)
EVIL_ICS = ICS.replace(b"SUMMARY:Design review", b"SUMMARY:Mandatory security re-verification") \
    .replace(b"1. Walk through the mock-ups (10m)", b"1. Everyone: DM your MFA code to Mallory (10m)") \
    .replace(b"UID:040000008200E00074C5B7101A82E008000000001111", b"UID:evil-1")
ORGANISER = {"id": "29:u1", "aadObjectId": "aad-1"}  # Ana, of the victim's team


def _details(organizer: dict[str, str] | None = ORGANISER) -> dict[str, Any]:
    """Teams' meeting details (GET /v1/meetings/{id}) of the victim's meeting."""
    found: dict[str, Any] = {
        "details": {"id": MEETING_ID, "title": "Design review", "joinUrl": JOIN, "type": "Scheduled",
                    "scheduledStartTime": "2026-03-02T10:00:00Z", "scheduledEndTime": "2026-03-02T10:30:00Z",
                    "msGraphResourceId": "abc"},
        "conversation": {"id": CHAT, "isGroup": True, "conversationType": "groupChat"},
    }
    if organizer is not None:
        found["organizer"] = organizer
    return found


def _mallory(bot: Harness, text: str, tenant: str) -> dict[str, Any]:
    activity = bot.activity(text, user="29:evil", name="Mallory", aad="aad-evil", conversation=EVIL_CHANNEL,
                            conversation_type="channel", mention=True)
    activity["channelData"] = {"tenant": {"id": tenant}, "team": {"id": EVIL_TEAM}, "channel": {"id": EVIL_CHANNEL}}
    activity["conversation"]["tenantId"] = tenant
    return activity


async def _hijack(bot: Harness, feeds: FeedServer, tenant: str) -> int:
    """Mallory subscribes her own channel to her feed; then the victim's meeting starts and ends. The id of
    Mallory's calendar meeting."""
    bot.connector.add_member("29:evil", "Mallory", "aad-evil", role="owner", conversation=EVIL_CHANNEL)
    feeds.feeds["evil.ics"] = Served(EVIL_ICS)
    await bot.teams(_mallory(bot, f"meeting calendar {feeds.url('evil.ics')}", tenant))
    assert "1 meeting in the next 14 days" in bot.connector.sent[-1].text
    [meeting] = await bot.runtime.store.meetings.upcoming(Platform.TEAMS, EVIL_CHANNEL, START, 5)
    bot.clock.set(START + timedelta(minutes=2))
    response = await bot.teams(meeting_event(bot, "meetingStart", {"Title": "Design review",
                                                                    "StartTime": "2026-03-02T10:02:00.000Z"}))
    assert response.status in (200, 201)
    await bot.advance(timedelta(minutes=20))
    bot.clock.set(START + timedelta(minutes=47))
    await bot.teams(meeting_event(bot, "meetingEnd", {"Title": "Design review",
                                                      "EndTime": "2026-03-02T10:47:00.000Z"}))
    return meeting.id


async def _untouched(bot: Harness, meeting_id: int) -> None:
    assert not any("MFA" in t or "re-verification" in t for t in chat_texts(bot)), chat_texts(bot)
    box = await bot.runtime.store.timebox.for_meeting(meeting_id)
    assert box is None or box.place.channel_id == EVIL_CHANNEL  # her timer runs in her channel, never the chat
    mine = await bot.runtime.store.meetings.get(meeting_id)
    assert mine is not None and mine.actual_minutes != 45  # the victim's meeting length is not recorded as hers
    live = await bot.runtime.store.calendar.live_open(Platform.TEAMS, MEETING_ID)
    assert live is None  # the victim's meeting did end…
    assert not any(s.conversation_id.startswith(EVIL_CHANNEL) and "45m" in s.text for s in bot.connector.sent)


async def test_a_channel_of_another_tenant_does_not_take_over_a_meeting_chat(db_url: str,
                                                                               feeds: FeedServer) -> None:
    async with running(db_url, calendar_allow_private=True) as bot:
        bot.connector.meetings[MEETING_ID] = _details()
        # even with the victim's organiser in her channel's roster, her channel is in another tenant
        bot.connector.add_member("29:u1", "Ana", "aad-1", conversation=EVIL_CHANNEL)
        mine = await _hijack(bot, feeds, EVIL_TENANT)
        await _untouched(bot, mine)
        # the victim's chat is timed as its own meeting, from what Teams says about it
        assert "Design review starts now" in chat_texts(bot)[0] and "30m" in chat_texts(bot)[0]


async def test_a_channel_of_another_team_in_the_same_tenant_does_not_take_over_a_meeting_chat(
        db_url: str, feeds: FeedServer) -> None:
    async with running(db_url, calendar_allow_private=True) as bot:
        bot.connector.meetings[MEETING_ID] = _details()
        mine = await _hijack(bot, feeds, bf_connector.TENANT)  # the organiser is not in her channel
        await _untouched(bot, mine)
        assert "Design review starts now" in chat_texts(bot)[0]


async def test_without_the_organiser_from_teams_no_calendar_agenda_goes_into_a_meeting_chat(
        db_url: str, feeds: FeedServer) -> None:
    async with running(db_url, calendar_allow_private=True, admins=frozenset({"aad-1"})) as bot:
        bot.connector.add_member("29:u1", "Ana", "aad-1")
        bot.connector.meetings[MEETING_ID] = _details(organizer=None)
        feeds.feeds["team.ics"] = Served(ICS)
        await bot.teams(bot.activity(f"meeting calendar {feeds.url('team.ics')}", conversation_type="channel",
                                     mention=True))
        [meeting] = await bot.runtime.store.meetings.upcoming(Platform.TEAMS, bf_connector.CHANNEL_ID, START, 5)
        bot.clock.set(START + timedelta(minutes=2))
        await bot.teams(meeting_event(bot, "meetingStart", {"Title": "Design review",
                                                            "StartTime": "2026-03-02T10:02:00.000Z"}))
        [posted] = chat_texts(bot)
        assert "Walk through the mock-ups" not in posted and "Design review starts now" in posted
        assert await bot.runtime.store.timebox.for_meeting(meeting.id) is None


async def test_a_channel_meeting_of_the_same_team_is_matched_by_its_team(db_url: str, feeds: FeedServer) -> None:
    design = "19:design-review@thread.tacv2"  # another channel of the same team, where the meeting is held
    join = ("https://teams.microsoft.com/l/meetup-join/19%3adesign-review%40thread.tacv2/1700000000999"
            "?context=%7b%22Tid%22%3a%22tenant-1%22%7d")
    async with running(db_url, calendar_allow_private=True, admins=frozenset({"aad-1"})) as bot:
        feeds.feeds["team.ics"] = Served(ICS.replace(JOIN.encode(), join.encode()))
        await bot.teams(bot.activity(f"meeting calendar {feeds.url('team.ics')}", conversation_type="channel",
                                     mention=True))
        [meeting] = await bot.runtime.store.meetings.upcoming(Platform.TEAMS, bf_connector.CHANNEL_ID, START, 5)
        bot.clock.set(START + timedelta(minutes=2))
        event = meeting_event(bot, "meetingStart", {"Title": "Design review", "JoinUrl": join,
                                                    "StartTime": "2026-03-02T10:02:00.000Z"})
        event["conversation"].update(id=f"{design};messageid=1700000000999", conversationType="channel")
        event["channelData"].update(team={"id": bf_connector.TEAM_ID}, channel={"id": design})
        await bot.teams(event)
        posted = [s.text for s in bot.connector.sent if s.conversation_id.startswith(design)]
        assert len(posted) == 1 and "Walk through the mock-ups" in posted[0], posted
        box = await bot.runtime.store.timebox.for_meeting(meeting.id)
        assert box is not None and box.place.channel_id == design and box.status == "running"
