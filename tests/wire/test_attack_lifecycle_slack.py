"""Lifecycle and side events real Slack sends, signed, through the real aiohttp app and real Bolt, against the
fake Web API: each is acknowledged with a 200, the bot stays silent (nobody asked it anything; DESIGN.md
designs no welcome when the bot or a person joins), no ERROR or traceback in the log, no apology.

What tests/wire/test_replay_payloads.py already replays (member_joined_channel/member_left_channel of a
person, channel_rename, app_home_opened on the messages tab, reaction_added, message subtypes channel_join,
channel_name, bot_message, message_changed, message_deleted) is not repeated here.

Every event is the "event" object of the example on its page of Slack's reference, named in each case:
https://docs.slack.dev/reference/events/<type> and https://docs.slack.dev/reference/events/message/<subtype>
(the wrapper is support/wire.py's `event_body`, the same fields as those pages' wrappers).
"""

from __future__ import annotations

import logging
from typing import Any

import pytest

from tests.support.harness import Harness

POSTING = ("chat.postMessage", "chat.postEphemeral", "chat.update", "views.open", "views.update", "views.publish",
           "chat.scheduleMessage")
I_DONT_KNOW = "I don't know"

EVENTS: dict[str, dict[str, Any]] = {
    # https://docs.slack.dev/reference/events/member_joined_channel — here the bot itself was added
    "member_joined_channel_bot": {"type": "member_joined_channel", "user": "UBOT", "channel": "C123ABC456",
                                  "channel_type": "C", "team": "T1", "inviter": "U123456789"},
    # https://docs.slack.dev/reference/events/channel_archive
    "channel_archive": {"type": "channel_archive", "channel": "C024BE91L", "user": "U024BE7LH"},
    # https://docs.slack.dev/reference/events/channel_deleted
    "channel_deleted": {"type": "channel_deleted", "channel": "C024BE91L"},
    # https://docs.slack.dev/reference/events/channel_shared
    "channel_shared": {"type": "channel_shared", "connected_team_id": "E163Q94DX", "channel": "C123ABC456",
                       "event_ts": "1561064063.001100"},
    # https://docs.slack.dev/reference/events/group_left
    "group_left": {"type": "group_left", "channel": "G024BE91L"},
    # https://docs.slack.dev/reference/events/team_join (user object shortened)
    "team_join": {"type": "team_join", "user": {"id": "U2", "team_id": "T1", "name": "dana", "deleted": False,
                                                "tz": "Europe/Berlin", "is_bot": False}},
    # https://docs.slack.dev/reference/events/user_change (user object shortened)
    "user_change": {"type": "user_change", "user": {"id": "U1", "team_id": "T1", "name": "ana", "tz": "Asia/Tokyo",
                                                    "profile": {"status_text": "Vacationing",
                                                                "status_emoji": ":palm_tree:"}},
                    "cache_ts": 1612345678, "event_ts": "1612345678.000100"},
    # https://docs.slack.dev/reference/events/pin_added
    "pin_added": {"type": "pin_added", "user": "U123ABC456", "channel_id": "C123ABC456",
                  "item": {"type": "message", "channel": "C123ABC456",
                           "message": {"type": "message", "user": "U1", "text": "can we also add SSO?",
                                       "ts": "1360782804.083113"}},
                  "event_ts": "1360782845.000003"},
    # https://docs.slack.dev/reference/events/app_home_opened — the Messages tab of someone who has none yet
    "app_home_opened_messages_first": {"type": "app_home_opened", "user": "U123ABC456", "channel": "D123ABC456",
                                       "tab": "messages", "event_ts": "1515449522000016"},
    # https://docs.slack.dev/reference/events/message/channel_leave
    "message_channel_leave": {"type": "message", "subtype": "channel_leave", "ts": "1358877455.000010",
                              "user": "U2147483828", "text": "<@U2147483828|cal> has left the channel",
                              "channel": "C1", "channel_type": "channel"},
    # https://docs.slack.dev/reference/events/message/channel_topic
    "message_channel_topic": {"type": "message", "subtype": "channel_topic", "ts": "1358877455.000010",
                              "user": "U2147483828", "topic": "hello world",
                              "text": "<@U2147483828|cal> set the channel topic: hello world",
                              "channel": "C1", "channel_type": "channel"},
    # https://docs.slack.dev/reference/events/message/huddle_thread (fields as Slack documents them)
    "message_huddle_thread": {"type": "message", "subtype": "huddle_thread", "user": "U1", "text": "",
                              "channel": "C1", "channel_type": "channel", "ts": "1679925461.145839",
                              "room": {"id": "R04UKQE2MFU", "name": "", "created_by": "U1",
                                       "date_start": 1679925460, "date_end": 0, "participants": ["U1"],
                                       "channels": ["C1"], "has_ended": False}, "no_notifications": True},
    # https://docs.slack.dev/reference/events/message/ekm_access_denied
    "message_ekm_access_denied": {"type": "message", "subtype": "ekm_access_denied", "ts": "1358877455.000010",
                                  "text": "Your admins have suspended everyone's access to this content.",
                                  "user": "UREVOKEDU", "channel": "C1", "channel_type": "channel"},
    # https://docs.slack.dev/reference/events/message/thread_broadcast — ordinary chat, nothing to watch for
    "message_thread_broadcast": {"type": "message", "subtype": "thread_broadcast", "text": "shipping it now",
                                 "user": "U061F7AUR", "ts": "1483037604.017506", "thread_ts": "1483035967.013464",
                                 "root": {"text": "release thread", "user": "U061F7AUR", "ts": "1483035967.013464"},
                                 "channel": "C1", "channel_type": "channel"},
    # https://docs.slack.dev/reference/events/message/file_share — ordinary chat with a file
    "message_file_share": {"type": "message", "subtype": "file_share", "text": "the slides from today",
                           "user": "U1", "ts": "1433314126.000003", "channel": "C1", "channel_type": "channel",
                           "files": [{"id": "F2147483862", "name": "slides.pdf", "mimetype": "application/pdf"}],
                           "upload": True},
}


