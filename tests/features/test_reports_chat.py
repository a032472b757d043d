"""`/steadybot report` in chat: the team's last 12 weeks (pulse, meetings, scope decisions, observations) and
a private link to the report page, within the privacy rules — asserted on the core's replies."""

from __future__ import annotations

from datetime import timedelta

from bot.demo import history
from handlers.core.types import Visibility
from handlers.pulse.model import Answer
from handlers.reports.model import people
from tests.support.testbot import TestBot, direct, texts

PEOPLE = [f"u{i}" for i in range(1, 8)]


async def seed(bot: TestBot, **kwargs: object) -> None:
    """Ana's channel with seven people and its past (bot/demo/history.py: what `steadybot demo --history` writes)."""
    bot.team({p: "UTC" for p in PEOPLE})
    bot.me = bot.directory.people["u2"]
    await history.write_history(bot.runtime.store, bot.clock, bot.here, PEOPLE, **kwargs)  # type: ignore[arg-type]


async def test_report_shows_pulse_meetings_decisions_and_observations(bot_db: TestBot) -> None:
    bot = bot_db
    await seed(bot)
    report, link = await bot.command("steadybot", "report")
    text = texts([report])
    assert "Team health for #team — the last 12 weeks" in text
    assert "7 rounds shown" in text  # 8 rounds, one below the threshold does not exist here
    assert "**Energy** — " in text and "trend" in text
    assert "Burnout level 3 or higher in the latest round: fewer than 4 of 6" in text  # 1–3 of 6: masked
    assert "**Meetings** — 56 held, 47.3 h · 57% with an agenda" in text
    assert ("**Timeboxes** — 8 time-boxed calls · planned 2 h, used 1 h 50 min · time given back 30 min "
            "(6 stopped early) · overruns 20 min (2 ran over)") in text
    assert "**Scope creep** — 2 dropped · 2 deadline moved · 2 parked · 3 not scope creep" in text
    assert "What goes together" in text and "followed" in text
    assert "SECRET" not in text and "comment" not in text
    assert text.count("\n") > 5
    assert link.visibility != Visibility.CHANNEL  # the link is for the asker only
    [button] = [b for b in link.buttons if b.url]
    assert "/reports/" in button.url


async def test_report_before_any_round_is_friendly(bot: TestBot) -> None:
    report, _ = await bot.command("steadybot", "report")
    assert "no pulse round of the last 12 weeks had at least 5 answers" in report.text
    assert "no meetings recorded here" in report.text


async def test_report_refuses_extra_words_and_direct_messages(bot: TestBot) -> None:
    [said] = await bot.command("steadybot", "report everything")
    assert "takes nothing after it" in said.text
    said_in_dm = texts(await bot.command("steadybot", "report", where=direct(bot.me)))
    assert "Team health" not in said_in_dm and "channel" in said_in_dm


async def test_chat_report_privacy_hidden_open_and_small_rounds(bot_db: TestBot) -> None:
    bot = bot_db
    assert [people(n) for n in (0, 1, 2, 3, 7)] == ["0", "fewer than 3", "fewer than 3", "3", "7"]
    await seed(bot, weeks=4, below_k_week=3)  # the newest closed round has 2 answers: below k
    # an open round with enough answers: not sealed, so it does not exist for the report either
    store = bot.runtime.store.pulse
    rnd = await store.create_round("open", bot.here, 72)
    await store.add_invitations(rnd.id, [(bot.here.platform, p) for p in PEOPLE])
    await store.finish_invitations(rnd.id, bot.clock.now(), bot.clock.now() + timedelta(days=3))
    for person, score in zip(PEOPLE, history.scores(5, 5, 5, 6), strict=False):
        await store.record(rnd.id, bot.here.platform, person, Answer(score, "SECRET-OPEN"), bot.clock.now().date())
    report, _ = await bot.command("steadybot", "report")
    text = texts([report])
    assert "3 rounds shown" in text
    assert "SECRET" not in text and "comment" not in text  # no comments in chat at all
    assert "1.0" not in text and "5.0" not in text  # neither the hidden round's nor the open round's means
    assert "Burnout level 3 or higher in the latest round: fewer than 3 of" in text
    assert "Observations need at least 4 shown rounds; there are 3 so far." in text
    for line in text.splitlines():
        for word in ("1 of", "2 of"):
            assert f" {word} " not in f" {line} ", line
