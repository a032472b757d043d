"""`/tradeoff comit Billing export by Friday` is `commit` mistyped, not a new request named "comit Billing export
by Friday" to put to the whole channel: the person is asked, privately, whether they meant
`/tradeoff commit Billing export by Friday`, and nothing else happens. Requests whose first word only looks like a
subcommand ("commitments review", "listen to users", "spark streaming", "drones for the warehouse") are still
put to the channel. The rule is in docs/scope.md, "Typos of a subcommand"."""

from __future__ import annotations

import pytest

from handlers.core.types import Visibility
from tests.support.testbot import TestBot, texts


@pytest.mark.parametrize(("line", "meant"), [
    ("comit Billing export by Friday", "commit Billing export by Friday"),
    ("commmit Billing export", "commit Billing export"),
    ("Comit Billing export", "commit Billing export"),  # capitals are not what makes a typo
    ("comimt Billing export", "commit Billing export"),  # two letters swapped
    ("parrk dark mode", "park dark mode"),
    ("pakr dark mode", "park dark mode"),
    ("donne 2", "done 2"),
    ("dnoe 2", "done 2"),
    ("dorp 1", "drop 1"),
    ("unprak 1", "unpark 1"),
])
async def test_a_mistyped_subcommand_with_more_words_asks_did_you_mean_and_does_nothing(
        bot: TestBot, line: str, meant: str) -> None:
    await bot.command("tradeoff", "commit Billing page redesign")
    replies = await bot.command("tradeoff", line)
    assert len(replies) == 1 and replies[0].visibility == Visibility.PERSON, texts(replies)
    assert f"Did you mean `/tradeoff {meant}`?" in replies[0].text
    assert "New request" not in texts(replies)
    assert bot.posts() == []  # nothing reached the channel
    listed = texts(await bot.command("tradeoff", "commitments"))
    assert "1. Billing page redesign" in listed and "2." not in listed  # nothing was added or closed


async def test_the_suggestion_quotes_the_item_safely(bot: TestBot) -> None:
    [said] = await bot.command("tradeoff", "comit `rm -rf` export")
    assert "Did you mean `/tradeoff commit 'rm -rf' export`?" in said.text


@pytest.mark.parametrize("line", [
    "commitments review for Q3",
    "commits from the old repo",
    "listen to users before the redesign",
    "dark mode for the dashboard",
    "spark streaming job for exports",
    "parks department integration",
    "drones for the warehouse",
    "drops in conversion on the signup page",
    "committee review of the pricing page",
    "unpack the monolith",
    "done-for-you onboarding",
    "part time support rota",
    "omit the sidebar on mobile",
])
async def test_requests_whose_first_word_only_looks_like_a_subcommand_are_still_asked(
        bot: TestBot, line: str) -> None:
    replies = await bot.command("tradeoff", line)
    assert "New request" in texts(replies) and "Did you mean" not in texts(replies), texts(replies)
