"""Live Teams meetings through real botbuilder: meetingStart / meetingEnd event activities (the shape Teams
sends, see docs/meetings.md) start the meeting's timebox in the meeting chat and record its minutes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from handlers.core.types import Platform
from handlers.meetings.ports import ENDED, Meeting
from support import bf_connector
from tests.support.fakes.ics_server import FeedServer, Served
from tests.support.harness import Harness, running

CHAT = "19:meeting_NTM3ZDJjOTUtZGRhOS00MzYxLTk5NDAtMzY4M2IzZWFjZGE1@thread.v2"
MEETING_ID = "MCMxOTptZWV0aW5nX05UTTNaREpqT1RVdFpHUmhPUzAwTXpZeExUazVOREF0TXpZNE0ySXpaV0ZqWkdFMUB0aHJlYWQudjIjMA=="
JOIN = ("https://teams.microsoft.com/l/meetup-join/19%3ameeting_NTM3ZDJjOTUtZGRhOS00MzYxLTk5NDAtMzY4M2IzZWFjZGE1"
        "%40thread.v2/0?context=%7b%22Tid%22%3a%22tenant-1%22%7d")
START = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
ICS = "\r\n".join([
    "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:Microsoft Exchange Server 2010", "METHOD:PUBLISH",
    "BEGIN:VEVENT", "UID:040000008200E00074C5B7101A82E008000000001111", "SUMMARY:Design review",
    "DTSTART:20260302T100000Z", "DTEND:20260302T103000Z", "DTSTAMP:20260301T000000Z",
    "DESCRIPTION:Agenda:\\n1. Walk through the mock-ups (10m)\\n2. Decide (10m)\\n\\n____\\nMicrosoft Teams meeting"
    f"\\nJoin: <{JOIN}>",
    f"X-MICROSOFT-SKYPETEAMSMEETINGURL:{JOIN}",
    "LOCATION:Microsoft Teams Meeting", "END:VEVENT", "END:VCALENDAR", ""]).encode()

async def _get(bot: Harness, meeting_id: int) -> Meeting:
    meeting = await bot.runtime.store.meetings.get(meeting_id)
    assert meeting is not None
    return meeting



def meeting_event(bot: Harness, name: str, value: dict[str, Any], *, activity_id: str | None = None) -> dict[str, Any]:
    """An event activity as Teams sends it to a bot in the meeting's chat (meeting apps: "meeting start and
    end events")."""
    activity = bot.activity("", conversation=CHAT, conversation_type="groupChat", activity_type="event",
                            activity_id=activity_id)
    activity.pop("text", None)
    activity["name"] = f"application/vnd.microsoft.{name}"
    activity["value"] = {"MeetingType": "Scheduled", "Id": MEETING_ID, "JoinUrl": JOIN, **value}
    activity["channelData"]["meeting"] = {"id": MEETING_ID}
    return activity


def organised_by_a_member(bot: Harness) -> None:
    """Teams' meeting details name the organiser, Ana, a member of the channel: that, with the tenant, is what
    shows the meeting chat belongs with the channel whose calendar has the meeting (a join link alone is
    anyone's to copy; handlers/meetings/live_trust.py)."""
    bot.connector.add_member("29:u1", "Ana", "aad-1")
    bot.connector.meetings[MEETING_ID] = {
        "details": {"id": MEETING_ID, "title": "Design review", "joinUrl": JOIN, "type": "Scheduled",
                    "scheduledStartTime": "2026-03-02T10:00:00Z", "scheduledEndTime": "2026-03-02T10:30:00Z"},
        "conversation": {"id": CHAT, "isGroup": True, "conversationType": "groupChat"},
        "organizer": {"id": "29:u1", "aadObjectId": "aad-1"},
    }


def chat_texts(bot: Harness) -> list[str]:
    return [s.text for s in bot.connector.sent if s.conversation_id.startswith(CHAT)]


