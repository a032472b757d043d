"""`/pulse opt out`, `opt-out`, `opt in`, `opt-in` (any case, with `--forget` where it applies) are the same
commands as `optout` and `optin`, typed or as a slash command; `/pulse opt` alone says what it can do, and
`/pulse help` and the "I don't know" answer still read well."""

from __future__ import annotations

import pytest

from tests.support.testbot import TestBot, direct, texts


@pytest.mark.parametrize("words", ["opt out", "opt-out", "Opt Out", "opt  out", "optout"])
async def test_every_spelling_of_opt_out_opts_out_and_opt_in_brings_back(bot: TestBot, words: str) -> None:
    said = texts(await bot.command("pulse", words))
    assert "no more pulse DMs" in said, said
    prefs = await bot.runtime.store.pulse.prefs(bot.me.platform, bot.me.id)
    assert prefs.opted_out
    back_words = words.lower().replace("out", "in")
    assert "Welcome back" in texts(await bot.command("pulse", back_words))
    assert not (await bot.runtime.store.pulse.prefs(bot.me.platform, bot.me.id)).opted_out


@pytest.mark.parametrize("words", ["opt out --forget", "opt-out --forget", "optout --forget"])
async def test_opt_out_forget_with_a_space_or_a_dash(bot: TestBot, words: str) -> None:
    said = texts(await bot.command("pulse", words))
    assert "You're out, and I" in said and "Anonymous answers stay" in said, said


async def test_typed_opt_out_in_a_direct_chat(bot: TestBot) -> None:
    said = texts(await bot.say("pulse opt out", where=direct(bot.me)))
    assert "no more pulse DMs" in said, said


async def test_opt_alone_or_with_another_word_says_what_it_can_do(bot: TestBot) -> None:
    for words in ("opt", "opt sideways", "opt out maybe"):
        said = texts(await bot.command("pulse", words))
        assert "Traceback" not in said
        if words == "opt out maybe":
            assert "only `--forget`" in said, said
        else:
            assert "`/pulse opt out` (or `optout`)" in said and "`/pulse opt in`" in said, said
    assert not (await bot.runtime.store.pulse.prefs(bot.me.platform, bot.me.id)).opted_out


async def test_help_names_both_spellings_and_unknown_still_reads_well(bot: TestBot) -> None:
    helped = texts(await bot.command("pulse", "help"))
    assert "• `/pulse optout` — " in helped and "(`opt out` works too)" in helped, helped
    assert "• `/pulse optin` — get pulse DMs again (or `opt in`)" in helped, helped
    unknown = texts(await bot.command("pulse", "frobnicate"))
    assert "I don't know `/pulse frobnicate`. `/pulse` knows `now`, `schedule`, `stop`, `close`, `results`, " \
        "`optout`, `optin`, `snooze` and `me`." in unknown, unknown