def _posted(bot: Harness) -> list[dict[str, Any]]:
    return [c.params for c in bot.slack.calls if c.method in POSTING] + list(bot.slack.responses)


def _problems(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [f"{r.levelname} {r.name}: {r.getMessage()}" for r in caplog.records
            if r.levelno >= logging.ERROR or r.exc_info or "Traceback" in r.getMessage()]


@pytest.mark.parametrize("case", list(EVENTS))
async def test_a_lifecycle_event_is_acknowledged_in_silence(bot: Harness, case: str,
                                                           caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    response = await bot.event(EVENTS[case])
    assert response.status == 200, await response.text()
    await bot.settle()
    assert _posted(bot) == [], f"{case} is nobody's request, yet the bot sent {_posted(bot)}"
    assert _problems(caplog) == []


async def test_a_mention_in_a_thread_is_answered_in_that_thread(bot: Harness) -> None:
    """https://docs.slack.dev/reference/events/app_mention (the example, with the thread_ts a reply carries)."""
    event = {"type": "app_mention", "user": "U1", "text": "<@UBOT> help", "ts": "1515449522.000016",
             "thread_ts": "1515449438.000011", "channel": "C1", "event_ts": "1515449522000016"}
    assert (await bot.event(event)).status == 200
    await bot.settle()
    posted = _posted(bot)
    assert len(posted) == 1, posted
    assert posted[0].get("thread_ts") == "1515449438.000011", posted
    assert I_DONT_KNOW not in str(posted[0])


async def _answer(bot: Harness, event: dict[str, Any]) -> str:
    before = len(_posted(bot))
    assert (await bot.event(event)).status == 200
    await bot.settle()
    posted = _posted(bot)[before:]
    assert len(posted) == 1, posted
    return str(posted[0].get("text"))


@pytest.mark.parametrize("case", ["bare_mention", "dm_file_only"])
async def test_a_line_with_no_words_gets_the_overview_not_i_dont_know(bot: Harness, case: str) -> None:
    """Someone who only @mentions the bot (or drops a file into its DM) addressed it but typed nothing: the
    answer is what `help` answers, not "I don't know ‘that’" about a word nobody wrote.
    Shapes: https://docs.slack.dev/reference/events/app_mention (text only the mention) and
    https://docs.slack.dev/reference/events/message/file_share (in the DM with the app, no text)."""
    base: dict[str, Any]
    typed: dict[str, Any]
    if case == "bare_mention":
        base = {"type": "app_mention", "user": "U1", "ts": "1515449522.000016", "channel": "C1",
                "event_ts": "1515449522000016"}
        typed, help_ = {**base, "text": "<@UBOT>"}, {**base, "text": "<@UBOT> help", "ts": "1515449523.000016"}
    else:
        base = {"type": "message", "user": "U1", "channel": "D1", "channel_type": "im", "ts": "1433314126.000003"}
        typed = {**base, "subtype": "file_share", "text": "", "upload": True,
                 "files": [{"id": "F2147483862", "name": "burnout.png", "mimetype": "image/png"}]}
        help_ = {**base, "text": "help", "ts": "1433314127.000003"}
    expected = await _answer(bot, help_)
    got = await _answer(bot, typed)
    assert I_DONT_KNOW not in got and got == expected, got
