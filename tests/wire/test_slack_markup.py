"""Slack's text markup decoded once, in the Slack adapter (bot/slack/markup.py), into what the person typed.

Slack delivers typed text with `&`, `<`, `>` escaped as `&amp;` `&lt;` `&gt;`, people as `<@U…>`, channels as
`<#C…|name>`, links as `<url|label>` and special mentions as `<!here>`
(https://docs.slack.dev/messaging/formatting-message-text, "Escaping text" and "Retrieving messages"). The
text must reach the core plain, and go back to Slack escaped exactly once; a person mentioned stays
mentioned, and nothing typed becomes a ping or a disguised link. Payload shapes: app_mention
(docs.slack.dev/reference/events/app_mention), slash commands, message shortcuts, channel messages.
"""
from __future__ import annotations

import json
import time
from typing import Any

import pytest

from bot.inbound import Inbound, Typed
from bot.slack import markup, payloads
from handlers.core.types import ChatMessage, Command, Interaction, Person, Place, Platform
from tests.support.harness import Harness, running
from tests.support.meetings_helpers import team, text_of
from tests.wire.test_replay_payloads import POSTING


def mention(text: str, event_id: str = "EvMarkup") -> str:
    """An app_mention as Slack delivers it: its text keeps Slack's markup."""
    event = {"type": "app_mention", "user": "U1", "text": text, "ts": "1700000000.000100", "channel": "C1",
             "event_ts": "1700000000.000100"}
    return json.dumps({"token": "x", "team_id": "T1", "api_app_id": "A1", "type": "event_callback",
                       "event_id": event_id, "event_time": int(time.time()), "event": event,
                       "authorizations": [{"team_id": "T1", "user_id": "UBOT", "is_bot": True}]})


async def _said(bot: Harness) -> list[str]:
    await bot.idle()
    await bot.settle()
    return [text_of(c.params) for c in bot.slack.calls if c.method in POSTING]


def _posted(bot: Harness) -> str:
    """Everything the bot posted, blocks and notification text, as Slack receives it."""
    return json.dumps([c.params for c in bot.slack.calls if c.method in POSTING], ensure_ascii=False)


# ---- what the person typed comes back as they typed it -----------------------------------------------------
@pytest.mark.parametrize(("typed", "shown"), [
    ("Q&amp;A prep &lt;v2&gt;", "Q&amp;A prep &lt;v2&gt;"),      # Slack shows: Q&A prep <v2>
    ("review <#C0123|design>", "review #design"),                 # a channel link
    ("review <https://example.com/pr/1|PR 1>", "review PR 1"),    # a labelled link
])
async def test_slack_markup_in_a_mention_reads_as_the_person_typed_it(sqlite_url: str, typed: str, shown: str) -> None:
    async with running(sqlite_url) as bot:
        team(bot)
        assert (await bot.post_slack(mention(f"<@UBOT> timebox 25m {typed}"), "application/json")).status == 200
        [started] = await _said(bot)
        assert shown in started, started  # mrkdwn: `&amp;` is how a literal & must reach Slack, once


async def test_someone_else_mentioned_in_a_slack_command_stays(sqlite_url: str) -> None:
    async with running(sqlite_url) as bot:
        team(bot)
        await bot.post_slack(mention("<@UBOT> tradeoff ask <@U3> to review the API too"), "application/json")
        said = await _said(bot)
        assert "ask to review" not in said[0], said[0]  # before: “ask to review the API too” (Chloé was gone)
        assert "ask @Chloé to review" in said[0], said[0]  # named, never a live mention posted back
        assert "<@" not in _posted(bot)


async def test_slash_command_text_is_decoded_once(sqlite_url: str) -> None:
    """A slash command's text is escaped as message text is (`&` arrives as `&amp;`; with "Escape channels,
    users, and links" on, mentions and channels arrive as markup)."""
    async with running(sqlite_url) as bot:
        team(bot)
        await bot.slash("/timebox", "25m Q&amp;A with <#C0123|design> &lt;v2&gt;")
        said = await _said(bot)
        assert any("Q&amp;A with #design &lt;v2&gt;" in s for s in said), said


