"""A forget clears the Slack App Home (DESIGN.md, privacy rules: forgetting removes "the messages the bot posted
to them that hold their journal"). Slack keeps the last view views.publish stored for a person until another
replaces it, and the home holds their journal (handlers/reports/home.py): the fake Slack API keeps it the same
way (`FakeSlackApi.homes`). Read as an attacker would: the view Slack keeps for the person after the forget,
both ways in — `/pulse optout --forget` (signed, through Bolt, in the server) and `steadybot forget` (a
separate process, which never saw the Home opened) — and after the server's periodic Home refresh."""

from __future__ import annotations

import json

import pytest

from handlers.core.types import Platform
from support.procs import cli
from tests.support.harness import BOT_TOKEN, SIGNING_SECRET, TEST_SECRET, Harness, running
from tests.support.pulse_helpers import text_of
from tests.wire.test_reports_home import home_opened, prepare

USER = "U2"
JOURNAL = ("comment 2-",)  # U2's own comments, in every journal line of theirs seed_history writes


def _journal_lines(view: dict[str, object]) -> list[str]:
    """The journal's lines in a Home view: between its heading and the meetings' heading."""
    text = "\n".join(b.get("text", {}).get("text", "") for b in view["blocks"]  # type: ignore[attr-defined]
                     if b.get("type") == "section")
    if "Your pulse journal" not in text:
        return []
    body = text.split("Your pulse journal", 1)[1].split("Your upcoming meetings", 1)[0]
    return [line for line in body.split("\n")[1:] if " · " in line]  # dated entries (not a "• …" gap)


async def _home_with_journal(bot: Harness) -> list[str]:
    await prepare(bot)
    await bot.event(home_opened(USER))
    await bot.idle()
    shown = bot.slack.homes[USER]
    lines = _journal_lines(shown)
    assert lines and any(mark in json.dumps(shown) for mark in JOURNAL), shown  # the attack has a target
    return lines


def _assert_no_journal(bot: Harness, lines: list[str]) -> None:
    kept = json.dumps(bot.slack.homes[USER])
    assert not any(mark in kept for mark in JOURNAL), kept
    assert not any(line in kept for line in lines), kept
    assert "your data was deleted" in kept


@pytest.mark.parametrize("way", ["chat", "cli"])
async def test_forget_replaces_the_home_view_that_held_the_journal(db_url: str, way: str) -> None:
    async with running(db_url) as bot:
        lines = await _home_with_journal(bot)
        if way == "chat":
            said = text_of(await bot.slash_reply("/pulse", "optout --forget", user=USER))
            cleared = "Cleared your Slack App Home"
        else:
            code, out, err = await cli("forget", USER, "--platform", "slack", env={
                "DATABASE_URL": db_url, "STEADYBOT_SECRET": TEST_SECRET, "SLACK_BOT_TOKEN": BOT_TOKEN,
                "SLACK_API_URL": bot.slack.url, "SLACK_SIGNING_SECRET": SIGNING_SECRET})
            assert code == 0, err
            said, cleared = out, "Cleared their Slack App Home"
        _assert_no_journal(bot, lines)
        assert cleared in said, said
        # the server's periodic refresh of recent openers does not build (and store) theirs again
        published = len(bot.slack.calls_to("views.publish"))
        await bot.settle()
        assert len(bot.slack.calls_to("views.publish")) == published
        _assert_no_journal(bot, lines)
        assert await bot.runtime.store.identities.get(Platform.SLACK, USER) is None
        # coming back is starting afresh: their new home has no journal of the past either
        await bot.event(home_opened(USER))
        await bot.idle()
        kept = json.dumps(bot.slack.homes[USER])
        assert "Your steadybot home" in kept and not any(mark in kept for mark in JOURNAL), kept
