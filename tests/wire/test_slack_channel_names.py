"""Slack's placeholder `channel_name` is never taken for a channel's name.

A slash command from a private channel carries `"channel_name": "privategroup"`, from a DM
`"directmessage"` (slack-ruby-client issue 227; discourse-chat-integration PR 20), from a group DM Slack's
internal `mpdm-ana--ben-1`. The bot reads the real name from conversations.info — the same call, cached, as
the channel-creator check, so a command costs no second call — and a group DM stays unnamed.
"""
from __future__ import annotations

from tests.support.harness import Harness, running
from tests.support.meetings_helpers import text_of
from tests.wire.test_replay_payloads import POSTING

PEOPLE = [f"U{i}" for i in range(1, 9)]


async def _said(bot: Harness) -> list[str]:
    await bot.idle()
    await bot.settle()
    return [text_of(c.params) for c in bot.slack.calls if c.method in POSTING]


def _people(bot: Harness) -> None:
    bot.runtime.limiter._now = lambda: bot.clock.now().timestamp()
    for uid in PEOPLE:
        bot.slack.add_user(uid, uid, tz="Europe/Berlin")


async def test_a_private_channel_is_not_called_privategroup(sqlite_url: str) -> None:
    async with running(sqlite_url) as bot:
        _people(bot)
        bot.slack.add_channel("G0PRIV1", "U1", [*PEOPLE, "UBOT"], name="secret-plans", private=True)
        await bot.slash("/pulse", "now", channel="G0PRIV1", channel_name="privategroup")
        said = await _said(bot)
        dms = [s for s in said if s.startswith("*Pulse check-in for")]
        assert dms and all(s.startswith("*Pulse check-in for #secret-plans*") for s in dms), dms[:1]
        assert not any("privategroup" in s for s in said)
        # the creator check (only the creator may send the pulse) and the name: one conversations.info call
        assert len([c for c in bot.slack.calls if c.method == "conversations.info"]) == 1

        reply = await bot.slash_reply("/steadybot", "report", channel="G0PRIV1", channel_name="privategroup")
        assert "Team health for #secret-plans" in str(reply), str(reply)[:300]
        assert "privategroup" not in str(reply)


async def test_a_group_dm_is_not_called_by_its_mpdm_name(sqlite_url: str) -> None:
    async with running(sqlite_url) as bot:
        _people(bot)
        mpdm = "mpdm-u1--u2--u3--u4--u5--u6-1"
        bot.slack.add_channel("G0MPIM1", "U1", [*PEOPLE, "UBOT"], name=mpdm, group_dm=True)
        await bot.slash("/pulse", "now", channel="G0MPIM1", channel_name=mpdm)
        said = await _said(bot)
        dms = [s for s in said if s.startswith("*Pulse check-in for")]
        assert dms and not any("mpdm" in s for s in said), dms[:1]
        reply = await bot.slash_reply("/steadybot", "report", channel="G0MPIM1", channel_name=mpdm)
        assert "mpdm" not in str(reply) and "#" not in str(reply).split("Team health for", 1)[-1][:3]


async def test_a_mention_in_a_channel_names_the_channel(sqlite_url: str) -> None:
    """An @mention carries no channel name at all: the same lookup names it."""
    async with running(sqlite_url) as bot:
        _people(bot)
        bot.slack.add_channel("C0DESIGN", "U1", [*PEOPLE, "UBOT"], name="design")
        await bot.event({"type": "app_mention", "user": "U1", "text": "<@UBOT> pulse now", "channel": "C0DESIGN",
                         "ts": "1700000000.000100", "event_ts": "1700000000.000100"})
        said = await _said(bot)
        dms = [s for s in said if s.startswith("*Pulse check-in for")]
        assert dms and all(s.startswith("*Pulse check-in for #design*") for s in dms), dms[:1]