async def test_typed_markup_never_becomes_a_ping_or_a_link(sqlite_url: str) -> None:
    """`<!here>` and `<!channel>` typed (live, or escaped as text), a user group and a disguised link: the echo
    shows words, never markup Slack would act on; only the person's mention token goes back as markup."""
    async with running(sqlite_url) as bot:
        team(bot)
        await bot.post_slack(mention("<@UBOT> tradeoff tell <!here> &lt;!channel&gt; "
                                     "<!subteam^S0123|@ux> of <https://e.example/x|docs> "
                                     "&lt;https://e.example|a&gt; <@U3>"), "application/json")
        said = await _said(bot)
        posted = _posted(bot)
        for live in ("<!here", "<!channel", "<!subteam", "<https://", "<http", "<@"):
            assert live not in posted, (live, posted)
        assert ("tell @here &lt;!channel&gt; @ux of docs (https://e.example/x) &lt;https://e.example|a&gt; "
                "@Chloé") in said[0], said


# ---- every way Slack text reaches the core -------------------------------------------------------------------
def _request(body: dict[str, Any], bot_user_id: str = "UBOT") -> object:
    parsed = payloads.parse(body, bot_user_id)
    assert parsed is not None and parsed.inbound is not None
    return parsed.inbound.request


def _event(event: dict[str, Any]) -> dict[str, Any]:
    return {"type": "event_callback", "team_id": "T1", "event_id": "Ev1", "event": event,
            "authorizations": [{"team_id": "T1", "user_id": "UBOT", "is_bot": True}]}


def test_a_dm_to_the_bot_reads_as_typed() -> None:
    body = _event({"type": "message", "channel": "D1", "channel_type": "im", "user": "U1", "ts": "1.1",
                   "text": "<@UBOT> agenda add Q&amp;A for <@U3|chloe> &amp;lt;b&amp;gt; 5m"})
    typed = _request(body)
    assert isinstance(typed, Typed) and typed.text == "agenda add Q&A for @chloe &lt;b&gt; 5m"


def test_a_mention_without_a_known_bot_id_drops_only_the_leading_mention() -> None:
    body = _event({"type": "app_mention", "channel": "C1", "user": "U1", "ts": "1.1",
                   "text": "<@UB0T> tradeoff ask <@U3> &amp; <@U4>"})
    body["authorizations"] = []
    typed = _request(body, "")
    assert isinstance(typed, Typed) and typed.text == "tradeoff ask <@U3> & <@U4>"


def test_the_scope_watcher_reads_channel_messages_as_plain_text() -> None:
    body = _event({"type": "message", "channel": "C1", "channel_type": "channel", "user": "U2", "ts": "1.2",
                   "text": "can we also add R&amp;D &lt;exports&gt; for <#C9|design>, see <https://x.example/a?b=1&amp;c=2>"})
    message = _request(body)
    # a channel stays Slack's markup here: the detector strips it as a name (a `#sso` typed still counts)
    assert isinstance(message, ChatMessage) and message.text == ("can we also add R&D <exports> for <#C9|design>, "
                                           "see https://x.example/a?b=1&c=2")


@pytest.mark.parametrize("text", [
    "FYI <#C1|add-sso-to-mvp> has the decision log",
    "Moved the notes to <#C1|mvp-sso-integration>, please also read them",
    "<@U1|canwealsoadd> thanks for the notes"])
def test_names_of_channels_and_people_are_not_read_as_scope_creep(text: str) -> None:
    """Re-review: decoded, `#add-sso-to-mvp` reached the detector as prose (adds 'add', target MVP, feature
    'sso': a false "what do we drop?"); the raw markup it had before was stripped as a name."""
    from handlers.scope.detector import detect

    message = _request(_event({"type": "message", "channel": "C9", "channel_type": "channel", "user": "U2",
                               "ts": "1.4", "text": text}))
    assert isinstance(message, ChatMessage) and not detect(message.text).is_scope_creep


@pytest.mark.parametrize("text", ["could we also do #sso?", "Could we also do #i18n?"])
def test_a_feature_typed_as_a_hashtag_still_counts(text: str) -> None:
    """Third review: stripping every `#word` to keep channel names out lost these (3.0 → 2.5)."""
    from handlers.scope.detector import detect

    message = _request(_event({"type": "message", "channel": "C9", "channel_type": "channel", "user": "U2",
                               "ts": "1.5", "text": text}))
    assert isinstance(message, ChatMessage) and detect(message.text).is_scope_creep


