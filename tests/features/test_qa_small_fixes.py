"""Small user-facing fixes QA found, each reproduced through the harness: the overview names only commands a
platform has (Slack has no `/home`: the App Home tab is), a subcommand typed with a full stop, a question mark
or quotes still runs, `Q1` names a pre-read question, `parking lot` is the parking lot, honest stats and
journal answers, and a kind one-line answer to a greeting."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml

from handlers import build_registry
from handlers.core.types import Command, Platform, Visibility
from handlers.pulse.snooze import parse_snooze
from tests.support.harness import block_texts, running
from tests.support.testbot import ANA, BERLIN, START, TestBot, direct, texts

ROOT = Path(__file__).resolve().parents[2]
_SLASH = re.compile(r"`/([a-z]+)")


def _slack_commands() -> set[str]:
    manifest = yaml.safe_load((ROOT / "manifest.yml").read_text(encoding="utf-8"))
    return {c["command"].lstrip("/") for c in manifest["features"]["slash_commands"]}


def _teams_commands() -> set[str]:
    manifest = json.loads((ROOT / "teams" / "manifest.json").read_text(encoding="utf-8"))
    return {c["title"].split()[0] for bot in manifest["bots"] for lists in bot.get("commandLists", [])
            for c in lists["commands"]}


# ---- 1. the overview, per platform ---------------------------------------------------------------------


def test_slack_overview_names_only_registered_slash_commands() -> None:
    overview = build_registry().overview(Platform.SLACK)
    named = set(_SLASH.findall(overview))
    assert named and named <= _slack_commands(), named - _slack_commands()
    assert "Home" in overview and "tab" in overview  # where the home is on Slack


def test_teams_overview_keeps_home_as_typed_and_names_known_commands() -> None:
    registry = build_registry()
    overview = registry.overview(Platform.TEAMS)
    named = set(_SLASH.findall(overview))
    assert "home" in named  # typed `home` in the 1:1 chat
    # Teams suggests these in its command menu; the rest are typed (all of them are registered commands)
    assert named - {"home", "steadybot"} <= _teams_commands()
    assert named <= set(registry.commands)


async def test_steadybot_help_on_slack_does_not_offer_a_slash_home(bot: TestBot) -> None:
    slack_place = replace(bot.here, platform=Platform.SLACK)
    slack_me = replace(ANA, platform=Platform.SLACK)
    replies = await bot.runtime.core.run_command(Command("steadybot", "help", slack_me, slack_place, "r-1"))
    text = texts(replies)
    assert "`/home`" not in text and "Home" in text
    assert "`/home`" in texts(await bot.command("steadybot", "help"))  # the demo (typed) keeps it


async def test_slack_wire_help_names_no_slash_home_and_teams_keeps_home(sqlite_url: str) -> None:
    """Through the real adapters: Slack's `/steadybot help` answer, Teams' typed `help`."""
    async with running(sqlite_url) as wire:
        reply = await wire.slash_reply("/steadybot", "help")
        markup = block_texts(reply)
        assert "/home" not in markup and "Home" in markup, markup
        assert set(re.findall(r"`/([a-z]+)", markup)) <= _slack_commands()
        await wire.teams(wire.activity("help"))
        [sent] = await wire.connector.wait_for(1)
        assert "**home**" in sent.text, sent.text


# ---- 2. punctuation on a subcommand word -----------------------------------------------------------------


async def test_subcommand_words_with_punctuation_run(bot: TestBot) -> None:
    await bot.command("timebox", "25m design review")
    stopped = texts(await bot.command("timebox", "Stop."))
    assert "Start with a duration" not in stopped and "stopped" in stopped.lower(), stopped


@pytest.mark.parametrize(("name", "typed", "meant"), [
    ("steadybot", "help!", "help"),
    ("steadybot", "“help”", "help"),
    ("steadybot", "Help.", "help"),
    ("steadybot", "report.", "report"),
    ("pulse", "results?", "results"),
    ("pulse", "snooze off.", "snooze off"),
    ("pulse", "\"schedule\"", "schedule"),
    ("tradeoff", "stats.", "stats"),
    ("meeting", "list?", "list"),
])
async def test_a_subcommand_typed_like_a_sentence_answers_as_typed_plainly(
        bot: TestBot, name: str, typed: str, meant: str) -> None:
    assert texts(await bot.command(name, typed)) == texts(await bot.command(name, meant))


async def test_a_typed_subcommand_with_punctuation_runs(bot: TestBot) -> None:
    assert "Here is what I can do" in texts(await bot.say("help!", where=direct(ANA)))
    assert texts(await bot.say("pulse results?")) == texts(await bot.say("pulse results"))


async def test_a_lone_number_with_punctuation_picks_the_item(bot: TestBot) -> None:
    await bot.command("meeting", "Sprint review tomorrow 3pm for 45m")
    await bot.command("agenda", "add Demo of the new login 10m")
    await bot.command("agenda", "add Rollout date 10m")
    await bot.command("agenda", "add Retro 5m")
    shown = texts(await bot.command("agenda", "remove 1."))  # answers with the agenda as it is now
    assert "Demo of the new login" not in shown and "Rollout date" in shown, shown
    shown = texts(await bot.command("agenda", "remove #1"))
    assert "Rollout date" not in shown and "Retro" in shown, shown
    await bot.command("tradeoff", "commit Billing page redesign")
    done = texts(await bot.command("tradeoff", "done 1."))
    assert "Billing page redesign" in done and "Done" in done, done
    cancelled = texts(await bot.command("meeting", "Cancel 1."))
    assert "cancel" in cancelled.lower() and "Give" not in cancelled, cancelled


async def test_free_text_keeps_its_punctuation(bot: TestBot) -> None:
    await bot.command("meeting", "Sprint review? tomorrow 3pm")
    added = texts(await bot.command("agenda", "add Why so slow?"))
    assert "Why so slow?" in added, added
    prompt = texts(await bot.command("tradeoff", "Can we also add dark mode?"))
    assert "dark mode?" in prompt


async def test_snooze_one_week_with_a_full_stop_ends_as_without(bot: TestBot) -> None:
    plain = texts(await bot.command("pulse", "snooze 1 week"))
    await bot.command("pulse", "snooze off")
    dotted = texts(await bot.command("pulse", "snooze 1 week."))
    until = re.compile(r"until \*\*([^*]+)\*\*")
    assert until.search(plain) and until.search(dotted)
    assert until.search(plain).group(1) == until.search(dotted).group(1)  # type: ignore[union-attr]


@pytest.mark.parametrize("words", ["1 week", "for 2 weeks", "until friday 9am", "3 days"])
def test_the_snooze_parser_reads_a_full_stop_as_the_end_of_the_sentence(words: str) -> None:
    """The parser itself, not only the command's words: `1 week.` was read by the time parser as a day."""
    now, tz = START, ZoneInfo(BERLIN)
    assert parse_snooze(f"{words}.", tz, now) == parse_snooze(words, tz, now)
    assert parse_snooze(f"{words}!", tz, now) == parse_snooze(words, tz, now)


