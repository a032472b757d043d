"""`/meeting calendar group <id>` in Teams follows only the channel's own team's Microsoft 365 group calendar.

The bot reads group calendars with its own tenant-wide Graph permission (Calendars.Read), and the group id
is typed by whoever runs the command. A team owner (team A) must not be able to pull another team's group
calendar (the private HR team's: event titles, descriptions used as agendas) into their channel. The team's
own group id comes from the Teams connector's team details (`aadGroupId`), through the directory. A stored
feed of another team's group is not read by the periodic sync either, and when the team cannot be looked up
the feed is kept but not read (fail closed).

Signed activities into the real aiohttp app and real botbuilder, the fake Bot Framework connector, and the
fake Microsoft Graph reached through STEADYBOT_GRAPH_URL (the bot builds its own Graph client from its
credentials)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from handlers.core.types import Platform
from handlers.meetings.calendar_parse import HORIZON, Occurrence
from handlers.meetings.calendar_ports import GRAPH, FeedDraft
from handlers.meetings.calendar_sync import reconcile
from support import bf_connector
from tests.support.fakes.graph import FakeGraph, GraphMember, event
from tests.support.teams_signed import APP_ID, APP_PASSWORD, teams_with_keys
from tests.wire.test_ops_graph import TeamsGraph

OWN_GROUP = bf_connector.TEAM_GROUP_ID  # team A's group: the team the channel belongs to
HR_GROUP = "7e1d2c3b-4a59-4687-9a1b-2c3d4e5f6a7b"  # team B: the private HR team
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # the harness's start
SECRET_TITLE = "Reorg: who we let go"
SECRET_ITEM = "The list of names"
OWN_TITLE = "Sprint planning"
PEOPLE = {"29:lead": ("Lea", "aad-lead"), "29:u1": ("Ana", "aad-1")}
LINK = ("https://teams.microsoft.com/l/team/19%3aabc%40thread.tacv2/conversations?groupId={group}"
        "&tenantId=" + bf_connector.TENANT)


class Team(TeamsGraph):
    """The Graph-backed team of tests/wire/test_ops_graph.py (`say` mentions the bot in its channel), with what
    these tests read back."""

    def everything_sent(self) -> str:
        return "\n".join(s.text + " " + str(s.activity.get("attachments") or "") for s in self.connector.sent)

    def calendar_views(self, group: str) -> list[str]:
        return [path for path, _, _ in self.graph.requests if f"/groups/{group}/" in path]


@pytest.fixture
async def team(sqlite_url: str) -> AsyncIterator[Team]:
    graph = await FakeGraph(APP_ID, APP_PASSWORD).start()
    graph.events[OWN_GROUP] = [event("a1", OWN_TITLE, "2026-03-04T14:00:00", "2026-03-04T15:00:00")]
    graph.events[HR_GROUP] = [
        event("h1", SECRET_TITLE, "2026-03-04T10:00:00", "2026-03-04T11:00:00",
              body={"contentType": "text", "content": f"Agenda\r\n- {SECRET_ITEM} (10m)\r\n"}),
    ]
    # Lea owns team A (per Graph); she has nothing to do with the HR team
    graph.add_team(OWN_GROUP, [GraphMember("aad-lead", "Lea", owner=True), GraphMember("aad-1", "Ana")])
    try:
        async with teams_with_keys(sqlite_url, slack=False, graph_url=graph.graph_url,
                                   graph_login_url=graph.login_url) as keys:
            for user, (name, aad) in PEOPLE.items():
                keys.connector.add_member(user, name, aad, role="user")
            yield Team(keys, graph)
    finally:
        await graph.close()


async def test_a_team_owner_cannot_follow_another_teams_group_calendar(team: Team) -> None:
    bot = team.keys.bot
    for typed in (HR_GROUP, LINK.format(group=HR_GROUP)):
        said = await team.say(f"meeting calendar group {typed}")
        assert "You can follow this team's own group calendar only" in said, said
    assert SECRET_TITLE not in team.everything_sent() and SECRET_ITEM not in team.everything_sent()
    assert team.calendar_views(HR_GROUP) == [], "the HR team's calendar was read for team A's channel"
    assert await bot.runtime.store.calendar.feeds(Platform.TEAMS, bf_connector.CHANNEL_ID) == []
    assert await bot.runtime.store.meetings.upcoming(Platform.TEAMS, bf_connector.CHANNEL_ID, NOW, 10) == []
    # the refusal does not depend on who asks: a plain member is refused as before (not an owner)
    assert "Only the channel's owner" in await team.say(f"meeting calendar group {OWN_GROUP}", user="29:u1")


async def test_the_owner_follows_the_teams_own_group_calendar(team: Team) -> None:
    bot = team.keys.bot
    said = await team.say(f"meeting calendar group {LINK.format(group=OWN_GROUP)}")
    assert "Microsoft 365 group calendar" in said and OWN_TITLE in said, said
    meetings = await bot.runtime.store.meetings.upcoming(Platform.TEAMS, bf_connector.CHANNEL_ID, NOW, 10)
    assert [m.title for m in meetings] == [OWN_TITLE]
    assert team.connector.team_requests == [bf_connector.TEAM_ID]  # the group id from the team's details
    # the periodic sync reads it again (the team's group is cached: no second lookup)
    bot.clock.set(NOW + timedelta(minutes=11))
    await bot.settle()
    assert len(team.calendar_views(OWN_GROUP)) == 2
    assert team.calendar_views(HR_GROUP) == []


async def test_a_stored_feed_of_another_teams_group_is_not_synced_and_its_meetings_go(team: Team) -> None:
    """A feed kept from before this rule: the sync refuses it, and the meetings it brought are dropped."""
    bot = team.keys.bot
    await team.say("meeting calendar")  # the bot learns team A's channel (its conversation reference)
    store = bot.runtime.store.calendar
    feed = await store.add_feed(FeedDraft(Platform.TEAMS, bf_connector.CHANNEL_ID, bf_connector.TEAM_ID, GRAPH,
                                          HR_GROUP, "Microsoft 365 group calendar", "29:lead", "Lea",
                                          "Europe/Berlin"), NOW, NOW, None, None)
    assert feed is not None
    # what the old code had already copied into the channel
    port = bot.runtime.services.ports["graph_calendar"]
    found = [o for o in await port.events(HR_GROUP, NOW, NOW + HORIZON) if isinstance(o, Occurrence)]
    await reconcile(bot.runtime.services, feed, found, NOW)
    assert [m.title for m in await bot.runtime.store.meetings.upcoming(
        Platform.TEAMS, bf_connector.CHANNEL_ID, NOW, 10)] == [SECRET_TITLE]
    reads = len(team.calendar_views(HR_GROUP))
    bot.clock.set(NOW + timedelta(minutes=1))
    await bot.settle()
    await bot.advance(timedelta(hours=3))  # past the meeting's T-1h nudge
    assert len(team.calendar_views(HR_GROUP)) == reads, "the sync read another team's group calendar"
    assert await bot.runtime.store.meetings.upcoming(Platform.TEAMS, bf_connector.CHANNEL_ID, NOW, 10) == []
    assert SECRET_TITLE not in team.everything_sent() and SECRET_ITEM not in team.everything_sent()
    listing = await team.say("meeting calendar")
    assert "failing" in listing and "only its own team's group calendar" in listing, listing
    told = [s for s in team.connector.sent if "you connected to a channel is another team's" in s.text]
    assert len(told) == 1 and not told[0].conversation_id.startswith(bf_connector.CHANNEL_ID)  # Lea, privately, once


async def test_when_the_team_cannot_be_looked_up_the_feed_is_kept_but_not_read(
        team: Team, caplog: pytest.LogCaptureFixture) -> None:
    """Fail closed: the connector cannot say which group the channel's team is (its team details fail), so
    the feed is not read this time, is kept, and one WARNING says so."""
    bot = team.keys.bot
    await team.say("meeting calendar")
    store = bot.runtime.store.calendar
    feed = await store.add_feed(FeedDraft(Platform.TEAMS, bf_connector.CHANNEL_ID, "19:unknown-team@thread.tacv2",
                                          GRAPH, OWN_GROUP, "Microsoft 365 group calendar", "29:lead", "Lea",
                                          "Europe/Berlin"), NOW, NOW, None, None)
    assert feed is not None
    bot.clock.set(NOW + timedelta(minutes=1))
    with caplog.at_level(logging.WARNING, logger="steadybot.calendar"):
        await bot.settle()
    warnings = [r for r in caplog.records if r.name == "steadybot.calendar" and r.levelno == logging.WARNING]
    assert len(warnings) == 1, [r.getMessage() for r in warnings]
    assert str(feed.id) in warnings[0].getMessage() and OWN_GROUP not in warnings[0].getMessage()
    assert team.graph.requests == [], "a group calendar was read without knowing the channel's team"
    assert [f.id for f in await store.feeds(Platform.TEAMS, bf_connector.CHANNEL_ID)] == [feed.id]
    assert await bot.runtime.store.meetings.upcoming(Platform.TEAMS, bf_connector.CHANNEL_ID, NOW, 10) == []