def test_a_date_in_channel_chat_keeps_its_text() -> None:
    """Fourth review: kept as markup with the names, a `<!date^…|Nov 14>` lost its text in the prompt's quote."""
    from handlers.scope.detector import detect

    message = _request(_event({"type": "message", "channel": "C9", "channel_type": "channel", "user": "U2",
                               "ts": "1.6", "text": "can we also ship this by <!date^1700000000^{date_short}|Nov 14> "
                                                    "and add SSO?"}))
    assert isinstance(message, ChatMessage) and "Nov 14" in detect(message.text).quote


def test_a_message_shortcut_quotes_the_message_as_typed() -> None:
    body = {"type": "message_action", "callback_id": "tradeoff_message", "trigger_id": "t1",
            "team": {"id": "T1"}, "user": {"id": "U2", "name": "ben"}, "channel": {"id": "C1", "name": "team"},
            "message_ts": "1.3", "message": {"type": "message", "user": "U3", "ts": "1.3",
                                             "text": "could we also do Q&amp;A &lt;live&gt; with <@U4|dana>?"}}
    shortcut = _request(body)
    assert isinstance(shortcut, Interaction) and shortcut.value == "could we also do Q&A <live> with @dana?"


def test_modal_input_is_taken_as_typed() -> None:
    """plain_text_input values are not escaped by Slack: `&amp;` typed in a modal stays `&amp;`."""
    state = {"values": {"b1": {"a1": {"type": "plain_text_input", "value": "R&amp;D <b> & more"}}}}
    body = {"type": "view_submission", "user": {"id": "U1"}, "team": {"id": "T1"},
            "view": {"id": "V1", "private_metadata": json.dumps({"ch": "C1", "f": "agenda.add"}), "state": state}}
    form = _request(body)
    assert isinstance(form, Interaction) and "R&amp;D <b> & more" in (form.form_values or {}).values()


@pytest.mark.parametrize(("slack", "plain"), [
    ("&amp;lt;b&amp;gt; &amp;amp;", "&lt;b&gt; &amp;"),  # entities typed on purpose survive: one decoding
    ("<mailto:ana@example.com|ana@example.com>", "ana@example.com"),
    ("<http://example.com|example.com>", "http://example.com"),  # Slack linked a typed address
    ("<https://h.example/cal.ics?a=1&amp;b=%26>", "https://h.example/cal.ics?a=1&b=%26"),
    ("<!date^1392734382^{date_short}|Feb 18, 2014>", "Feb 18, 2014"),
    ("<!channel> <!everyone> <!here|here>", "@channel @everyone @here"),
    ("<#C0123> <#C0124|>", "#C0123 #C0124"),
    ("<@U0123> <@UBOT> <@W0123|ana>", "<@U0123>  @ana"),  # a bare mention: named later (bot/slack/mentions.py)
    ("<b>bold</b> <at>Ben</at>", "<b>bold</b> <at>Ben</at>"),  # no markup Slack writes: kept as it came
])
def test_decode(slack: str, plain: str) -> None:
    assert markup.decode(slack, "UBOT") == plain


async def test_people_mentioned_reach_the_core_by_name(sqlite_url: str) -> None:
    """After the ack, the pipeline's Slack step names each `<@U…>` from the directory (users.info on the fake
    Slack API): a DM, a command and a shortcut's quote; someone Slack does not know reads `@someone`."""
    async with running(sqlite_url) as bot:
        team(bot)
        names = bot.runtime.pipeline.prepare[Platform.SLACK]
        dm = _event({"type": "message", "channel": "D1", "channel_type": "im", "user": "U1", "ts": "1.1",
                     "text": "<@UBOT> tradeoff ask <@U2> &amp; <@U9> or <@U2>"})
        parsed = payloads.parse(dm, "UBOT")
        assert parsed is not None and parsed.inbound is not None
        typed = (await names(parsed.inbound)).request
        assert isinstance(typed, Typed) and typed.text == "tradeoff ask @Ben & @someone or @Ben"
        command = Command("tradeoff", "ask <@U3>", Person(Platform.SLACK, "U1"), Place(Platform.SLACK, "C1"))
        named = (await names(Inbound(command))).request
        assert isinstance(named, Command) and named.text == "ask @Chloé"
