"""Scope creep as people meet it: "Happy to — what do we drop?" in the thread of a message that adds scope,
its four ways out (drop, extend, park, not scope creep), commitments, learning and settings — asserted on
the core's replies."""

from __future__ import annotations

from datetime import timedelta

from handlers.core.types import Button, Reply, Visibility
from handlers.scope.api import decisions_summary
from handlers.scope.watch import LEARNING
from tests.support.testbot import ANA, BEN, TestBot, channel, form_of, labels, texts

SCOPE_CREEP = "while we're at it, can we also add a CSV export to the release?"
ORDINARY = "merged the PR, the build is green again"
BORDERLINE = "let's also log the embeddings to the feature store so we can reuse them later"  # score 3.0
WAYS_OUT = ["Drop something", "Extend the deadline", "Park it", "Not scope creep"]


def prompts(bot: TestBot) -> list[Reply]:
    """The "what do we drop?" prompts the bot posted (not the updates of a prompt)."""
    return [s.reply for s in bot.shown if "Drop something" in labels(s.reply) and not s.reply.replace_original]


async def prompt(bot: TestBot, text: str = SCOPE_CREEP, message_id: str = "", **kwargs: object) -> Reply:
    before = len(prompts(bot))
    replies = await bot.chat(text, message_id=message_id, **kwargs)  # type: ignore[arg-type]
    assert len(prompts(bot)) == before + 1, texts(replies)
    return prompts(bot)[-1]


async def summary(bot: TestBot, where: object = None):  # type: ignore[no-untyped-def]
    return await decisions_summary(bot.runtime.services, where or bot.here,  # type: ignore[arg-type]
                                   bot.clock.now() - timedelta(days=1))


async def test_scope_creep_gets_a_reply_in_the_messages_thread_with_the_four_ways_out(bot: TestBot) -> None:
    [reply] = await bot.chat(SCOPE_CREEP, message_id="m-100")
    shown = bot.shown[-1]
    assert shown.reply is reply and shown.where.thread_id == "m-100"  # in the message's thread
    assert reply.in_thread and reply.visibility == Visibility.CHANNEL
    assert "Happy to — what do we drop?" in reply.text
    assert "CSV export to the release" in reply.text  # the request, quoted
    assert labels(reply) == WAYS_OUT
    assert all(len(b.value) <= 20 for b in reply.buttons)  # ids, not the request


async def test_ordinary_chat_gets_nothing(bot: TestBot) -> None:
    for text in (ORDINARY, "can we also grab coffee after standup?",
                 "we decided to drop the PDF export from the release"):
        assert await bot.chat(text) == []
    assert prompts(bot) == []


async def test_one_reply_per_thread_ever(bot: TestBot) -> None:
    await prompt(bot, message_id="t-200")
    # more scope creep in the same thread: no second prompt
    assert await bot.chat("one more thing for the release — the client wants dark mode", thread="t-200") == []
    assert await bot.chat("and while we're at it could we support SSO too", thread="t-200") == []
    # a reply that starts in another thread gets its own prompt, in that thread
    second = await prompt(bot, "quick addition to the sprint: a date filter on the reports page", thread="t-201")
    assert bot.shown[-1].where.thread_id == "t-201"
    # once decided, the thread still never gets another prompt
    await bot.press(second, "Park it")
    assert await bot.chat(SCOPE_CREEP, thread="t-201") == []
    assert len(prompts(bot)) == 2


async def test_edits_never_bring_a_prompt(bot: TestBot) -> None:
    await prompt(bot, message_id="e-1")
    assert await bot.chat(SCOPE_CREEP + " (edited)", message_id="e-1", edit=True) == []
    # an ordinary message edited into an ask: it was considered when it was posted
    assert await bot.chat(ORDINARY, message_id="e-2") == []
    assert await bot.chat(SCOPE_CREEP, message_id="e-2", edit=True) == []
    assert len(prompts(bot)) == 1


async def test_a_redelivered_message_is_handled_once(bot: TestBot) -> None:
    # Chat keeps no de-duplication key (bot/inbound.py): the thread's claim is what holds.
    await bot.chat(SCOPE_CREEP, message_id="m-redelivered")
    assert await bot.chat(SCOPE_CREEP, message_id="m-redelivered") == []
    assert len(prompts(bot)) == 1 and (await summary(bot)).prompts == 1


