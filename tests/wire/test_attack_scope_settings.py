"""Attacks on `/steadybot settings` through the real Slack wire: a threshold typed in digits Python calls digits
but cannot read as a number (Ethiopic ፩, superscript ²) gets a friendly answer and changes nothing — never
"something went wrong on my side"."""

from __future__ import annotations

from handlers.core.types import Place, Platform
from tests.support.harness import Harness
from tests.support.harness import block_texts as _texts

C1 = Place(Platform.SLACK, "C1")
SORRY = "something went wrong"


async def test_min_in_unreadable_digits_is_a_friendly_error_on_the_slash_command(bot: Harness) -> None:
    bot.slack.add_channel("C1", creator="ULEAD", members=["ULEAD"])
    for digits in ("፩", "፲", "᧚"):  # str.isdigit() says yes, int() says no (NFKC keeps them)
        reply = await bot.slash_reply("/steadybot", f"settings min {digits}", user="ULEAD")
        text = _texts(reply)
        assert SORRY not in text.lower() and "whole number" in text, (digits, text)
    assert (await bot.runtime.store.settings.get(C1)).min_respondents == 5  # unchanged


async def test_min_in_unreadable_digits_is_a_friendly_error_in_the_settings_modal(bot: Harness) -> None:
    bot.slack.add_channel("C1", creator="ULEAD", members=["ULEAD"])
    for n, digits in enumerate(("²", "①", "፩")):  # modal text is not NFKC-normalised: ² reaches the core as is
        await bot.submit_sealed({"f": "settings.edit", "c": "", "ch": "C1"}, {"min_respondents": digits},
                                user="ULEAD")
        posted = await bot.slack.wait_for("chat.postEphemeral", n + 1)
        text = _texts(posted[n].params)
        assert SORRY not in text.lower() and "whole number" in text, (digits, text)
    assert (await bot.runtime.store.settings.get(C1)).min_respondents == 5
