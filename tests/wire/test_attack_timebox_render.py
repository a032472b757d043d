"""A timebox's topic is typed by anyone in the channel and is repeated in every warning: on Slack it must not
ping (`<!channel>`, `<@U…>`) or link, on Teams an `<at>` or HTML tag must reach the card as inert text."""

from __future__ import annotations

import json

from tests.support.cards import assert_valid_card
from tests.support.harness import Harness
from tests.support.meetings_helpers import command, posts, team

TOPIC = "<!channel> <@U2> <at>Ben</at> <b>bold</b> <https://evil.example|click> & more"


async def test_a_topic_with_mentions_pings_nobody_on_slack(bot: Harness) -> None:
    team(bot)
    await command(bot, "/timebox", f"10m {TOPIC}")
    started = posts(bot)[-1]
    wire = json.dumps({k: started.get(k) for k in ("text", "blocks")}, ensure_ascii=False)
    for live in ("<!channel>", "<@U2>", "<https://", "<b>"):
        assert live not in wire, (live, wire)
    # Slack's markup read as the person meant it (bot/slack/markup.py), then escaped: shown, not dropped
    assert "@channel @Ben &lt;at&gt;Ben&lt;/at&gt; &lt;b&gt;bold&lt;/b&gt; click (https://evil.example) &amp; more" \
        in wire, wire
    assert all(b.get("text", {}).get("verbatim", True) for b in started["blocks"] if b.get("type") == "section")


async def test_a_topic_with_at_and_html_is_inert_text_on_a_teams_card(bot: Harness) -> None:
    bot.connector.add_member("29:u1", "Ana", "aad-1", role="owner")
    before = len(bot.connector.sent)
    await bot.teams(bot.activity(f"timebox 10m {TOPIC}", conversation_type="channel", mention=True))
    started = (await bot.connector.wait_for(before + 1))[before]
    assert "10m timebox started" in started.text
    card = started.adaptive_card
    assert_valid_card(card)
    assert not (started.activity.get("entities") or []) or all(
        e.get("type") != "mention" for e in started.activity["entities"])  # no live mention of anyone
    assert "https://evil" not in json.dumps(card, ensure_ascii=False)  # the link is broken (zero-width space)
    assert "<at>" not in started.text and "— <!channel> <@U2> Ben <b>bold</b>" in started.text  # plain text
    assert all(b.get("type") == "TextBlock" for b in card["body"])  # a TextBlock renders no HTML