async def test_settings_switch_the_watch_off_and_on(bot: TestBot) -> None:
    other = bot.add_channel("C-OTHER", [ANA, BEN], [ANA])
    [saved] = await bot.command("steadybot", "settings scope off")
    assert "Saved" in saved.text
    assert await bot.chat(SCOPE_CREEP) == []
    # other channels keep their own setting
    await prompt(bot, where=other)
    await bot.command("steadybot", "settings scope on")
    await prompt(bot)
    # /tradeoff works on purpose even where the watch is off
    await bot.command("steadybot", "settings scope off")
    [asked, tip] = await bot.command("tradeoff", "add SSO to the MVP")
    assert "New request" in asked.text and "SSO to the MVP" in asked.text
    assert asked.visibility == Visibility.CHANNEL and labels(asked) == [*WAYS_OUT[:3], "Never mind"]
    assert "I asked the channel what we drop" in tip.text and tip.visibility == Visibility.PERSON


async def test_only_the_channels_creator_changes_the_watch(bot: TestBot) -> None:
    [refused] = await bot.command("steadybot", "settings scope off", as_=BEN)
    assert "Only" in refused.text and "Saved" not in refused.text
    await prompt(bot)


async def test_sensitivity_setting_changes_what_fires(bot: TestBot) -> None:
    await bot.command("steadybot", "settings sensitivity low")
    assert await bot.chat(BORDERLINE) == []
    await bot.command("steadybot", "settings sensitivity normal")
    await prompt(bot, BORDERLINE)


async def test_drop_a_listed_commitment(bot_db: TestBot) -> None:
    bot = bot_db
    for item in ("Billing page redesign", "Mobile onboarding", "Audit log"):
        [added] = await bot.command("tradeoff", f"commit {item}")
        assert "Added to this channel's commitments" in added.text
    asked = await prompt(bot)
    [choices] = await bot.press(asked, "Drop something")
    assert choices.replace_original
    assert labels(choices)[:3] == ["Drop: Billing page redesign", "Drop: Mobile onboarding", "Drop: Audit log"]
    assert "Type it in…" in labels(choices) and "Back" in labels(choices)
    [decided] = await bot.press(choices, "Drop: Mobile onboarding")
    assert decided.replace_original and "Decided:" in decided.text
    assert "Added “while we're at it, can we also add a CSV export to the release?”" in decided.text
    assert "dropped “Mobile onboarding”" in decided.text
    assert decided.buttons == ()  # nothing left to press
    assert bot.current(asked) is decided  # the prompt itself now shows the decision
    [listed] = await bot.command("tradeoff", "commitments")
    assert "Mobile onboarding" not in listed.text and "CSV export" in listed.text
    done = await summary(bot)
    assert (done.added, done.dropped, done.open, done.false_alarms) == (1, 1, 0, 0)
    # a stale copy of the prompt: pressing again changes nothing and shows the decision
    [again] = await bot.press(asked, "Park it")
    assert "dropped “Mobile onboarding”" in again.text
    assert (await summary(bot)).parked == 0


async def test_drop_something_typed_into_the_form(bot: TestBot) -> None:
    await bot.command("tradeoff", "commit PDF export")
    asked = await prompt(bot)
    [choices] = await bot.press(asked, "Drop something")
    form = form_of(await bot.press(choices, "Type it in…"))
    assert form.id == "scope.drop_form"
    # empty: a friendly answer, nothing decided
    [empty] = await bot.submit(form, {"dropped": "  ", "added": ""})
    assert "what we drop" in empty.text and not empty.replace_original
    assert (await summary(bot)).open == 1
    [decided] = await bot.submit(form, {"dropped": "pdf export", "added": "CSV export"})
    assert decided.replace_original  # the prompt the form came from shows the decision
    assert "Added “CSV export”; dropped “PDF export”" in decided.text  # the listed item, matched by name
    [listed] = await bot.command("tradeoff", "commitments")
    assert "PDF export" not in listed.text and "1. CSV export" in listed.text


async def test_a_commitment_dropped_meanwhile_is_not_dropped_twice(bot: TestBot) -> None:
    await bot.command("tradeoff", "commit Search page")
    await bot.command("tradeoff", "commit Dark mode")
    asked = await prompt(bot)
    [choices] = await bot.press(asked, "Drop something")
    await bot.command("tradeoff", "done 1")  # Search page is finished meanwhile
    [again] = await bot.press(choices, "Drop: Search page")
    assert "no longer on the list" in again.text
    assert labels(again)[0] == "Drop: Dark mode"
    assert (await summary(bot)).open == 1


