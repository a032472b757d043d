"""Issue 13, item 11: nothing people type becomes a live mention or link in what the bot posts.

Slack: special mentions (`<!channel>`, `<!here>`), user mentions (`<@U…>`) and labelled links (`<url|label>`)
typed into meeting titles, agenda items, pre-read questions and answers, and scope-creep messages never
reach Slack unescaped — not in the blocks, not in the notification `text`, not through the outbox — and
every post has `link_names`/`parse` off. Teams: markdown links typed into agenda items never form a link in
an Adaptive Card's TextBlocks or facts."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from handlers.scope.detector import detect
from tests.support.harness import Harness
from tests.support.meetings_helpers import at, buttons, command, last_modal, posts, submit_modal, team
from tests.support.scope_helpers import post_message, prompts_in, slack_buttons

REVIEW = datetime(2026, 3, 3, 14, 0, tzinfo=UTC)  # "tomorrow 3pm" for Ana (Berlin)
LIVE = re.compile(r"<[!@#]|<https?:|<mailto:")  # what Slack would turn into a mention or a link


def _texts(params: dict[str, Any]) -> list[str]:
    """Every text Slack parses for mentions and links in a message or view: the fallback and every mrkdwn
    object, wherever it sits (sections, fields, context, confirm dialogs). plain_text is never parsed."""
    out: list[str] = [str(params.get("text") or "")]

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "mrkdwn" and isinstance(node.get("text"), str):
                out.append(node["text"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(params.get("blocks") or [])
    walk((params.get("view") or {}).get("blocks") if isinstance(params.get("view"), dict) else [])
    return out


def _mrkdwn_objects(node: Any) -> list[dict[str, Any]]:
    if isinstance(node, dict):
        found = [node] if node.get("type") == "mrkdwn" else []
        return found + [o for v in node.values() for o in _mrkdwn_objects(v)]
    if isinstance(node, list):
        return [o for v in node for o in _mrkdwn_objects(v)]
    return []


def _assert_nothing_live(bot: Harness) -> int:
    checked = 0
    for call in bot.slack.calls:
        if not (call.method.startswith("chat.") or call.method == "views.open"):
            continue
        for text in _texts(call.params):
            assert not LIVE.search(text), (call.method, text)
            assert "<" not in text, (call.method, text)  # the bot writes no Slack markup of its own either
        for obj in _mrkdwn_objects(call.params.get("blocks") or []):
            assert obj.get("verbatim") is True, obj
        if call.method in ("chat.postMessage", "chat.postEphemeral", "chat.update"):
            assert str(call.params.get("link_names")).lower() in ("false", "0"), call.params
            assert call.params.get("parse") == "none", call.params
        checked += 1
    for response in bot.slack.responses:
        for text in _texts(response):
            assert "<" not in text, text
        checked += 1
    return checked


async def test_mentions_and_links_typed_into_meetings_never_go_live_in_slack(bot: Harness) -> None:
    team(bot)
    await command(bot, "/meeting", "<!channel> review <@U2> <https://evil.example|login> tomorrow 3pm for 45m")
    await command(bot, "/agenda", "add <!here> read <https://evil.example/doc|the doc> & <@U3> 10m")
    await command(bot, "/agenda", "question <!channel> which <https://evil.example|design>?")
    await command(bot, "/agenda", "show")
    [meeting] = await bot.runtime.store.meetings.upcoming(*_c1(), bot.clock.now(), 5)
    # Slack's markup decoded on the way in (bot/slack/markup.py): the ping typed is the word, the person their
    # name; the surfaces still escape whatever is stored
    assert meeting.title.startswith("@channel review @Ben"), meeting.title
    # a pre-read answer through the modal, with a mention in it
    action_id, value = next((b for label, b in buttons(posts(bot)[-1]).items() if label.startswith("Answer")),
                            ("", ""))
    if action_id:
        await bot.press(action_id, value, user="U2", channel="C1")
        await bot.idle()
        await submit_modal(bot, {"answer": "<!everyone> see <https://evil.example|here>"}, user="U2")
        assert last_modal(bot)["type"] == "modal"
    # a meeting with no agenda: its nudges (notification text = its title) and the organiser's DM
    await command(bot, "/meeting", "<!here> standup <@U2> <https://evil.example|x> tomorrow 5pm for 30m")
    nudged = REVIEW + timedelta(hours=2)
    for moment in (REVIEW - timedelta(hours=24), nudged - timedelta(hours=24), nudged - timedelta(hours=2),
                   REVIEW - timedelta(hours=1), REVIEW, nudged - timedelta(hours=1)):
        await at(bot, moment)
    assert len(posts(bot)) >= 6 and posts(bot, "U1"), [p.get("text") for p in posts(bot, None)]
    assert _assert_nothing_live(bot) >= 8


def _c1() -> tuple[Any, str]:
    from handlers.core.types import Platform

    return Platform.SLACK, "C1"


async def test_scope_creep_quotes_never_bring_a_mention_back_to_life(bot: Harness) -> None:
    typed_as_text = "while we're at it, can we also add &lt;!channel&gt; a CSV export to the release?"
    assert "<!" not in detect(typed_as_text).quote and "<" not in detect(typed_as_text).quote
    real_mention = "while we're at it, <!here> can we also add a CSV export <@U2> to the release?"
    assert "<" not in detect(real_mention).quote
    team(bot)
    for n, text in enumerate((typed_as_text, real_mention, "can we also add <https://evil.example|SSO> to the MVP?")):
        await post_message(bot, text, f"{300 + n}.000001")
    prompts = prompts_in(bot)
    assert prompts
    action_id, value = slack_buttons(prompts[0])["Park it"]
    await bot.press(action_id, value, message_ts="300.000002")
    await bot.idle()
    await command(bot, "/tradeoff", "parked")
    await bot.settle()
    assert _assert_nothing_live(bot) >= 3


async def test_markdown_links_typed_in_teams_never_become_live_links(bot: Harness) -> None:
    bot.connector.add_member("29:u1", "Ana", "aad-1", role="owner")

    async def say(text: str) -> None:
        await bot.teams(bot.activity(text, conversation_type="channel", mention=True, local_timezone="Europe/Berlin"))

    await say("meeting [Review](https://evil.example/login) tomorrow 3pm for 45m")
    await say("agenda add [Reset your password](https://evil.example/reset) 10m")
    await say("agenda add see <https://evil.example/x> and www.evil.example and http://evil.example 5m")
    await say("agenda question Which one? [docs](http://evil.example)")
    await say("agenda show")
    await say("meeting list")
    cards = [s.card for s in bot.connector.sent if s.card]
    assert len(cards) >= 5
    seen = 0
    for card in cards:
        texts = [b.get("text", "") for b in card.get("body", []) if b.get("type") == "TextBlock"]
        texts += [f"{f.get('title')} {f.get('value')}" for b in card.get("body", []) if b.get("type") == "FactSet"
                  for f in b.get("facts", [])]
        for text in texts:
            assert not re.search(r"\]\s*\(", text), text
            assert "://" not in text and "www." not in text and not re.search(r"<[a-z]+:", text), text
            seen += "evil" in text
    assert seen >= 3  # the words are still there, as typed (a zero-width space breaks each link)
