"""An archived or deleted channel stops getting pulses and meeting nudges; unarchived or restored, it gets
them again (docs/operations.md, "Archived and deleted channels"). Real signed Slack events through Bolt,
real Teams activities through botbuilder, on SQLite and PostgreSQL, with the clock moved by hand.

Payload shapes: https://api.slack.com/events/channel_archive (and /events/channel_unarchive,
/events/channel_deleted, /events/group_archive, /events/group_unarchive, /events/group_deleted: the same
`{"type", "channel", "user"}` event in the Events API envelope); Teams: the conversationUpdate examples of
https://learn.microsoft.com/microsoftteams/platform/bots/how-to/conversations/subscribe-to-conversation-events
("Channel deleted", "Channel restored": `channelData.eventType`, `channelData.channel.id`,
`channelData.team.id`, `channelData.tenant.id`)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import func, select

from handlers.core.types import Platform
from storage.models.core import OutboxRow
from storage.models.pulse import PulseRound
from support import bf_connector, wire
from tests.support.harness import Harness, running
from tests.support.pulse_helpers import channel_command, slack_team

PEOPLE = {f"U{i}": "UTC" for i in range(1, 7)}


async def _slack_event(bot: Harness, kind: str, channel: str, team: str = "T1") -> None:
    body = wire.event_body({"type": kind, "channel": channel, "user": "U1"}, team=team)
    response = await bot.post_slack(body, "application/json")
    assert response.status == 200
    await bot.idle()


async def _rounds(bot: Harness, channel: str) -> int:
    async with bot.runtime.store.db.session() as s:
        return int(await s.scalar(select(func.count()).select_from(PulseRound)
                                  .where(PulseRound.channel_id == channel)) or 0)


async def _pending_to(bot: Harness, channel: str) -> list[str]:
    async with bot.runtime.store.db.session() as s:
        rows = (await s.execute(select(OutboxRow.target, OutboxRow.status))).all()
    return [status for target, status in rows if target.get("kind") == "channel" and target.get("id") == channel
            and status in ("pending", "sending")]


async def test_slack_archived_channel_gets_no_pulse_until_unarchived(db_url: str) -> None:
    async with running(db_url) as bot:
        slack_team(bot, PEOPLE)
        assert "every" in (await channel_command(bot, "schedule every day at 3pm")).lower()
        await bot.settle()

        await _slack_event(bot, "channel_archive", "C1")
        before = await _rounds(bot, "C1")  # today's round may exist already (created ahead, for every zone)
        posts = len(bot.slack.calls_to("chat.postMessage"))
        await bot.advance(timedelta(days=3), step=timedelta(minutes=30))  # three more 3pms
        assert await _rounds(bot, "C1") == before, "an archived channel's schedule fired"
        assert [c for c in bot.slack.calls_to("chat.postMessage")[posts:] if c.params.get("channel") == "C1"] == []

        await _slack_event(bot, "channel_unarchive", "C1")
        await bot.advance(timedelta(days=2), step=timedelta(minutes=30))
        assert await _rounds(bot, "C1") > before, "the unarchived channel's schedule did not fire again"


async def test_slack_private_channel_archived_and_unarchived(db_url: str) -> None:
    """(A Slack channel id is one channel in every workspace that shares it: an event authorized for another
    workspace stops it too — tests/wire/test_slack_connect_lifecycle.py.)"""
    async with running(db_url) as bot:
        slack_team(bot, PEOPLE, channel="G1")
        assert "every" in (await channel_command(bot, "schedule every day at 3pm", channel="G1")).lower()
        await bot.settle()

        await _slack_event(bot, "group_archive", "G1")
        before = await _rounds(bot, "G1")
        await bot.advance(timedelta(days=2), step=timedelta(minutes=30))
        assert await _rounds(bot, "G1") == before
        await _slack_event(bot, "group_unarchive", "G1")
        await bot.advance(timedelta(days=2), step=timedelta(minutes=30))
        assert await _rounds(bot, "G1") > before


async def test_slack_archive_drops_queued_meeting_nudges_and_unarchive_brings_back_those_still_ahead(
        db_url: str) -> None:
    async with running(db_url) as bot:
        slack_team(bot, PEOPLE)
        response = await bot.slash("/meeting", "Sprint review in 3 days at 3pm for 45m", user="U1", channel="C1")
        assert response.status == 200
        await bot.settle()
        assert await _pending_to(bot, "C1"), "no nudge was queued"

        await _slack_event(bot, "channel_archive", "C1")
        assert await _pending_to(bot, "C1") == []
        posts = len(bot.slack.calls_to("chat.postMessage"))
        await bot.advance(timedelta(hours=30), step=timedelta(hours=1))
        assert len(bot.slack.calls_to("chat.postMessage")) == posts

        await _slack_event(bot, "channel_unarchive", "C1")
        assert await _pending_to(bot, "C1"), "the nudges still ahead did not come back"


def _channel_event(bot: Harness, event_type: str, *, channel: str, team: str = bf_connector.TEAM_ID) -> dict[str, Any]:
    activity = bot.activity(user="29:lead", aad="aad-lead", conversation_type="channel",
                            activity_type="conversationUpdate", conversation=team)
    activity["channelData"] = {"channel": {"id": channel, "name": "Team"}, "team": {"id": team},
                               "eventType": event_type, "tenant": {"id": bf_connector.TENANT}}
    return activity


async def test_teams_deleted_channel_gets_no_pulse_until_restored(db_url: str) -> None:
    async with running(db_url, admins=frozenset({"aad-lead"})) as bot:
        bot.connector.add_member("29:lead", "Lead", "aad-lead")
        for i in range(1, 7):
            bot.connector.add_member(f"29:u{i}", f"Person {i}", f"aad-{i}")
        schedule = bot.activity("pulse schedule every day at 3pm", user="29:lead", aad="aad-lead",
                                conversation_type="channel", mention=True)
        await bot.teams(schedule)
        await bot.settle()
        channel = bf_connector.CHANNEL_ID
        assert await bot.runtime.store.pulse.active_schedules()

        other_team = _channel_event(bot, "channelDeleted", channel=channel, team="19:other-team@thread.tacv2")
        await bot.teams(other_team)
        assert len(await bot.runtime.store.pulse.active_schedules()) == 1, "another team's event took effect"

        await bot.teams(_channel_event(bot, "channelDeleted", channel=channel))
        assert await bot.runtime.store.pulse.active_schedules() == []
        before = await _rounds(bot, channel)
        await bot.advance(timedelta(days=2), step=timedelta(minutes=30))
        assert await _rounds(bot, channel) == before

        await bot.teams(_channel_event(bot, "channelRestored", channel=channel))
        assert len(await bot.runtime.store.pulse.active_schedules()) == 1
        await bot.advance(timedelta(days=2), step=timedelta(minutes=30))
        assert await _rounds(bot, channel) > before


async def test_places_of_other_platforms_are_not_touched(db_url: str) -> None:
    """A Teams event naming a channel id that a Slack channel also has changes nothing on Slack."""
    async with running(db_url) as bot:
        slack_team(bot, PEOPLE)
        await channel_command(bot, "schedule every day at 3pm")
        await bot.teams(_channel_event(bot, "channelDeleted", channel="C1", team="T1"))
        schedules = await bot.runtime.store.pulse.active_schedules()
        assert [s.platform for s in schedules] == [Platform.SLACK]