async def test_a_calendar_meeting_is_timed_live_in_its_meeting_chat(db_url: str, feeds: FeedServer) -> None:
    async with running(db_url, calendar_allow_private=True, admins=frozenset({"aad-1"})) as bot:
        organised_by_a_member(bot)
        feeds.feeds["team.ics"] = Served(ICS)
        await bot.teams(bot.activity(f"meeting calendar {feeds.url('team.ics')}", conversation_type="channel",
                                     mention=True))
        assert "1 meeting in the next 14 days" in bot.connector.sent[-1].text
        [meeting] = await bot.runtime.store.meetings.upcoming(Platform.TEAMS, bf_connector.CHANNEL_ID, START, 5)
        start = START + timedelta(minutes=2)
        bot.clock.set(start)
        response = await bot.teams(meeting_event(bot, "meetingStart", {"Title": "Design review",
                                                                        "StartTime": "2026-03-02T10:02:00.000Z"}))
        assert response.status in (200, 201)
        [posted] = chat_texts(bot)
        assert "Design review starts now" in posted and "Walk through the mock-ups" in posted
        box = await bot.runtime.store.timebox.for_meeting(meeting.id)
        assert box is not None and box.place.channel_id == CHAT and box.status == "running"
        await bot.advance(timedelta(minutes=15))
        assert any("half" in t.lower() for t in chat_texts(bot)[1:]), chat_texts(bot)
        assert any("Decide" in t for t in chat_texts(bot)[1:])  # the next agenda item, timed in the chat
        bot.clock.set(start + timedelta(minutes=20))
        await bot.teams(meeting_event(bot, "meetingEnd", {"Title": "Design review",
                                                          "EndTime": "2026-03-02T10:22:00.000Z"}))
        summary = chat_texts(bot)[-1]
        assert "Design review ended" in summary and "20m of 30m planned" in summary
        done = await _get(bot, meeting.id)
        assert done.status == ENDED and done.actual_minutes == 20
        # the channel got no second start post at the scheduled time
        await bot.advance(timedelta(minutes=30))
        channel = [s.text for s in bot.connector.sent if s.conversation_id.startswith(bf_connector.CHANNEL_ID)]
        assert not any("starts now" in t for t in channel)


async def test_an_unregistered_meeting_is_timed_on_its_scheduled_length(bot: Harness) -> None:
    bot.connector.meetings[MEETING_ID] = {
        "details": {"id": MEETING_ID, "title": "Sync", "joinUrl": JOIN, "type": "Scheduled",
                    "scheduledStartTime": "2026-03-02T09:00:00Z", "scheduledEndTime": "2026-03-02T09:45:00Z",
                    "msGraphResourceId": "abc"},
        "conversation": {"id": CHAT, "isGroup": True, "conversationType": "groupChat"},
        "organizer": {"id": "29:u1", "aadObjectId": "aad-1"},
    }
    await bot.teams(meeting_event(bot, "meetingStart", {"Title": "Sync", "StartTime": "2026-03-02T09:00:00Z"}))
    assert "Sync starts now" in chat_texts(bot)[-1] and "45m" in chat_texts(bot)[-1]
    await bot.advance(timedelta(minutes=46))
    assert any("Time's up" in t for t in chat_texts(bot))
    bot.clock.set(START)  # 10:00: an hour after the start
    await bot.teams(meeting_event(bot, "meetingEnd", {"Title": "Sync", "EndTime": "2026-03-02T09:50:00Z"}))
    assert any("50m of 45m planned" in t for t in chat_texts(bot)), chat_texts(bot)


async def test_with_no_known_length_its_length_is_reported_at_the_end_once(bot: Harness) -> None:
    start = meeting_event(bot, "meetingStart", {"Title": "Ad-hoc call", "StartTime": "2026-03-02T09:00:00Z"},
                          activity_id="start-1")
    await bot.teams(start)
    await bot.teams(start)  # a redelivery
    await bot.teams(meeting_event(bot, "meetingStart", {"Title": "Ad-hoc call", "StartTime": "2026-03-02T09:00:00Z"}))
    assert len(chat_texts(bot)) == 1 and "I'll tell you its length" in chat_texts(bot)[0]
    end = meeting_event(bot, "meetingEnd", {"Title": "Ad-hoc call", "EndTime": "2026-03-02T09:37:00Z"})
    await bot.teams(end)
    await bot.teams(meeting_event(bot, "meetingEnd", {"Title": "Ad-hoc call", "EndTime": "2026-03-02T09:38:00Z"}))
    assert chat_texts(bot)[1:] == ["⏹ **Ad-hoc call** ended after 37m."] or \
        (len(chat_texts(bot)) == 2 and "ended after 37m" in chat_texts(bot)[1])


async def test_a_meeting_event_outside_a_meeting_is_ignored(bot: Harness) -> None:
    activity = meeting_event(bot, "meetingEnd", {"Title": "x", "EndTime": "2026-03-02T09:37:00Z"})
    response = await bot.teams(activity)
    assert response.status in (200, 201) and chat_texts(bot) == []
