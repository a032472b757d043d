from __future__ import annotations

from tests.support.harness import Harness


async def test_slack_help_and_teams_help(bot: Harness) -> None:
    reply = await bot.slash_reply("/steadybot", "help")
    assert "settings" in reply["text"]
    response = await bot.teams(bot.activity("help"))
    assert response.status in (200, 201), await response.text()
    sent = await bot.connector.wait_for(1)
    assert "settings" in sent[0].text