async def test_extend_the_deadline(bot: TestBot) -> None:
    asked = await prompt(bot)
    [choices] = await bot.press(asked, "Extend the deadline")
    assert labels(choices) == ["+1 day", "+1 week", "Other…", "Back"]
    [extended] = await bot.press(choices, "+1 week")
    assert "deadline +1 week" in extended.text
    # a custom amount through the form
    asked = await prompt(bot, "small ask: could the export also include archived projects")
    [choices] = await bot.press(asked, "Extend the deadline")
    form = form_of(await bot.press(choices, "Other…"))
    [unclear] = await bot.submit(form, {"by": "3"})
    assert "3 days" in unclear.text and not unclear.replace_original
    [extended] = await bot.submit(form, {"by": "10 days"})
    assert "deadline +1 week 3 days" in extended.text and extended.replace_original
    done = await summary(bot)
    assert (done.extended, done.added) == (2, 2)


async def test_park_it_and_back(bot: TestBot) -> None:
    asked = await prompt(bot)
    [choices] = await bot.press(asked, "Drop something")
    [back] = await bot.press(choices, "Back")
    assert labels(back) == labels(asked)
    [parked] = await bot.press(back, "Park it")
    assert "Parked “while we're at it" in parked.text
    [parking] = await bot.command("tradeoff", "parking")
    assert "1. while we're at it, can we also add a CSV export" in parking.text
    assert (await summary(bot)).parked == 1


async def test_not_scope_creep_is_counted_and_teaches_the_channel(bot: TestBot) -> None:
    other = bot.add_channel("C-OTHER", [ANA], [ANA])
    asked = await prompt(bot, BORDERLINE)
    [dismissed] = await bot.press(asked, "Not scope creep")
    assert "not scope creep" in dismissed.text
    learned = await bot.runtime.store.scope.learning(bot.here)
    assert (learned.offset, learned.dismissals) == (LEARNING.step, 1)
    done = await summary(bot)
    assert (done.dismissed, done.false_alarms, done.precision_in_use) == (1, 1, 0.0)
    # the same kind of message no longer fires in this channel, but still does elsewhere
    assert await bot.chat(BORDERLINE) == []
    await prompt(bot, BORDERLINE, where=other)
    # a clear ask still does
    await prompt(bot, SCOPE_CREEP)
    # dismissals are bounded: the threshold never rises by more than the cap
    for n in range(12):
        asked = await prompt(bot, f"while we're at it, could we support SSO for admin page {n} too")
        await bot.press(asked, "Not scope creep")
    learned = await bot.runtime.store.scope.learning(bot.here)
    assert learned.offset == LEARNING.cap and learned.dismissals == 13
    [stats] = await bot.command("tradeoff", "stats")
    assert "threshold +1.00 from 13 dismissals" in texts([stats])


async def test_reset_learning_is_for_the_channel_owner(bot: TestBot) -> None:
    asked = await prompt(bot)
    await bot.press(asked, "Not scope creep")
    [refused] = await bot.command("tradeoff", "reset", as_=BEN)
    assert "Only the channel's creator" in refused.text
    [reset] = await bot.command("tradeoff", "reset", as_=ANA)
    assert "forgot" in reset.text
    assert (await bot.runtime.store.scope.learning(bot.here)).offset == 0.0


async def test_garbage_values_and_buttons_from_another_channel_are_refused(bot: TestBot) -> None:
    asked = await prompt(bot)
    park = next(b for b in asked.buttons if b.label == "Park it")
    elsewhere = channel("C-OTHER")
    answers: list[Reply] = []
    for bad in ("", "abc", "-1", "0", "1:2:3", "9" * 40, "\u202e1", park.value + "0000"):
        answers += await bot.press(Button(park.action, "Park it", bad), where=bot.here)
    answers += await bot.press(park, where=elsewhere)
    answers += await bot.press(Button("scope.drop.item", "x", f"{park.value}:nope"), where=bot.here)
    answers += await bot.press(Button("scope.extend.by", "x", f"{park.value}:1y"), where=bot.here)
    assert answers and all("no longer available" in a.text for a in answers), texts(answers)
    assert not any(a.replace_original for a in answers)
    assert (await summary(bot)).open == 1
