"""`home` typed in the Teams 1:1 chat lists the person's team channels (docs/reports.md, "Slack App Home and
`home` in Teams"). A 1:1 chat belongs to no team, so its home considers the channels of every team in the
person's tenant where steadybot runs, and keeps those the person is a member of now (the report-link rule,
handlers/reports/access.py: the connector's member lookup). Real Bot Framework activities through
botbuilder against the fake connector; another team's channel, with its own roster, is the attacker's
target: its meetings must not show in the home of someone outside that team. On SQLite and PostgreSQL."""

from __future__ import annotations

import json
from typing import Any

from support.bf_connector import CHANNEL_ID, TENANT
from tests.support.cards import assert_valid_card
from tests.support.harness import Harness, running
from tests.support.meetings_helpers import channel_activity, fake_pacing

OTHER = "19:other-team@thread.tacv2"  # another team's General channel (its id is the team's)
OTHER_TENANT = "19:elsewhere@thread.tacv2"  # a channel of another organisation the bot also serves


def _in(bot: Harness, channel: str, text: str, user: str, name: str, aad: str,
        tenant: str = TENANT) -> dict[str, Any]:
    activity = channel_activity(bot, text, user=user, name=name, aad=aad, conversation=f"{channel};messageid=1")
    activity["channelData"]["team"] = {"id": channel}
    activity["channelData"]["channel"] = {"id": channel}
    activity["channelData"]["tenant"] = {"id": tenant}
    activity["conversation"]["tenantId"] = tenant
    return activity


async def _home(bot: Harness, user: str = "29:u1", name: str = "Ana", aad: str = "aad-1") -> str:
    before = len(bot.connector.sent)
    await bot.teams(bot.activity("home", user=user, name=name, aad=aad))
    await bot.settle()
    cards = [s.card for s in bot.connector.sent[before:] if s.card and "Your steadybot home" in json.dumps(s.card)]
    assert len(cards) == 1, [s.text for s in bot.connector.sent[before:]]
    assert_valid_card(cards[0])
    return json.dumps(cards[0])


async def test_teams_home_lists_the_persons_team_channels_and_no_other_team(db_url: str) -> None:
    async with running(db_url) as bot:
        fake_pacing(bot)
        bot.connector.add_member("29:u1", "Ana", "aad-1")
        bot.connector.add_member("29:u2", "Ben", "aad-2")
        bot.connector.add_member("29:u2", "Ben", "aad-2", conversation=OTHER)  # Ana is not in that team
        bot.connector.add_member("29:u1", "Ana", "aad-1", conversation=OTHER_TENANT)  # same ids, another org
        for channel, title, user, name, aad, tenant in (
                (CHANNEL_ID, "Sprint review", "29:u1", "Ana", "aad-1", TENANT),
                (OTHER, "Merger talks", "29:u2", "Ben", "aad-2", TENANT),
                (OTHER_TENANT, "Their board meeting", "29:u2", "Ben", "aad-2", "tenant-2")):
            response = await bot.teams(_in(bot, channel, f"meeting {title} tomorrow 3pm for 45m", user, name, aad,
                                           tenant))
            assert response.status in (200, 201), await response.text()
            await bot.settle()

        ana = await _home(bot)
        assert "Sprint review" in ana and "Report: a channel" in ana, ana
        assert "None registered in your channels" not in ana and "None yet" not in ana
        assert "Merger talks" not in ana  # a team Ana is not in
        assert "Their board meeting" not in ana  # another tenant's channel, whatever its roster says
        ben = await _home(bot, "29:u2", "Ben", "aad-2")
        assert "Sprint review" in ben and "Merger talks" in ben and "Their board meeting" not in ben

        # "a member of the channel, now": Ana leaves her team, and her home no longer lists it
        bot.connector.members = [m for m in bot.connector.members if m["id"] != "29:u1"]
        gone = await _home(bot)
        assert "Sprint review" not in gone and "Report:" not in gone