def test_the_snooze_parser_keeps_the_dot_of_p_m() -> None:
    """`3 p.m.` ends with the dot of its `p.m.`, not a full stop: dropped, `3 p.m` was read as no time at all
    (the start of the day), by a copy of the time parser's own rule (`timeparse.without_sentence_end`)."""
    now, tz = START, ZoneInfo(BERLIN)
    assert parse_snooze("until tomorrow 3 p.m.", tz, now) == parse_snooze("until tomorrow 3pm", tz, now)


# ---- 3. `Q1` and `1:` name a pre-read question ---------------------------------------------------------


@pytest.mark.parametrize("ref", ["Q1", "1:", "q1:", "#1", "1."])
async def test_agenda_answer_takes_the_question_label(bot: TestBot, ref: str) -> None:
    await bot.command("meeting", "Sprint review tomorrow 3pm")
    await bot.command("agenda", "question Which of the two designs do we ship?")
    saved = texts(await bot.command("agenda", f"answer {ref} The second one"))
    assert "your answer is saved" in saved, saved


# ---- 4. `parking lot` is the parking lot ----------------------------------------------------------------


@pytest.mark.parametrize("words", ["parking lot", "parking-lot", "parkinglot", "Parking Lot"])
async def test_parking_lot_words_list_the_parking_lot(bot: TestBot, words: str) -> None:
    [listed] = await bot.command("tradeoff", words)
    assert "parking lot is empty" in listed.text and listed.visibility == Visibility.PERSON
    assert not bot.posts() and not any("New request" in r.text for r in bot.channel_log())


# ---- 5. stats with nothing decided ------------------------------------------------------------------------


async def test_stats_say_nothing_was_decided_yet(bot: TestBot) -> None:
    prompt, _ = await bot.command("tradeoff", "add SSO to the MVP")
    await bot.chat("Can we also add a CSV export to the release by Friday?")
    stats = texts(await bot.command("tradeoff", "stats"))
    assert "100%" not in stats and "nothing decided yet" in stats, stats


# ---- 6. `me off` with nothing to delete ---------------------------------------------------------------------


async def test_me_off_without_entries_says_nothing_to_delete(bot: TestBot) -> None:
    off = texts(await bot.command("pulse", "me off"))
    assert "0 entries" not in off and "nothing to delete" in off, off


# ---- 7. greetings -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("greeting", ["hi", "Hello!", "thanks", "thank you", "Thank you!", "hey", "ty"])
async def test_a_greeting_in_the_dm_gets_one_kind_line(bot: TestBot, greeting: str) -> None:
    [reply] = await bot.say(greeting, where=direct(ANA))
    assert "don't know" not in reply.text and "Here is what I can do" not in reply.text
    assert "help" in reply.text and "\n" not in reply.text.strip()


async def test_a_greeting_addressed_in_a_channel_is_answered_to_the_person_only(bot: TestBot) -> None:
    [reply] = await bot.say("hi")  # typed in a channel: the bot was @mentioned
    assert reply.visibility != Visibility.CHANNEL and "Here is what I can do" not in reply.text


async def test_a_greeting_not_addressed_to_the_bot_gets_nothing(bot: TestBot) -> None:
    assert await bot.chat("hi everyone") == [] and await bot.chat("thanks!") == []


async def test_an_unknown_word_still_gets_the_overview(bot: TestBot) -> None:
    [reply] = await bot.say("frobnicate", where=direct(ANA))
    assert "I don't know `frobnicate`" in reply.text and "Here is what I can do" in reply.text
