"""A Microsoft 365 group calendar event created in UTC (through the API) is shown in the zone of the person
who added the calendar — the feed's zone, as for an iCalendar feed — not in the server's STEADYBOT_TZ
(UTC here). The periodic sync through the real Teams platform wiring and the fake Microsoft Graph; Graph's
event shape and sources are in tests/features/test_calendar_graph_zones.py."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from handlers.core.types import Platform
from handlers.meetings.calendar_ports import GRAPH, FeedDraft
from support import bf_connector
from tests.support.fakes.graph import FakeGraph, GraphMember, event
from tests.support.teams_signed import APP_ID, APP_PASSWORD, teams_with_keys
from tests.wire.test_ops_graph import TeamsGraph

GROUP = bf_connector.TEAM_GROUP_ID  # the group of the channel's own team
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # the harness's start


@pytest.fixture
async def team(sqlite_url: str) -> AsyncIterator[TeamsGraph]:
    graph = await FakeGraph(APP_ID, APP_PASSWORD).start()
    graph.events[GROUP] = [event("a1", "Retro", "2026-03-04T15:00:00", "2026-03-04T15:30:00",
                                 originalStartTimeZone="UTC", originalEndTimeZone="UTC"),
                           event("a2", "Planning", "2026-03-05T15:00:00", "2026-03-05T16:00:00",
                                 originalStartTimeZone="tzone://Microsoft/Custom",
                                 originalEndTimeZone="tzone://Microsoft/Custom")]
    graph.add_team(GROUP, [GraphMember("aad-lead", "Lea", owner=True)])
    try:
        async with teams_with_keys(sqlite_url, slack=False, graph_url=graph.graph_url,
                                   graph_login_url=graph.login_url) as keys:
            keys.connector.add_member("29:lead", "Lea", "aad-lead", role="user")
            yield TeamsGraph(keys, graph)
    finally:
        await graph.close()


async def test_a_group_calendar_event_created_in_utc_is_shown_in_the_zone_of_whoever_added_the_calendar(
        team: TeamsGraph) -> None:
    bot = team.keys.bot
    await team.say("meeting calendar")  # the bot learns the channel's team (its conversation reference)
    assert bot.runtime.settings.default_tz == "UTC"
    feed = await bot.runtime.store.calendar.add_feed(FeedDraft(
        Platform.TEAMS, bf_connector.CHANNEL_ID, bf_connector.TEAM_ID, GRAPH, GROUP, "Microsoft 365 group calendar",
        "29:lead", "Lea", "America/New_York"), NOW, NOW, None, None)
    assert feed is not None
    bot.clock.set(NOW + timedelta(minutes=1))
    await bot.settle()
    meetings = await bot.runtime.store.meetings.upcoming(Platform.TEAMS, bf_connector.CHANNEL_ID, NOW, 10)
    assert [(m.title, m.tz) for m in meetings] == [("Retro", "America/New_York"),
                                                   ("Planning", "America/New_York")], meetings
