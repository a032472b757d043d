"""Attacks on `/meeting calendar group <id>` (Microsoft 365 group calendars through Microsoft Graph): the
group id comes from whoever types the command, and the bot reads it with its own tenant-wide Graph
permission. A Slack channel's creator (anyone who can create a channel, in any workspace the bot is
installed in) must not be able to pull the Teams tenant's group calendars (titles, descriptions used as
agendas) into their channel. Real signed Slack requests through Bolt; Graph is a fake."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from bot.teams.graph import GraphClient
from bot.teams.graph_calendar import GraphGroupCalendar
from handlers.core.types import Platform
from handlers.meetings.calendar_ports import GRAPH, FeedDraft
from tests.support.fakes.graph import FakeGraph, event
from tests.support.harness import Harness, running
from tests.support.meetings_helpers import at, command, fake_pacing, post_texts, text_of

GROUP = "3f2a9c1e-8b7d-4e6f-9a0b-1c2d3e4f5a6b"
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
SECRET_TITLE = "Reorg: who we let go"


@pytest.fixture
async def graph() -> AsyncIterator[FakeGraph]:
    fake = await FakeGraph().start()
    fake.events[GROUP] = [
        event("e1", SECRET_TITLE, "2026-03-04T14:00:00", "2026-03-04T15:00:00",
              body={"contentType": "text", "content": "Agenda\r\n- The list (10m)\r\n"}),
    ]
    try:
        yield fake
    finally:
        await fake.close()


def client(graph: FakeGraph) -> GraphGroupCalendar:
    return GraphGroupCalendar(GraphClient("app-id", "app-password", graph_url=graph.graph_url, login_url=graph.base),
                              "tenant-1", "Europe/Berlin")


def _mallorys_channel(bot: Harness, graph: FakeGraph) -> None:
    """The bot with Graph group calendars on, and Mallory's own Slack channel C9: she created it, so she
    "owns" it (may_manage)."""
    bot.clock.set(NOW)
    bot.runtime.services.ports["graph_calendar"] = client(graph)
    fake_pacing(bot)
    bot.slack.add_user("U9", "Mallory")
    bot.slack.add_channel("C9", "U9", ["U9", "UBOT"])


async def test_a_slack_channel_cannot_follow_a_microsoft_365_group_calendar(sqlite_url: str,
                                                                            graph: FakeGraph) -> None:
    async with running(sqlite_url) as bot:
        _mallorys_channel(bot, graph)
        before = len(bot.slack.responses)
        await command(bot, "/meeting", f"calendar group {GROUP}", user="U9", channel="C9")
        said = "\n".join(text_of(r) for r in bot.slack.responses[before:])
        assert "Teams" in said, said
        texts = "\n".join(post_texts(bot, "C9")) + said
        assert SECRET_TITLE not in texts and "The list" not in texts
        assert await bot.runtime.store.meetings.upcoming(Platform.SLACK, "C9", NOW, 10) == []
        assert await bot.runtime.store.calendar.feeds(Platform.SLACK, "C9") == []
        assert graph.requests == [], "the group calendar was read for a Slack channel"


async def test_a_group_calendar_feed_kept_for_a_slack_channel_is_not_read(sqlite_url: str, graph: FakeGraph) -> None:
    """A feed stored before the refusal above existed (or by any other path) is not synced either."""
    async with running(sqlite_url) as bot:
        _mallorys_channel(bot, graph)
        draft = FeedDraft(Platform.SLACK, "C9", "T1", GRAPH, GROUP, "Microsoft 365 group calendar", "U9", "Mallory",
                          "Europe/Berlin")
        assert await bot.runtime.store.calendar.add_feed(draft, NOW, NOW, None, None) is not None
        await at(bot, NOW + timedelta(minutes=1))
        assert graph.requests == [], "the group calendar was read for a Slack channel"
        assert await bot.runtime.store.meetings.upcoming(Platform.SLACK, "C9", NOW, 10) == []
        assert SECRET_TITLE not in "\n".join(post_texts(bot, None))
