"""A calendar address typed in Slack with `&` in its query (a private feed's secret: `?user=ana&key=…`).

Slack delivers a typed link as `<https://host/team.ics?user=ana&amp;key=s3cret>`
(https://docs.slack.dev/messaging/formatting-message-text). The Slack adapter decodes that once
(bot/slack/markup.py), so the feed is requested exactly as typed; the fetcher decodes nothing again, so a
`&amp;` or `%26` typed on purpose stays. A feed that refuses access is reported in one plain sentence.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from aiohttp import web

from tests.support.fakes.ics_server import FeedServer, Served
from tests.support.harness import running
from tests.support.meetings_helpers import team
from tests.wire.test_slack_markup import _said, mention

GOOGLE = (Path(__file__).resolve().parents[1] / "data" / "calendars" / "google_team.ics").read_bytes()


# ---- a calendar address with & in its query, typed in a mention or DM ----------------------------------------
class QueryFeeds(FeedServer):
    def __init__(self) -> None:
        super().__init__()
        self.queries: list[str] = []

    async def handle(self, request: web.Request) -> web.StreamResponse:
        self.queries.append(request.query_string)
        if request.query.get("key") != "s3cret":  # a private feed's secret in the query
            return web.Response(status=403, text="Forbidden")
        return await super().handle(request)


async def test_a_calendar_address_with_an_ampersand_is_fetched_as_typed(sqlite_url: str) -> None:
    feeds = await QueryFeeds().start()
    feeds.feeds["team.ics"] = Served(GOOGLE)
    typed = f"http://127.0.0.1:{feeds.port}/team.ics?user=ana&key=s3cret"
    try:
        async with running(sqlite_url, calendar_allow_private=True) as bot:
            team(bot)
            await bot.post_slack(mention(f"<@UBOT> meeting calendar <{typed.replace('&', '&amp;')}>"),
                                 "application/json")
            said = await _said(bot)
            assert feeds.queries[:1] == ["user=ana&key=s3cret"], (feeds.queries, said)
    finally:
        await feeds.close()


async def test_a_refused_calendar_says_so_in_one_plain_sentence(sqlite_url: str) -> None:
    feeds = await QueryFeeds().start()
    feeds.feeds["team.ics"] = Served(GOOGLE)
    typed = f"http://127.0.0.1:{feeds.port}/team.ics?user=ana&amp;key=wrong"
    try:
        async with running(sqlite_url, calendar_allow_private=True) as bot:
            team(bot)
            await bot.post_slack(mention(f"<@UBOT> meeting calendar <{typed.replace('&', '&amp;')}>"),
                                 "application/json")
            said = " ".join(await _said(bot)) + json.dumps(bot.slack.responses)
            assert feeds.queries[:1] == ["user=ana&amp;key=wrong"], feeds.queries  # typed on purpose: kept
            assert "refused access (HTTP 403)" in said and "?." not in said, said
    finally:
        await feeds.close()


async def test_a_link_pasted_with_its_own_text_is_followed(sqlite_url: str) -> None:
    """Re-review: a hyperlink pasted with text arrives as `<url|label>`, which reads `label (url)`: that was
    taken for a meeting to register ("I couldn't find a time…") and no feed was read."""
    feeds = await QueryFeeds().start()
    feeds.feeds["team.ics"] = Served(GOOGLE)
    url = f"http://127.0.0.1:{feeds.port}/team.ics?user=ana&amp;key=s3cret"
    try:
        async with running(sqlite_url, calendar_allow_private=True) as bot:
            team(bot)
            response = await bot.slash("/meeting", f"calendar <{url}|our team calendar>", user="U1", channel="C1")
            said = await response.text() + " ".join(await _said(bot)) + json.dumps(bot.slack.responses)
            assert feeds.queries[:1] == ["user=ana&key=s3cret"], (feeds.queries, said[:400])
            assert "find a time" not in said
    finally:
        await feeds.close()


@pytest.mark.parametrize("link_text", ["Join Zoom", "Open in Calendar"])
async def test_a_meeting_ending_with_its_own_link_is_not_taken_for_a_calendar(sqlite_url: str,
                                                                              link_text: str) -> None:
    """Third and fourth reviews: a meeting titled "Calendar review" whose text ends with a link pasted with its
    own text (its call, its event in Google Calendar: `…/calendar/event?eid=…`) was fetched as a feed. Text
    before the link that says a time is a meeting's."""
    feeds = await FeedServer().start()
    try:
        async with running(sqlite_url, calendar_allow_private=True) as bot:
            team(bot)
            link = feeds.url("calendar/event?eid=abc123")
            response = await bot.slash("/meeting", f"Calendar review tomorrow at 3pm <{link}|{link_text}>",
                                       user="U1", channel="C1")
            said = await response.text() + " ".join(await _said(bot)) + json.dumps(bot.slack.responses)
            assert said.strip() and not feeds.requests, (feeds.requests, said[:400])
    finally:
        await feeds.close()


@pytest.mark.parametrize("link_text", ["Group calendar", "List of team holidays", "Show & tell schedule",
                                       "Off days", "Team on-call"])
async def test_a_calendar_link_with_any_text_of_its_own_is_followed(sqlite_url: str, link_text: str) -> None:
    """Fourth review: text starting with a sub-command word (`group`, `list`, `show`, `off`) ran that
    sub-command, and an address without `.ics` (an on-call feed) was read as a meeting."""
    feeds = await FeedServer().start()
    feeds.feeds["oncall/feed"] = Served(GOOGLE)
    try:
        async with running(sqlite_url, calendar_allow_private=True) as bot:
            team(bot)
            text = link_text.replace("&", "&amp;")
            response = await bot.slash("/meeting", f"calendar <{feeds.url('oncall/feed')}|{text}>", user="U1",
                                       channel="C1")
            said = await response.text() + " ".join(await _said(bot)) + json.dumps(bot.slack.responses)
            assert feeds.hits("oncall/feed") >= 1, said[:400]
    finally:
        await feeds.close()


def test_only_a_whole_link_with_its_own_text_and_no_time_is_read_as_its_address() -> None:
    from handlers.meetings.calendar_commands import _address

    assert _address("our team (https://h.example/team.ics?a=1)") == "https://h.example/team.ics?a=1"
    assert _address("Group calendar (https://h.example/oncall/feed)") == "https://h.example/oncall/feed"
    for kept in ("remove Team cal (https://h.example/a.ics)",  # a removal's argument: "which one?"
                 "review tomorrow 3pm Join Zoom (https://zoom.us/j/123)",  # a meeting's own link
                 "review friday 10:00 Open (https://calendar.example/event?eid=1)",
                 "a (https://h.example/a.ics) (https://h.example/b.ics)"):
        assert _address(kept) == kept
