"""`/steadybot report` on the wires (Slack blocks and the ephemeral link, Teams cards and the link in the 1:1
chat) and the public URL setting. What the report says and hides: tests/features/test_reports_chat.py."""

from __future__ import annotations

import json

from tests.support.harness import running
from tests.support.pulse_helpers import slack_team, text_of
from tests.support.reports_helpers import seed_history


async def test_report_in_slack_shows_pulse_meetings_decisions_and_observations(db_url: str) -> None:
    async with running(db_url) as bot:
        slack_team(bot, {f"U{i}": "UTC" for i in range(1, 8)})
        await seed_history(bot)
        before = len(bot.slack.responses)
        response = await bot.slash("/steadybot", "report", user="U2")
        assert response.status == 200
        replies = await bot.slack.wait_for_responses(before + 2)
        report, link = text_of(replies[before]), replies[before + 1]
        assert "Team health for #team — the last 12 weeks" in report
        assert "7 rounds shown" in report  # 8 rounds, one below the threshold does not exist here
        assert "*Energy* — " in report and "trend" in report
        assert "Burnout level 3 or higher in the latest round: fewer than 4 of 6" in report  # 1–3 of 6: masked
        assert "*Meetings* — 56 held, 47.3 h · 57% with an agenda" in report
        assert "*Scope creep* — 2 dropped · 2 deadline moved · 2 parked · 3 not scope creep" in report
        assert "What goes together" in report and "followed" in report
        assert "SECRET" not in report and "comment" not in report
        assert link["response_type"] == "ephemeral" and report.count("\n") > 5
        url = next(e["url"] for b in link["blocks"] if b["type"] == "actions" for e in b["elements"])
        assert "/reports/" in url
        from tests.support.cards import assert_valid_blocks

        assert_valid_blocks(replies[before]["blocks"])
        assert_valid_blocks(link["blocks"])


async def test_report_typed_in_teams_sends_the_link_to_the_1to1_chat(sqlite_url: str) -> None:
    async with running(sqlite_url) as bot:
        await bot.teams(bot.activity("steadybot report", conversation_type="channel", mention=True))
        await bot.settle()
        sent = bot.connector.sent
        report = next(s for s in sent if "Team health for" in json.dumps(s.activity))
        link = next(s for s in sent if "Action.OpenUrl" in json.dumps(s.activity))
        assert "1on1" in link.conversation_id or link.conversation_id != report.conversation_id
        assert "/reports/" in json.dumps(link.activity)
        from tests.support.cards import assert_valid_card

        assert link.card is not None and report.card is not None
        assert_valid_card(link.card)
        assert_valid_card(report.card)


def test_public_url_setting() -> None:
    import pytest

    from bot.config import Settings

    assert Settings.from_env({"STEADYBOT_PUBLIC_URL": "https://bot.example.com/"}).core().public_url == \
        "https://bot.example.com"
    assert Settings.from_env({"PORT": "8080", "HOST": "0.0.0.0"}).core().public_url == "http://127.0.0.1:8080"
    with pytest.raises(ValueError, match="STEADYBOT_PUBLIC_URL"):
        Settings.from_env({"STEADYBOT_PUBLIC_URL": "javascript:alert(1)"})
