"""Microsoft 365 group calendars through a fake Microsoft Graph: client-credentials token, calendarView
with paging, the same rules as iCalendar feeds, and `/meeting calendar group <id>` in Teams."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from bot.teams.graph import GraphClient
from bot.teams.graph_calendar import GraphGroupCalendar
from handlers.core.types import Platform
from handlers.meetings.calendar_parse import Occurrence
from handlers.meetings.calendar_ports import FeedError
from handlers.meetings.ports import Meeting
from support import bf_connector
from tests.support.fakes.graph import FakeGraph, event
from tests.support.harness import Harness, running

GROUP = bf_connector.TEAM_GROUP_ID  # the channel's own team's group: the one calendar it may follow
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
JOIN = "https://teams.microsoft.com/l/meetup-join/19%3ameeting_abc%40thread.v2/0?context=%7b%7d"

async def _get(bot: Harness, meeting_id: int) -> Meeting:
    meeting = await bot.runtime.store.meetings.get(meeting_id)
    assert meeting is not None
    return meeting



def events() -> list[dict]:
    master = "AAMkSeries=="
    return [
        event("e1", "Weekly sync", "2026-03-03T09:00:00", "2026-03-03T09:30:00", type="occurrence",
              seriesMasterId=master, originalStart="2026-03-03T09:00:00Z",
              onlineMeeting={"joinUrl": JOIN}),
        event("e2", "Weekly sync (moved)", "2026-03-10T13:00:00", "2026-03-10T13:30:00", type="exception",
              seriesMasterId=master, originalStart="2026-03-10T09:00:00Z"),
        event("e3", "Planning", "2026-03-04T14:00:00", "2026-03-04T15:00:00",
              body={"contentType": "text", "content": "Agenda\r\n- Goals (10m)\r\n- Risks (15m)\r\n"}),
        event("e4", "Company holiday", "2026-03-05T00:00:00", "2026-03-06T00:00:00", isAllDay=True),
        event("e5", "Cancelled review", "2026-03-05T10:00:00", "2026-03-05T11:00:00", isCancelled=True),
    ]


@pytest.fixture
async def graph() -> AsyncIterator[FakeGraph]:
    fake = await FakeGraph().start()
    fake.events[GROUP] = events()
    try:
        yield fake
    finally:
        await fake.close()


def client(graph: FakeGraph, secret: str = "app-password") -> GraphGroupCalendar:
    return GraphGroupCalendar(GraphClient("app-id", secret, graph_url=graph.graph_url, login_url=graph.base),
                              "tenant-1", "Europe/Berlin")


async def test_calendar_view_with_token_and_paging(graph: FakeGraph) -> None:
    calendar = client(graph)
    try:
        found = await calendar.events(GROUP, NOW, NOW + timedelta(days=14))
        assert all(isinstance(o, Occurrence) for o in found)
        occurrences = [o for o in found if isinstance(o, Occurrence)]
        assert [(o.title, o.starts_at.isoformat(), o.minutes) for o in occurrences] == [
            ("Weekly sync", "2026-03-03T09:00:00+00:00", 30),
            ("Planning", "2026-03-04T14:00:00+00:00", 60),
            ("Weekly sync (moved)", "2026-03-10T13:00:00+00:00", 30),
        ]
        sync, planning, moved = occurrences
        assert sync.uid == moved.uid == "AAMkSeries==" and moved.recurrence_id == "20260310T090000Z"
        assert planning.recurrence_id == "" and [(i.text, i.minutes) for i in planning.items] == [
            ("Goals", 10), ("Risks", 15)]
        assert sync.join_thread == "19:meeting_abc@thread.v2" and sync.tz == "Europe/Berlin"
        assert len(graph.requests) == 3  # five events, two a page
        path, query, headers = graph.requests[0]
        assert path == f"/v1.0/groups/{GROUP}/calendarView"
        assert query["startDateTime"] == "2026-03-02T09:00:00Z" and query["endDateTime"] == "2026-03-16T09:00:00Z"
        assert 'outlook.timezone="UTC"' in headers["Prefer"]
        await calendar.events(GROUP, NOW, NOW + timedelta(days=14))
        assert len(graph.token_requests) == 1  # the token is reused
        assert graph.token_requests[0]["scope"] == f"{graph.base}/.default"
    finally:
        await calendar.close()


async def test_a_calendar_with_more_pages_than_read_is_refused_not_cut(graph: FakeGraph,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """Events past the last page read would look cancelled, and their meetings would be cancelled quietly: a
    calendar view longer than MAX_PAGES pages is refused, as an ICS feed with too many events is."""
    monkeypatch.setattr("bot.teams.graph_calendar.MAX_PAGES", 2)  # five events, two a page: three pages
    calendar = client(graph)
    try:
        with pytest.raises(FeedError, match="more events"):
            await calendar.events(GROUP, NOW, NOW + timedelta(days=14))
        monkeypatch.setattr("bot.teams.graph_calendar.MAX_PAGES", 3)
        assert len(await calendar.events(GROUP, NOW, NOW + timedelta(days=14))) == 3
    finally:
        await calendar.close()


async def test_graph_errors_are_feed_errors(graph: FakeGraph) -> None:
    calendar = client(graph)
    try:
        with pytest.raises(FeedError, match="wasn't found"):
            await calendar.events("00000000-0000-0000-0000-000000000000", NOW, NOW + timedelta(days=1))
        graph.status = 403
        with pytest.raises(FeedError, match="Calendars.Read"):
            await calendar.events(GROUP, NOW, NOW + timedelta(days=1))
    finally:
        await calendar.close()
    wrong = client(graph, secret="wrong")
    try:
        with pytest.raises(FeedError, match="refused the bot's credentials"):
            await wrong.events(GROUP, NOW, NOW + timedelta(days=1))
    finally:
        await wrong.close()


async def test_a_team_follows_its_group_calendar(db_url: str, graph: FakeGraph) -> None:
    async with running(db_url, admins=frozenset({"aad-1"})) as bot:
        bot.runtime.services.ports["graph_calendar"] = client(graph)
        link = f"https://teams.microsoft.com/l/team/19%3a...%40thread.tacv2/conversations?groupId={GROUP}&tenantId=t"
        await bot.teams(bot.activity(f"meeting calendar group {link}", conversation_type="channel", mention=True))
        said = bot.connector.sent[-1].text
        assert "Microsoft 365 group calendar" in said and "3 meetings in the next 14 days" in said
        meetings = await bot.runtime.store.meetings.upcoming(Platform.TEAMS, bf_connector.CHANNEL_ID, NOW, 10)
        assert [m.title for m in meetings] == ["Weekly sync", "Planning", "Weekly sync (moved)"]
        # the planning moves an hour; the next sync moves its meeting (and its nudges)
        graph.events[GROUP][2] = event("e3", "Planning", "2026-03-04T15:00:00", "2026-03-04T16:00:00")
        bot.clock.set(NOW + timedelta(minutes=11))
        await bot.settle()
        moved = await _get(bot, meetings[1].id)
        assert moved.starts_at == datetime(2026, 3, 4, 15, 0, tzinfo=UTC)
        await bot.teams(bot.activity("meeting calendar group not-a-group!", conversation_type="channel", mention=True))
        assert "isn't a Microsoft 365 group id" in bot.connector.sent[-1].text
